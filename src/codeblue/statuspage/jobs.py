"""Engine work of the status page: reminding the commander (or whoever was paged) of a customer notice."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.actor import SYSTEM
from codeblue.auth.models import User
from codeblue.engine.models import Timer
from codeblue.incidents import lifecycle
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.notify import reminders
from codeblue.notify.models import Notification
from codeblue.oncall import fence
from codeblue.statuspage import tracking
from codeblue.statuspage.models import CustomerNotice


def _who(session: Session, incident: Incident) -> list[User]:
    """The commander; with none assigned, the people paged for the incident (the on-call)."""
    commander = next((r.user for r in incident.roles if r.role == "commander"), None)
    if commander is not None:
        return [commander]
    ids = session.scalars(select(Notification.user_id).where(
        Notification.incident_id == incident.id, Notification.purpose == "page",
        Notification.user_id.is_not(None)).distinct())
    return list(session.scalars(select(User).where(User.id.in_(list(ids))).order_by(User.id)))


def on_timer(session: Session, timer: Timer, now: datetime, *, base_url: str = "") -> None:
    """Remind before the deadline, at it, and while it stays overdue; quiet once sent, waived or resolved."""
    task = session.get(CustomerNotice, timer.subject_id)
    if task is None or task.status != "owed" or task.due_at is None:
        return
    # As paging does: never wait for the incident while holding this timer, which an ack deletes.
    fence.lock_incident(session, task.incident_id, wait=False)
    incident = session.get(Incident, task.incident_id)
    if incident is None or not lifecycle.is_open(incident.status):
        return
    late = now >= task.due_at
    due = f"{task.due_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    what = f"overdue since {due}" if late else f"due {due}"
    users = _who(session, incident)
    # PHI-safe: the incident's number, severity and service, the deadline and a link; never its title.
    reached = reminders.remind(
        session, users=users, key=f"customer-notice:{task.id}:{timer.due_at.isoformat()}",
        subject=f"{'OVERDUE: ' if late else ''}customer notice for {incident.ref} ({incident.severity})",
        text=f"The customer notice for {incident.ref} ({incident.severity}, {incident.service.name}) is {what} "
             f"({task.reason}). Send or waive it: {base_url}/incidents/{incident.ref}#customer-notice",
        now=now, incident_id=incident.id)
    who = f"reminded {', '.join(reached)}" if reached else (
        "nobody to remind" if not users else "no contact method to remind on")
    incidents.record(session, incident, kind="customer_notice_reminder", actor=SYSTEM, now=now,
                     summary=f"Customer notice {what}: {who}", data={"overdue": late, "reached": reached})
    tracking.arm(session, task=task, now=now)


TIMER_HANDLERS = {tracking.TIMER: on_timer}
