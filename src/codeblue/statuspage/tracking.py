"""The customer-notice task: created when an incident opens, re-timed when its severity or audience changes.

Kept free of the incidents service, which calls it, so the hook there is one line.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.engine import reminders, timers
from codeblue.incidents.models import Incident
from codeblue.policy.schema import Pack
from codeblue.statuspage import rules
from codeblue.statuspage.models import CustomerNotice

TIMER = "customer_notice"
REMIND_BEFORE = (timedelta(minutes=15),)
OVERDUE_EVERY = timedelta(minutes=15)
CLOSED = ("sent", "waived")


def find(session: Session, *, incident_id: int) -> CustomerNotice | None:
    return session.scalar(select(CustomerNotice).where(CustomerNotice.incident_id == incident_id))


def track(session: Session, *, incident: Incident, pack: Pack, now: datetime) -> CustomerNotice:
    """Create or re-time the incident's task from its current severity and user_facing; a closed one stays closed."""
    task = find(session, incident_id=incident.id)
    if task is None:
        task = CustomerNotice(incident_id=incident.id, status="not_owed", mode="none", severity=incident.severity,
                              created_at=now, updated_at=now)
        session.add(task)
    if task.status in CLOSED:
        return task
    # A notice owed since detection stays counted from then when the severity changes; one that
    # becomes owed by a change (P2 → P1, or marked user-facing) counts from that change.
    since = task.owed_since or (incident.detected_at if task.id is None else now)
    owed = rules.customer_notice(pack.severity(incident.severity), user_facing=incident.user_facing,
                                 owed_since=since)
    task.severity, task.mode, task.reason, task.updated_at = incident.severity, owed.mode, owed.reason, now
    if owed.owed:
        task.status, task.owed_since, task.due_at = "owed", since, owed.due_at
    else:
        task.status, task.owed_since, task.due_at = "not_owed", None, None
    session.flush()
    arm(session, task=task, now=now)
    return task


def arm(session: Session, *, task: CustomerNotice, now: datetime) -> None:
    """The next reminder: before the deadline, at it, then every OVERDUE_EVERY until sent or waived."""
    nxt = None
    if task.status == "owed" and task.due_at is not None:
        nxt = reminders.next_reminder(due_at=task.due_at, now=now, leads=REMIND_BEFORE, overdue_every=OVERDUE_EVERY)
    if nxt is None:
        timers.cancel(session, kind=TIMER, subject_id=task.id)
    else:
        timers.arm(session, kind=TIMER, subject_id=task.id, due_at=nxt.at, now=now, payload={"stage": nxt.stage})


def close(session: Session, *, task: CustomerNotice, status: str, by: str, now: datetime,
          reason: str | None = None) -> None:
    task.status, task.closed_at, task.closed_by, task.waive_reason, task.updated_at = status, now, by, reason, now
    timers.cancel(session, kind=TIMER, subject_id=task.id)
