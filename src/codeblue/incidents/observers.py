"""Hooks other domains hang on an incident's timeline and on its resolution, so incidents imports none of them.

An observer sees every timeline entry as it is written, in the same unit of work; a resolve guard may
refuse a resolution (by raising) or record why it was allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from codeblue.auth.actor import Actor
    from codeblue.incidents.models import Incident, TimelineEntry

Observer = Callable[["Session", "Incident", "TimelineEntry"], None]
ResolveGuard = Callable[..., None]

_observers: dict[str, Observer] = {}
_resolve_guards: dict[str, ResolveGuard] = {}


def on_entry(name: str, observer: Observer) -> None:
    """Call observer(session, incident, entry) for every entry written; registering a name again replaces it."""
    _observers[name] = observer


def on_resolve(name: str, guard: ResolveGuard) -> None:
    """Call guard(session, incident=, actor=, now=, override=) before an incident is resolved."""
    _resolve_guards[name] = guard


def entry_written(session: Session, incident: Incident, entry: TimelineEntry) -> None:
    for observer in list(_observers.values()):
        observer(session, incident, entry)


def resolving(session: Session, incident: Incident, *, actor: Actor, now: datetime, override: str | None) -> None:
    for guard in list(_resolve_guards.values()):
        guard(session, incident=incident, actor=actor, now=now, override=override)
