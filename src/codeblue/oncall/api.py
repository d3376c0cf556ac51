"""On-call routes: contact methods, schedules (who is on call, iCalendar), escalation policies, messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm
from codeblue.deps import DbSession, Now, Reader, ReadSession, authorized
from codeblue.incidents import service as incidents
from codeblue.notify.models import Notification
from codeblue.oncall import ical, rotation, schedules
from codeblue.oncall import service as oncall
from codeblue.oncall.models import EscalationPolicy, Schedule
from codeblue.oncall.schemas import (
    BindPolicyIn,
    Instant,
    ContactMethodIn,
    ContactMethodOut,
    NotificationOut,
    OnCallOut,
    OverrideIn,
    PolicyIn,
    PolicyOut,
    RuleIn,
    ScheduleIn,
    ScheduleOut,
)

router = APIRouter(prefix="/api/v1", tags=["on-call"])
Admin = Annotated[Actor, authorized(Perm.ADMIN)]
Commander = Annotated[Actor, authorized(Perm.INCIDENT_COMMAND)]


@router.post("/users/{email}/contact-methods", response_model=ContactMethodOut, status_code=201)
def add_contact_method(email: str, data: ContactMethodIn, session: DbSession, actor: Admin, now: Now):
    method = oncall.add_contact_method(session, user_email=email, type_=data.type, address=data.address,
                                       label=data.label, phi_safe=data.phi_safe, now=now,
                                       throttle_per_minute=data.throttle_per_minute, actor=actor)
    return ContactMethodOut.model_validate(method)


@router.post("/users/{email}/notification-rules", status_code=201)
def add_rule(email: str, data: RuleIn, session: DbSession, actor: Admin, now: Now) -> dict:
    rule = oncall.add_rule(session, user_email=email, contact_method_id=data.contact_method_id,
                           delay_seconds=data.delay_seconds, now=now, actor=actor)
    return {"id": rule.id, "contact_method_id": rule.contact_method_id, "delay_seconds": rule.delay_seconds}


@router.get("/schedules", response_model=list[ScheduleOut])
def list_schedules(session: ReadSession, _: Reader) -> list[ScheduleOut]:
    rows = session.scalars(select(Schedule).order_by(Schedule.slug))
    return [ScheduleOut(slug=s.slug, name=s.name, tz=s.tz, layers=s.layers) for s in rows]


@router.post("/schedules", response_model=ScheduleOut, status_code=201)
def create_schedule(data: ScheduleIn, session: DbSession, actor: Admin, now: Now) -> ScheduleOut:
    layers = [layer.model_dump(mode="json") for layer in data.layers]
    row = oncall.create_schedule(session, slug=data.slug, name=data.name, tz=data.tz, layers=layers, now=now,
                                actor=actor)
    return ScheduleOut(slug=row.slug, name=row.name, tz=row.tz, layers=row.layers)


@router.post("/schedules/{slug}/overrides", status_code=201)
def add_override(slug: str, data: OverrideIn, session: DbSession, actor: Commander, now: Now) -> dict:
    row = oncall.add_override(session, schedule_slug=slug, user_email=data.user, start=data.start, end=data.end,
                              replaces_email=data.replaces, now=now, actor=actor)
    return {"id": row.id, "schedule": slug, "user": data.user, "start": row.start, "end": row.end}


@router.get("/schedules/{slug}/oncall", response_model=OnCallOut)
def who_is_on_call(slug: str, session: ReadSession, _: Reader, now: Now,
                   at: Annotated[Instant | None, Query(description="Instant with offset; default now")] = None):
    when = at or now
    plan = schedules.plan(session, schedules.get(session, slug=slug))
    handoffs = [{"at": h.at, "from": list(h.from_users), "to": list(h.to_users)}
                for h in rotation.next_handoffs(plan, when, 3)]
    return OnCallOut(schedule=slug, at=when, on_call=rotation.on_call(plan, when), next_handoffs=handoffs)


@router.get("/schedules/{slug}.ics", response_class=Response)
def schedule_calendar(slug: str, session: ReadSession, _: Reader, now: Now,
                      user: Annotated[str | None, Query(description="Only this person's shifts")] = None,
                      days: Annotated[int, Query(ge=1, le=366)] = 60) -> Response:
    plan = schedules.plan(session, schedules.get(session, slug=slug))
    body = ical.to_ical(plan, now - timedelta(days=7), now + timedelta(days=days), user=user)
    return Response(body, media_type="text/calendar", headers={"Content-Disposition": f'attachment; filename="{slug}.ics"'})


@router.get("/escalation-policies", response_model=list[PolicyOut])
def list_policies(session: ReadSession, _: Reader) -> list[PolicyOut]:
    return [PolicyOut.model_validate(p) for p in session.scalars(select(EscalationPolicy).order_by(EscalationPolicy.slug))]


@router.post("/escalation-policies", response_model=PolicyOut, status_code=201)
def create_policy(data: PolicyIn, session: DbSession, actor: Admin, now: Now) -> PolicyOut:
    row = oncall.create_policy(session, slug=data.slug, name=data.name, repeat=data.repeat, now=now,
                               steps=[s.model_dump() for s in data.steps], actor=actor)
    return PolicyOut.model_validate(row)


@router.put("/services/{slug}/escalation-policy", status_code=204)
def bind_policy(slug: str, data: BindPolicyIn, session: DbSession, actor: Admin, now: Now) -> Response:
    oncall.bind_service(session, service_slug=slug, policy_slug=data.policy, now=now, actor=actor)
    return Response(status_code=204)


@router.get("/incidents/{ref}/notifications", response_model=list[NotificationOut])
def incident_notifications(ref: str, session: ReadSession, _: Reader) -> list[NotificationOut]:
    incident = incidents.get(session, ref=ref)
    rows = session.scalars(select(Notification).where(Notification.incident_id == incident.id).order_by(Notification.id))
    return [NotificationOut.model_validate(n) for n in rows]
