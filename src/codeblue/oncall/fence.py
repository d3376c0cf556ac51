"""Stopping an escalation: kept apart from paging so the incident lifecycle can call it directly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.engine import timers
from codeblue.notify import outbox
from codeblue.oncall.models import Escalation

ESCALATE = "escalate"
START = "page"


def lock(session: Session, incident_id: int) -> Escalation | None:
    """The incident's escalation row, locked on PostgreSQL so an ack and a timer take turns."""
    query = select(Escalation).where(Escalation.incident_id == incident_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def stop(session: Session, *, incident_id: int, now: datetime, reason: str) -> None:
    """Someone answered (or it resolved): every armed timer and unsent page for it goes stale."""
    timers.cancel(session, kind=START, subject_id=incident_id)
    timers.cancel(session, kind=ESCALATE, subject_id=incident_id)
    outbox.cancel_pages(session, incident_id=incident_id, reason=reason)
    esc = lock(session, incident_id)
    if esc is None or not esc.active:
        return
    esc.active = False
    esc.fence += 1
    esc.stopped_at = now
