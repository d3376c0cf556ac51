"""What the on-call, schedule and escalation-policy pages show, built from the pure schedule functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.models import User
from codeblue.catalog.models import Service
from codeblue.oncall import rotation, schedules
from codeblue.oncall.models import EscalationPolicy, NamedContact, Schedule, ServicePolicy
from codeblue.web.viewer import Viewer

HANDOFFS_SHOWN = 3


@dataclass(frozen=True)
class Handoff:
    at: datetime
    to: list[str]


@dataclass(frozen=True)
class OnCallRow:
    slug: str
    name: str
    tz: str
    now: list[str]  # names of who is on call; empty is a gap nobody covers
    handoffs: list[Handoff]
    problem: str = ""


@dataclass
class OnCallPage:
    viewer: Viewer
    now: datetime
    rows: list[OnCallRow]
    nav_current: str = "/oncall"


@dataclass(frozen=True)
class LayerRow:
    kind: str
    participants: list[str]
    handoff: str
    shift: str
    start: str


@dataclass(frozen=True)
class OverrideRow:
    user: str
    replaces: str | None
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ScheduleRow:
    slug: str
    name: str
    tz: str
    layers: list[LayerRow]
    overrides: list[OverrideRow]


@dataclass
class SchedulesPage:
    viewer: Viewer
    now: datetime
    schedules: list[ScheduleRow]
    nav_current: str = "/schedules"


@dataclass(frozen=True)
class StepRow:
    number: int
    delay: str
    targets: list[str]


@dataclass(frozen=True)
class PolicyRow:
    slug: str
    name: str
    repeat: int
    steps: list[StepRow]
    services: list[str]


@dataclass
class PoliciesPage:
    viewer: Viewer
    policies: list[PolicyRow]
    nav_current: str = "/escalation-policies"


def _names(session: Session) -> dict[str, str]:
    return {email: name for email, name in session.execute(select(User.email, User.name))}


def oncall_page(session: Session, *, viewer: Viewer, now: datetime) -> OnCallPage:
    names = _names(session)
    rows = []
    for schedule in session.scalars(select(Schedule).order_by(Schedule.name)):
        try:
            plan = schedules.plan(session, schedule)
            current = rotation.on_call(plan, now)
            handoffs = [Handoff(at=h.at, to=[names.get(e, e) for e in h.to_users])
                        for h in rotation.next_handoffs(plan, now, HANDOFFS_SHOWN)]
        except (ValueError, KeyError) as exc:  # a schedule edited into a shape the rotation refuses
            rows.append(OnCallRow(schedule.slug, schedule.name, schedule.tz, [], [], problem=str(exc)))
            continue
        rows.append(OnCallRow(schedule.slug, schedule.name, schedule.tz, [names.get(e, e) for e in current], handoffs))
    return OnCallPage(viewer=viewer, now=now, rows=rows)


def _shift(rot: dict[str, Any]) -> str:
    seconds = rot.get("shift_seconds")
    if not seconds:
        return {"daily": "1 day", "weekly": "1 week", "hourly": "1 hour"}.get(rot.get("kind", ""), "—")
    return str(timedelta(seconds=seconds))


def schedules_page(session: Session, *, viewer: Viewer, now: datetime) -> SchedulesPage:
    names = _names(session)
    by_id = {uid: email for uid, email in session.execute(select(User.id, User.email))}
    rows = []
    for schedule in session.scalars(select(Schedule).order_by(Schedule.name)):
        layers = [LayerRow(kind=str(layer["rotation"].get("kind", "")),
                           participants=[names.get(p, p) for p in layer["rotation"].get("participants", [])],
                           handoff=str(layer["rotation"].get("handoff", "")), shift=_shift(layer["rotation"]),
                           start=str(layer["rotation"].get("start", "")))
                  for layer in schedule.layers if isinstance(layer, dict) and isinstance(layer.get("rotation"), dict)]
        overrides = [OverrideRow(user=names.get(by_id.get(o.user_id, ""), "?"),
                                 replaces=names.get(by_id.get(o.replaces_user_id, ""), None) if o.replaces_user_id else None,
                                 start=o.start, end=o.end)
                     for o in schedule.overrides if o.end > now]
        rows.append(ScheduleRow(slug=schedule.slug, name=schedule.name, tz=schedule.tz, layers=layers,
                                overrides=overrides))
    return SchedulesPage(viewer=viewer, now=now, schedules=rows)


def _target(target: dict[str, str], schedule_names: dict[str, str], contacts: dict[str, str],
            users: dict[str, str]) -> str:
    kind, ref = target.get("type", "?"), target.get("ref", "?")
    if kind == "schedule":
        return f"on call: {schedule_names.get(ref, ref)}"
    if kind == "contact":
        return contacts.get(ref, ref)
    return users.get(ref, ref)


def policies_page(session: Session, *, viewer: Viewer) -> PoliciesPage:
    schedule_names = dict(session.execute(select(Schedule.slug, Schedule.name)).all())
    contacts = dict(session.execute(select(NamedContact.slug, NamedContact.name)).all())
    users = _names(session)
    bound: dict[int, list[str]] = {}
    for policy_id, service in session.execute(select(ServicePolicy.policy_id, Service.name)
                                              .join(Service, Service.id == ServicePolicy.service_id)):
        bound.setdefault(policy_id, []).append(service)
    rows = []
    for policy in session.scalars(select(EscalationPolicy).order_by(EscalationPolicy.name)):
        steps = []
        for n, step in enumerate(policy.steps, start=1):
            delay = step.get("delay_seconds")
            steps.append(StepRow(number=n, delay="the severity's response target" if delay is None
                                 else str(timedelta(seconds=delay)),
                                 targets=[_target(t, schedule_names, contacts, users) for t in step.get("targets", [])]))
        rows.append(PolicyRow(slug=policy.slug, name=policy.name, repeat=policy.repeat, steps=steps,
                              services=sorted(bound.get(policy.id, []))))
    return PoliciesPage(viewer=viewer, policies=rows)
