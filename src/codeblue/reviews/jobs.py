"""Engine work of the reviews domain: reminders when a review or follow-up falls due, and when overdue."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from codeblue.auth.actor import SYSTEM
from codeblue.engine.models import Timer
from codeblue.incidents import service as incidents
from codeblue.notify import reminders
from codeblue.reviews import followups
from codeblue.reviews import service as reviews
from codeblue.reviews.models import FollowUp, Review


def on_review_timer(session: Session, timer: Timer, now: datetime, *, base_url: str = "") -> None:
    """Remind the incident's commander that its review is due soon, or overdue."""
    review = session.get(Review, timer.subject_id)
    if review is None or review.status == "done":
        return
    incident = review.incident
    late = reviews.overdue(review, now)
    due = f"{review.due_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    what = f"overdue since {due}" if late else f"due {due}"
    commander = next((r.user for r in incident.roles if r.role == "commander"), None)
    reached = reminders.remind(
        session, users=[commander] if commander else [], key=f"review:{review.id}:{timer.due_at.isoformat()}",
        subject=f"{'OVERDUE: ' if late else ''}post-incident review of {incident.ref}",
        text=f"The post-incident review of {incident.ref} ({incident.title}) is {what}. "
             f"{base_url}/api/v1/incidents/{incident.ref}/review", now=now, incident_id=incident.id)
    who = f"reminded {', '.join(reached)}" if reached else (
        "no commander to remind" if commander is None else f"{commander.name} has no contact method")
    incidents.record(session, incident, kind="review_reminder", actor=SYSTEM, now=now,
                     summary=f"Post-incident review {what}: {who}", data={"overdue": late, "reached": reached})
    reviews.arm(session, review=review, now=now)


def on_follow_up_timer(session: Session, timer: Timer, now: datetime, *, base_url: str = "") -> None:
    """Remind a follow-up's owner on its due date, and while it stays overdue."""
    item = session.get(FollowUp, timer.subject_id)
    if item is None or item.status != "open":
        return
    late = followups.overdue(item, now)
    what = f"overdue since {item.due_on}" if late else f"due {item.due_on}"
    reached = reminders.remind(
        session, users=[item.owner], key=f"follow-up:{item.id}:{timer.due_at.isoformat()}",
        subject=f"{'OVERDUE: ' if late else ''}follow-up for {item.incident.ref}: {item.title}",
        text=f"Follow-up '{item.title}' ({item.priority}) for {item.incident.ref} is {what}. "
             f"{base_url}/api/v1/follow-ups/{item.id}", now=now, incident_id=item.incident_id)
    incidents.record(session, item.incident, kind="follow_up_reminder", actor=SYSTEM, now=now,
                     summary=f"Follow-up {what}: {item.title} ("
                             + (f"reminded {', '.join(reached)}" if reached else f"{item.owner.name} has no contact "
                                                                                 "method") + ")",
                     data={"follow_up": item.id, "overdue": late, "reached": reached})
    followups.arm(session, item=item, now=now)


TIMER_HANDLERS = {reviews.TIMER: on_review_timer, followups.TIMER: on_follow_up_timer}
