"""Follow-up actions from a review: owners, due dates, priorities, reminders. Nothing here commits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from codeblue.audit import service as audit
from codeblue.auth import service as auth
from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm
from codeblue.engine import reminders, timers
from codeblue.errors import BadInput, NotFound
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.reviews import service as reviews
from codeblue.reviews.models import FollowUp
from codeblue.reviews.schemas import FollowUpIn, FollowUpPatch

TIMER = "follow_up"
REMIND_BEFORE = (timedelta(days=1),)  # the morning of the due date (UTC)
OVERDUE_EVERY = timedelta(days=7)
PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


def overdue_at(due: date) -> datetime:
    """Due on a day means done by its end: overdue from the start of the next (UTC)."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=UTC)


def overdue(item: FollowUp, now: datetime) -> bool:
    return item.status == "open" and now >= overdue_at(item.due_on)


def arm(session: Session, *, item: FollowUp, now: datetime) -> None:
    nxt = None if item.status != "open" else reminders.next_reminder(
        due_at=overdue_at(item.due_on), now=now, leads=REMIND_BEFORE, overdue_every=OVERDUE_EVERY)
    if nxt is None:
        timers.cancel(session, kind=TIMER, subject_id=item.id)
    else:
        timers.arm(session, kind=TIMER, subject_id=item.id, due_at=nxt.at, now=now, payload={"stage": nxt.stage})


def get(session: Session, *, follow_up_id: int) -> FollowUp:
    item = session.get(FollowUp, follow_up_id) if 0 < follow_up_id < 2**31 else None
    if item is None:
        raise NotFound(f"no follow-up action {follow_up_id}")
    return item


def create(session: Session, *, incident: Incident, data: FollowUpIn, actor: Actor, now: datetime) -> FollowUp:
    """Assign a follow-up action from the incident's review."""
    actor.require(Perm.INCIDENT_RESPOND)
    review = reviews.find(session, incident=incident)
    owner = auth.require_user(session, email=data.owner)
    item = FollowUp(incident_id=incident.id, review_id=review.id if review else None, title=data.title,
                    description=data.description, owner_id=owner.id, due_on=data.due_on, priority=data.priority,
                    status="open", created_by=actor.label, created_at=now, updated_at=now)
    item.owner, item.incident = owner, incident
    session.add(item)
    if review is not None:
        review.follow_ups.append(item)
    session.flush()
    incidents.record(session, incident, kind="follow_up_added", actor=actor, now=now,
                     summary=f"Follow-up for {owner.name}, due {data.due_on} ({data.priority}): {data.title}",
                     data={"follow_up": item.id, "owner": owner.email, "due_on": data.due_on.isoformat()})
    arm(session, item=item, now=now)
    return item


def update(session: Session, *, item: FollowUp, patch: FollowUpPatch, actor: Actor, now: datetime) -> FollowUp:
    actor.require(Perm.INCIDENT_RESPOND)
    fields = patch.model_fields_set
    old = {name: getattr(item, name) for name in ("title", "due_on", "priority", "description", "resolution")}
    old["owner"] = item.owner.email
    if "owner" in fields and patch.owner is not None:
        item.owner = auth.require_user(session, email=patch.owner)
        item.owner_id = item.owner.id
    for name in ("title", "due_on", "priority"):
        if name in fields and getattr(patch, name) is not None:
            setattr(item, name, getattr(patch, name))
    for name in ("description", "resolution"):
        if name in fields:
            setattr(item, name, getattr(patch, name) or "")
    new = {name: getattr(item, name) for name in ("title", "due_on", "priority", "description", "resolution")}
    new["owner"] = item.owner.email
    changed = [k for k in new if new[k] != old[k]]
    if changed:  # a change of status is audited with its timeline entry below
        audit.record(session, actor=actor, action="follow_up.updated", subject_type="follow_up", subject_id=item.id,
                     now=now, before={k: old[k] for k in changed}, after={k: new[k] for k in changed})
    before = item.status
    if patch.status is not None and patch.status != before:
        if patch.status == "wont_do" and not item.resolution.strip():
            raise BadInput("marking a follow-up won't do needs a resolution saying why",
                           details={"field": "resolution"})
        item.status = patch.status
        item.closed_at = None if patch.status == "open" else now
        label = {"open": "reopened", "done": "done", "wont_do": "won't do"}[patch.status]
        incidents.record(session, item.incident, kind="follow_up_changed", actor=actor, now=now,
                         summary=f"Follow-up {label}: {item.title}" + (f" ({item.resolution})" if item.resolution
                                                                        and patch.status != "open" else ""),
                         data={"follow_up": item.id, "from": before, "to": patch.status})
    item.updated_at = now
    arm(session, item=item, now=now)
    return item


def list_all(session: Session, *, now: datetime, status: str | None = "open", owner: str | None = None,
             incident: Incident | None = None, limit: int = 100, offset: int = 0) -> tuple[list[FollowUp], int]:
    """Follow-ups across incidents: overdue first, then by due date and priority."""
    query = select(FollowUp)
    if status:
        query = query.where(FollowUp.status == status)
    if owner:
        query = query.where(FollowUp.owner_id == auth.require_user(session, email=owner).id)
    if incident is not None:
        query = query.where(FollowUp.incident_id == incident.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # Overdue from the start of the day after the due date: due before today (UTC) and still open.
    today = now.astimezone(UTC).date()
    is_overdue = case((and_(FollowUp.status == "open", FollowUp.due_on < today), 0), else_=1)
    rank = case(PRIORITY_RANK, value=FollowUp.priority, else_=3)
    rows = session.scalars(query.order_by(is_overdue, FollowUp.due_on, rank, FollowUp.id).limit(limit).offset(offset))
    return list(rows), total
