"""The write-time guard on public text: nothing internal to the incident may be published.

The rule, checked case-insensitively with whitespace collapsed:
- always refused: text shaped like PHI (notify's net: SSN, labelled MRN, date of birth, patient name),
  any value of the incident's alerts (summary, facts, details, at any depth) and the responders'
  names and email addresses;
- when the incident is flagged PHI suspected, also its title, description and every note.
A value is refused whole (values shorter than MIN_LENGTH are ignored: "P0", "true", "prod" would
refuse ordinary words), and so is each distinctive word in it: one of MIN_LENGTH characters or more
with both letters and digits (an ID, a hostname, a canary), only digits (a record number), or an
"@" (an address). Ordinary words of a title are not refused on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.alerts.models import Alert
from codeblue.errors import BadInput
from codeblue.incidents.models import Incident, TimelineEntry
from codeblue.notify.channels import phi

MIN_LENGTH = 6


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)


_WORD = re.compile(r"[0-9a-z@.]+")


def _distinctive(word: str) -> bool:
    if len(word) < MIN_LENGTH:
        return False
    digits = any(c.isdigit() for c in word)
    return "@" in word or (digits and any(c.isalpha() for c in word)) or (digits and word.replace(".", "").isdigit())


def _words(text: str) -> set[str]:
    return {w.strip(".") for w in _WORD.findall(text)}


def private_values(session: Session, *, incident: Incident) -> set[str]:
    """Every internal value of the incident that public text must not carry, normalised."""
    values: list[str] = []
    for alert in session.scalars(select(Alert).where(Alert.incident_id == incident.id)):
        values += [alert.summary, *_leaves(alert.facts or {}), *_leaves(alert.details or {})]
    for role in incident.roles:
        values += [role.user.name, role.user.email]
    if incident.phi_suspected:
        values += [incident.title, incident.description]
        values += session.scalars(select(TimelineEntry.summary).where(
            TimelineEntry.incident_id == incident.id, TimelineEntry.kind == "note"))
    whole = {n for n in (_norm(v) for v in values if v) if len(n) >= MIN_LENGTH}
    return whole | {w for value in whole for w in _words(value) if _distinctive(w)}


def problems(texts: Iterable[str], private: set[str]) -> list[str]:
    """Why the texts may not be published; empty when they may."""
    found = []
    for text in texts:
        plain = _norm(text)
        if phi.contains_phi_like(text):
            found.append("it contains something shaped like patient data (an SSN, MRN, date of birth or patient name)")
        if any(value in plain for value in private):
            found.append("it repeats an internal detail of the incident (an alert value, a responder, or, "
                         "for a PHI-flagged incident, its title, description or notes)")
    return sorted(set(found))


def check(session: Session, *, incident: Incident, texts: Iterable[str]) -> None:
    """Refuse public text that would carry an internal detail; BadInput names why, never the detail."""
    found = problems(texts, private_values(session, incident=incident))
    if found:
        raise BadInput("this text cannot be published: " + "; ".join(found),
                       details={"field": "text", "problems": found})
