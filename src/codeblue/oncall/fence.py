"""Stopping an escalation: kept apart from paging so the incident lifecycle can call it directly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.engine import timers, txcache
from codeblue.incidents.models import Incident
from codeblue.notify import gate, outbox
from codeblue.oncall.models import Escalation

ESCALATE = "escalate"
START = "page"
_HELD = "fence_held"  # incident id -> its Escalation (or None), locked in this transaction by lock_many


def lock(session: Session, incident_id: int, *, wait: bool = True) -> Escalation | None:
    """The incident's escalation row, locked on PostgreSQL so an ack, a timer and a sender take turns.

    The incident row is locked first, as the ack path does (it updates the incident, then stops the
    escalation): one order everywhere, so they cannot deadlock. Engine work passes wait=False and gets
    timers.Busy instead of queueing behind an ack while it holds its own timer row, which the ack
    deletes: that wait would be the other half of a deadlock.
    """
    held = txcache.get(session, _HELD)
    if incident_id in held:
        return held[incident_id]
    query = select(Escalation).where(Escalation.incident_id == incident_id)
    if lock_incident(session, incident_id, wait=wait):
        query = query.with_for_update()
    return session.scalar(query)


def lock_many(session: Session, incident_ids: list[int]) -> set[int]:
    """lock(wait=False) for many incidents in two queries; returns the ids held by another transaction.

    The rows are locked in id order, and without waiting (SKIP LOCKED), so a batch of engine work can
    never be one half of a deadlock with an ack. Later lock() calls in this transaction answer from memory.
    """
    held = txcache.get(session, _HELD)
    ids = sorted(set(incident_ids) - held.keys())
    if not ids:
        return set()
    busy: set[int] = set()
    query = select(Escalation).where(Escalation.incident_id.in_(ids))
    if session.get_bind().dialect.name == "postgresql":
        got = set(session.scalars(select(Incident.id).where(Incident.id.in_(ids)).order_by(Incident.id)
                                  .with_for_update(skip_locked=True)))
        if missing := [i for i in ids if i not in got]:
            busy = set(session.scalars(select(Incident.id).where(Incident.id.in_(missing))))
        ids = [i for i in ids if i not in busy]
        query = select(Escalation).where(Escalation.incident_id.in_(ids)).with_for_update()
    held.update(dict.fromkeys(ids))
    if ids:
        held.update({esc.incident_id: esc for esc in session.scalars(query)})
    return busy


def remember(session: Session, esc: Escalation) -> None:
    """A new escalation, created under the incident's lock in this transaction: lock() returns it."""
    held = txcache.get(session, _HELD)
    if esc.incident_id in held:
        held[esc.incident_id] = esc


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
