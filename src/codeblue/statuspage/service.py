"""Customer notices and public posts: compose, preview, send, waive, update. Nothing here commits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.audit import service as audit
from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm
from codeblue.catalog.models import Service
from codeblue.catalog import service as catalog
from codeblue.errors import BadInput, Conflict
from codeblue.incidents import lifecycle
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.settings import Settings
from codeblue.statuspage import compose, guard, rules, subscribers, tracking
from codeblue.statuspage.models import CustomerNotice, StatusComponent, StatusIncident, StatusPost
from codeblue.statuspage.schemas import CustomerFields, NoticeOut, PostOut, PreviewOut, StatusPostIn


@dataclass(frozen=True)
class Links:
    """Where the public finds the page, and the secret that signs unsubscribe links."""

    base_url: str
    secret: str

    @classmethod
    def of(cls, settings: Settings) -> Links:
        return cls(base_url=settings.public_url, secret=settings.secret_key)

    @property
    def status_page(self) -> str:
        return f"{self.base_url}/status"


def component(session: Session, *, service: Service) -> StatusComponent:
    """The service's status-page component, named as the catalog names it until someone renames it."""
    found = session.scalar(select(StatusComponent).where(StatusComponent.service_id == service.id))
    if found is None:
        found = StatusComponent(service_id=service.id, public_name=service.name, shown=True)
        session.add(found)
        session.flush()
    return found


def name_component(session: Session, *, slug: str, public_name: str | None, shown: bool | None, actor: Actor,
                   now: datetime) -> StatusComponent:
    """Rename a service as customers see it, or hide it from the page."""
    actor.require(Perm.ADMIN)
    comp = component(session, service=catalog.get(session, slug=slug))
    before = {"public_name": comp.public_name, "shown": comp.shown}
    if public_name is not None:
        if not public_name.strip() or len(public_name) > 200:
            raise BadInput("a public name is 1 to 200 characters", details={"field": "public_name"})
        comp.public_name = public_name.strip()
    if shown is not None:
        comp.shown = shown
    audit.record(session, actor=actor, action="status_component.changed", subject_type="service", subject_id=slug,
                 now=now, before=before, after={"public_name": comp.public_name, "shown": comp.shown})
    return comp


def public_name(session: Session, *, service: Service) -> str:
    found = session.scalar(select(StatusComponent.public_name).where(StatusComponent.service_id == service.id))
    return found or service.name


def status_incident(session: Session, *, incident: Incident) -> StatusIncident | None:
    return session.scalar(select(StatusIncident).where(StatusIncident.incident_id == incident.id))


def task(session: Session, *, incident: Incident, now: datetime) -> CustomerNotice:
    """The incident's task; one opened before customer notices existed is timed now."""
    return tracking.find(session, incident_id=incident.id) or tracking.track(
        session, incident=incident, pack=incidents.pack_of(incident), now=now)


def view(session: Session, *, incident: Incident, now: datetime) -> NoticeOut:
    found = tracking.find(session, incident_id=incident.id)
    if found is None:  # a read never writes: time it as it would be, unsaved
        owed = rules.customer_notice(incidents.pack_of(incident).severity(incident.severity),
                                     user_facing=incident.user_facing, owed_since=incident.detected_at)
        found = CustomerNotice(status="owed" if owed.owed else "not_owed", mode=owed.mode,
                               severity=incident.severity, reason=owed.reason,
                               owed_since=incident.detected_at if owed.owed else None, due_at=owed.due_at)
    public = status_incident(session, incident=incident)
    return NoticeOut(
        incident=incident.ref, status=found.status, clock=clock_state(found, now), mode=found.mode,
        severity=found.severity, reason=found.reason, owed_since=found.owed_since, due_at=found.due_at,
        closed_at=found.closed_at, closed_by=found.closed_by, waive_reason=found.waive_reason,
        final_post_offered=not lifecycle.is_open(incident.status) and (public is None or public.state != "resolved"),
        posts=[post_out(p) for p in (public.posts if public else [])],
    )


def clock_state(task: CustomerNotice, now: datetime) -> str:
    if task.status != "owed":
        return task.status
    return "overdue" if task.due_at is not None and now >= task.due_at else "due"


def post_out(post: StatusPost) -> PostOut:
    return PostOut(id=post.id, state=post.state, impact=post.impact, subject=post.subject, body=post.body,
                   posted_at=post.posted_at)


def preview(session: Session, *, incident: Incident, fields: CustomerFields, actor: Actor,
            links: Links) -> PreviewOut:
    """The notice as customers would get it, refused now if sending it would be."""
    actor.require(Perm.INCIDENT_RESPOND)
    out = compose.render(pack=incidents.pack_of(incident), severity=incident.severity,
                         public_name=public_name(session, service=incident.service), fields=fields,
                         status_page_url=links.status_page)
    # What the commander wrote is checked, not the template's own words and links around it.
    guard.check(session, incident=incident, texts=[fields.description, fields.affected_functionality, fields.impact,
                                                   fields.eta, fields.update_frequency, fields.title])
    return out


def send(session: Session, *, incident: Incident, fields: CustomerFields, actor: Actor, now: datetime,
         links: Links) -> NoticeOut:
    """Publish the notice on the status page, email the subscribers, close the task."""
    actor.require(Perm.INCIDENT_COMMAND)
    the_task = task(session, incident=incident, now=now)
    if the_task.status == "sent":
        raise Conflict(f"the customer notice of {incident.ref} was sent already; post a status update instead")
    out = preview(session, incident=incident, fields=fields, actor=actor, links=links)
    post, emailed = _publish(session, incident=incident, state=fields.state, impact=fields.component_impact,
                             subject=out.subject, body=out.body, title=fields.title, actor=actor, now=now, links=links)
    tracking.close(session, task=the_task, status="sent", by=actor.label, now=now)
    incidents.record(session, incident, kind="customer_notice_sent", actor=actor, now=now,
                     summary=f"Customer notice sent: posted to the status page ({post.state}), "
                             f"emailed {emailed} subscriber(s)",
                     data={"post_id": post.id, "template": out.template, "subscribers": emailed})
    audit.record(session, actor=actor, action="customer_notice.sent", subject_type="incident",
                 subject_id=incident.ref, now=now,
                 after={"post_id": post.id, "template": out.template, "subject": out.subject, "subscribers": emailed})
    return view(session, incident=incident, now=now)


def waive(session: Session, *, incident: Incident, reason: str, actor: Actor, now: datetime) -> NoticeOut:
    """Decide customers need no notice of this incident, saying why."""
    actor.require(Perm.INCIDENT_COMMAND)
    the_task = task(session, incident=incident, now=now)
    if the_task.status in tracking.CLOSED:
        raise Conflict(f"the customer notice of {incident.ref} is {the_task.status} already")
    before = {"status": the_task.status, "due_at": the_task.due_at}
    tracking.close(session, task=the_task, status="waived", by=actor.label, now=now, reason=reason.strip())
    incidents.record(session, incident, kind="customer_notice_waived", actor=actor, now=now,
                     summary=f"Customer notice waived: {reason.strip()}", data={"reason": reason.strip()})
    audit.record(session, actor=actor, action="customer_notice.waived", subject_type="incident",
                 subject_id=incident.ref, now=now, before=before, after={"reason": reason.strip()})
    return view(session, incident=incident, now=now)


def post_update(session: Session, *, incident: Incident, data: StatusPostIn, actor: Actor, now: datetime,
                links: Links) -> PostOut:
    """A later public update (investigating, identified, monitoring, resolved), written for customers."""
    actor.require(Perm.INCIDENT_COMMAND)
    guard.check(session, incident=incident, texts=[data.body])
    name = public_name(session, service=incident.service)
    subject = f"{name}: {'resolved' if data.state == 'resolved' else data.state}"
    post, emailed = _publish(session, incident=incident, state=data.state, impact=data.impact, subject=subject,
                             body=data.body.strip(), title="", actor=actor, now=now, links=links)
    the_task = task(session, incident=incident, now=now)
    if the_task.status not in tracking.CLOSED:  # customers have now heard: the notice is given
        tracking.close(session, task=the_task, status="sent", by=actor.label, now=now)
    incidents.record(session, incident, kind="status_post", actor=actor, now=now,
                     summary=f"Public status update posted ({data.state}), emailed {emailed} subscriber(s)",
                     data={"post_id": post.id, "state": data.state, "subscribers": emailed})
    audit.record(session, actor=actor, action="status_post.published", subject_type="incident",
                 subject_id=incident.ref, now=now, after={"post_id": post.id, "state": data.state,
                                                           "subscribers": emailed})
    return post_out(post)


def _publish(session: Session, *, incident: Incident, state: str, impact: str | None, subject: str, body: str,
             title: str, actor: Actor, now: datetime, links: Links) -> tuple[StatusPost, int]:
    """Write the post to the status page's own tables, then queue it to every confirmed subscriber."""
    comp = component(session, service=incident.service)
    public = status_incident(session, incident=incident)
    if public is None:
        public = StatusIncident(
            incident_id=incident.id, service_id=incident.service_id, public_id=secrets.token_hex(6),
            title=title.strip() or f"{comp.public_name} service disruption", state=state,
            impact=impact or compose.DEFAULT_IMPACT[incident.severity], opened_at=now)
        session.add(public)
        session.flush()
    elif title.strip():
        public.title = title.strip()
    public.state = state
    public.impact = impact or public.impact
    public.resolved_at = now if state == "resolved" else None
    post = StatusPost(status_incident_id=public.id, state=state, impact=public.impact, subject=subject, body=body,
                      posted_at=now, posted_by=actor.label)
    session.add(post)
    session.flush()
    session.refresh(public, ["posts"])
    return post, subscribers.email_post(session, post=post, now=now, base_url=links.base_url, secret=links.secret)
