"""When to remind about a deadline: before it at lead times, at it, and again while it stays overdue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal


@dataclass(frozen=True)
class Reminder:
    at: datetime
    stage: Literal["upcoming", "overdue"]


def next_reminder(*, due_at: datetime, now: datetime, leads: Iterable[timedelta],
                  overdue_every: timedelta | None) -> Reminder | None:
    """The first reminder strictly after `now`: one per lead before `due_at`, then overdue at `due_at`
    and every `overdue_every` after it (never again when that is None)."""
    upcoming = sorted(due_at - lead for lead in leads if lead > timedelta(0) and due_at - lead > now)
    if upcoming:
        return Reminder(upcoming[0], "upcoming")
    if due_at > now:
        return Reminder(due_at, "overdue")
    if overdue_every is None or overdue_every <= timedelta(0):
        return None
    rounds = (now - due_at) // overdue_every + 1
    return Reminder(due_at + rounds * overdue_every, "overdue")
