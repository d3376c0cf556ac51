"""Stopping an escalation: kept apart from paging so the incident lifecycle can call it directly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.engine import timers
from codeblue.incidents.models import Incident
from codeblue.notify import gate, outbox
from codeblue.oncall.models import Escalation

ESCALATE = "escalate"
START = "page"


def lock(session: Session, incident_id: int, *, wait: bool = True) -> Escalation | None:
    """The incident's escalation row, locked on PostgreSQL so an ack, a timer and a sender take turns.

    The incident row is locked first, as the ack path does (it updates the incident, then stops the
    escalation): one order everywhere, so they cannot deadlock. Engine work passes wait=False and gets
    timers.Busy instead of queueing behind an ack while it holds its own timer row, which the ack
    deletes: that wait would be the other half of a deadlock.
    """
    query = select(Escalation).where(Escalation.incident_id == incident_id)
    if lock_incident(session, incident_id, wait=wait):
        query = query.with_for_update()
    return session.scalar(query)


def lock_incident(session: Session, incident_id: int, *, wait: bool = True) -> bool:
    """Lock the incident row (PostgreSQL; SQLite has one writer anyway); wait=False raises timers.Busy."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    held = session.scalar(select(Incident.id).where(Incident.id == incident_id).with_for_update(skip_locked=not wait))
    if held is None and not wait and session.scalar(select(Incident.id).where(Incident.id == incident_id)):
        raise timers.Busy(f"incident {incident_id} is locked")
    return True


def stop(session: Session, *, incident_id: int, now: datetime, reason: str) -> None:
    """Someone answered (or it resolved): every armed timer and unsent page for it goes stale."""
    esc = lock(session, incident_id)
    paging = esc is not None and esc.active
    if paging:
        # Rows first, then the gate, always in that order: a page on the wire arrives before this commits.
        gate.block(session, incident_id=incident_id)
    timers.cancel(session, kind=START, subject_id=incident_id)
    timers.cancel(session, kind=ESCALATE, subject_id=incident_id)
    outbox.cancel_pages(session, incident_id=incident_id, reason=reason, now=now)
    if not paging:
        return
    esc.active = False
    esc.fence += 1
    esc.stopped_at = now
