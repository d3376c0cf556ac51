"""Who hears of an incident besides its escalation chain: its type's notify list, and PHI suspected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from codeblue.engine import timers
from codeblue.policy.schema import Pack

TIMER = "notify"
PHI = "phi"


def owed(pack: Pack, *, incident_type: str, phi_suspected: bool) -> list[tuple[str, str]]:
    """(reason, contact id) for every notice an incident of this type and PHI flag is owed, in pack order."""
    itype = pack.incident_type(incident_type)
    found = [(f"type:{itype.id}", who) for who in itype.notify] if itype else []
    if phi_suspected:
        found += [(PHI, who) for who in pack.compliance.notify_on_phi]
    return found


def reason_label(pack: Pack, reason: str) -> str:
    if reason == PHI:
        return "PHI suspected"
    itype = pack.incident_type(reason.removeprefix("type:"))
    return f"incident type {itype.name if itype else reason.removeprefix('type:')}"


def arm(session: Session, *, pack: Pack, incident_id: int, incident_type: str, phi_suspected: bool,
        now: datetime) -> None:
    """The engine sends what is owed, armed here so it commits with the change that made it owed."""
    if owed(pack, incident_type=incident_type, phi_suspected=phi_suspected):
        timers.arm(session, kind=TIMER, subject_id=incident_id, due_at=now, now=now)
