"""Post-incident reviews: opened when an incident resolves, written by the team, required to close it.

Nothing here commits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.audit import service as audit
from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm
from codeblue.engine import reminders, timers
from codeblue.errors import BadInput, Conflict, Forbidden, NotFound
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.reviews import prefill, report
from codeblue.reviews.models import Review
from codeblue.reviews.schemas import ReviewPatch

TIMER = "review"
REMIND_BEFORE = (timedelta(hours=2),)
OVERDUE_EVERY = timedelta(days=1)
REQUIRED = ("root_cause", "lessons_learned", "prevention")


def find(session: Session, *, incident: Incident) -> Review | None:
    return session.scalar(select(Review).where(Review.incident_id == incident.id))


def get(session: Session, *, incident: Incident) -> Review:
    review = find(session, incident=incident)
    if review is None:
        raise NotFound(f"{incident.ref} has no post-incident review yet: one opens when it resolves")
    return review


def open_for(session: Session, *, incident: Incident, now: datetime) -> Review:
    """The incident's review, opened now and pre-filled from its timeline if it has none."""
    review = find(session, incident=incident)
    if review is not None:
        return review
    pack = incidents.pack_of(incident)
    severity = pack.severity(incident.severity)
    itype = pack.incident_type(incident.type)
    entries = incidents.timeline(session, incident=incident)
    review = Review(
        incident_id=incident.id, status="open", due_at=now + severity.review_due,
        summary=incident.title + (f"\n\n{incident.description}" if incident.description else ""),
        impact=f"{incident.severity} {severity.name} {itype.name if itype else incident.type} on "
               f"{incident.service.name}" + (" (user-facing)" if incident.user_facing else "")
               + ("; PHI suspected" if incident.phi_suspected else ""),
        timeline=prefill.highlights(entries), actions_taken=prefill.actions(entries),
        created_at=now, updated_at=now,
    )
    review.incident = incident
    session.add(review)
    session.flush()
    arm(session, review=review, now=now)
    return review


def arm(session: Session, *, review: Review, now: datetime) -> None:
    nxt = None if review.status == "done" else reminders.next_reminder(
        due_at=review.due_at, now=now, leads=REMIND_BEFORE, overdue_every=OVERDUE_EVERY)
    if nxt is None:
        timers.cancel(session, kind=TIMER, subject_id=review.id)
    else:
        timers.arm(session, kind=TIMER, subject_id=review.id, due_at=nxt.at, now=now, payload={"stage": nxt.stage})


def update(session: Session, *, review: Review, patch: ReviewPatch, actor: Actor, now: datetime) -> Review:
    """Write or edit the review's sections, the pre-filled ones included."""
    actor.require(Perm.INCIDENT_RESPOND)
    if review.status == "done":
        raise Conflict(f"the review of {review.incident.ref} is done; reopen it to edit")
    before, after = {}, {}
    for name in patch.model_fields_set:
        value = getattr(patch, name)
        if name == "timeline":
            value = [{"at": h.at.isoformat(), "text": h.text} for h in sorted(value or [], key=lambda h: h.at)]
        elif name == "actions_taken":
            value = list(value or [])
        elif value is None:
            value = ""
        if getattr(review, name) != value:
            before[name], after[name] = getattr(review, name), value
        setattr(review, name, value)
    review.updated_at = now
    if after:
        audit.record(session, actor=actor, action="review.updated", subject_type="incident",
                     subject_id=review.incident.ref, now=now, before=before, after=after)
    return review


def complete(session: Session, *, review: Review, actor: Actor, now: datetime) -> Review:
    """Mark the review done: the sections the seed requires must be written."""
    actor.require(Perm.INCIDENT_COMMAND)
    if review.status == "done":
        return review
    missing = [f for f in REQUIRED if not getattr(review, f).strip()]
    if review.incident.phi_suspected and not review.compliance_impact.strip():
        missing.append("compliance_impact")
    if missing:
        raise BadInput(f"the review of {review.incident.ref} cannot be done without: {', '.join(missing)}",
                       details={"missing": missing})
    review.status, review.completed_at, review.completed_by, review.updated_at = "done", now, actor.label, now
    incidents.record(session, review.incident, kind="review_completed", actor=actor, now=now,
                     summary="Post-incident review completed"
                             + (" (late)" if now > review.due_at else ""),
                     data={"due_at": review.due_at.isoformat(), "late": now > review.due_at})
    arm(session, review=review, now=now)
    return review


def reopen(session: Session, *, review: Review, actor: Actor, now: datetime, reason: str) -> Review:
    actor.require(Perm.INCIDENT_COMMAND)
    if review.status != "done":
        return review
    review.status, review.completed_at, review.completed_by, review.updated_at = "open", None, None, now
    incidents.record(session, review.incident, kind="review_reopened", actor=actor, now=now,
                     summary=f"Post-incident review reopened: {reason}", data={"reason": reason})
    arm(session, review=review, now=now)
    return review


def check_close(session: Session, *, incident: Incident, actor: Actor, now: datetime,
                override: str | None) -> None:
    """Closing needs the review done; an admin may override with a reason, which the timeline keeps."""
    review = find(session, incident=incident)
    if review is not None and review.status == "done":
        return
    state = "has no post-incident review" if review is None else (
        f"has a post-incident review that is not done (due {review.due_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)")
    if not override:
        raise Conflict(f"{incident.ref} cannot be closed: it {state}; complete the review first, or an admin may "
                       "close it with an override reason", details={"review": review.status if review else None})
    if not actor.can(Perm.ADMIN):
        raise Forbidden(f"only an admin may close {incident.ref} without a completed review")
    incidents.record(session, incident, kind="review_overridden", actor=actor, now=now,
                     summary=f"Closed without a completed post-incident review (admin override): {override}",
                     data={"reason": override, "review": review.status if review else None})


def overdue(review: Review, now: datetime) -> bool:
    return review.status != "done" and now >= review.due_at


def markdown(review: Review, *, base_url: str = "") -> str:
    """The review in its pack's Post-Incident Report template."""
    incident = review.incident
    seconds = int((incident.resolved_at - incident.detected_at).total_seconds()) if incident.resolved_at else None
    commander = next((r.user.name for r in incident.roles if r.role == "commander"), "—")
    pack = incidents.pack_of(incident)
    ctx = report.context(review=review, incident=incident, pack=pack, duration=prefill.duration(seconds),
                         commander=commander, url=f"{base_url}/incidents/{incident.ref}")
    return report.markdown(pack, ctx)


def pdf(review: Review, *, base_url: str = "") -> bytes:
    return report.pdf(markdown(review, base_url=base_url), title=f"Post-Incident Report - {review.incident.ref}")
