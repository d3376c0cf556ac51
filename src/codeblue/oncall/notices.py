"""Who hears of an incident besides its escalation chain: its severity's stakeholders, its type's notify
list, and PHI suspected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from codeblue.engine import timers
from codeblue.policy.schema import Pack

TIMER = "notify"
PHI = "phi"


def owed(pack: Pack, *, incident_type: str, phi_suspected: bool, severity: str | None = None) -> list[tuple[str, str]]:
    """(reason, contact id) for every notice an incident of this severity, type and PHI flag is owed, in pack
    order: severity stakeholders, then the type's list, then PHI. A contact may appear for several reasons."""
    found = [(f"severity:{severity}", who) for who in pack.severity(severity).stakeholders] if severity else []
    itype = pack.incident_type(incident_type)
    found += [(f"type:{itype.id}", who) for who in itype.notify] if itype else []
    if phi_suspected:
        found += [(PHI, who) for who in pack.compliance.notify_on_phi]
    return found


def by_contact(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Each owed contact once, with every reason it is owed a notice, in the order first owed."""
    out: dict[str, list[str]] = {}
    for reason, who in pairs:
        out.setdefault(who, []).append(reason)
    return out


def reason_label(pack: Pack, reason: str) -> str:
    if reason == PHI:
        return "PHI suspected"
    if reason.startswith("severity:"):
        sid = reason.removeprefix("severity:")
        return f"severity {sid} {pack.severity(sid).name}"
    itype = pack.incident_type(reason.removeprefix("type:"))
    return f"incident type {itype.name if itype else reason.removeprefix('type:')}"


def arm(session: Session, *, pack: Pack, incident_id: int, incident_type: str, phi_suspected: bool,
        now: datetime, severity: str | None = None) -> None:
    """The engine sends what is owed, armed here so it commits with the change that made it owed."""
    if owed(pack, incident_type=incident_type, phi_suspected=phi_suspected, severity=severity):
        timers.arm(session, kind=TIMER, subject_id=incident_id, due_at=now, now=now)


def arm_resolution(session: Session, *, incident_id: int, now: datetime) -> None:
    """The engine tells the stakeholders the incident is resolved (the same timer: one sender of notices)."""
    timers.arm(session, kind=TIMER, subject_id=incident_id, due_at=now, now=now)
