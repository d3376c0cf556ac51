"""Engine work of the compliance domain: reminders before each notice falls due, escalation once overdue."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from codeblue.audit import service as audit
from codeblue.auth.actor import SYSTEM
from codeblue.compliance import service as breaches
from codeblue.compliance.models import BreachNotice
from codeblue.engine.models import Timer
from codeblue.notify import reminders


def on_timer(session: Session, timer: Timer, now: datetime, *, base_url: str = "") -> None:
    """Remind compliance officers of a pending notice; once overdue, escalate to admins too."""
    notice = session.get(BreachNotice, timer.subject_id)
    if notice is None or notice.status != "pending" or notice.due_on is None:
        return
    case = notice.case
    overdue = breaches.is_overdue(notice, now)
    days = (notice.due_on - now.astimezone(UTC).date()).days
    when = f"overdue since {notice.due_on}" if overdue else f"due {notice.due_on} (in {days} day(s))"
    # PHI-safe: the notice's recipient class, case and incident numbers, deadline and citation only.
    subject = f"{'OVERDUE: ' if overdue else ''}breach notice for {case.incident.ref}: {notice.recipient}"
    text = (f"Breach case {case.id} ({case.incident.ref}): notice to {notice.recipient} is {when} "
            f"({notice.citation}). {base_url}/api/v1/breach-notices/{notice.id}")
    roles = ("compliance", "admin") if overdue else ("compliance",)
    reached = reminders.remind(session, users=reminders.users_with_roles(session, roles),
                               key=f"breach-notice:{notice.id}:{timer.due_at.isoformat()}", subject=subject,
                               text=text, now=now)
    if overdue and notice.escalated_at is None:
        notice.escalated_at = now
    audit.record(session, actor=SYSTEM, action="breach_notice.escalated" if overdue else "breach_notice.reminded",
                 subject_type="breach_notice", subject_id=notice.id, now=now,
                 after={"due": notice.due_on, "reached": reached, "roles": list(roles)})
    breaches.arm(session, notice=notice, now=now)


TIMER_HANDLERS = {breaches.TIMER: on_timer}
