"""People's contact methods and rules, schedules and overrides, escalation policies: create and read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.audit import service as audit
from codeblue.auth import service as auth
from codeblue.auth.actor import SYSTEM, Actor
from codeblue.catalog import service as catalog
from codeblue.errors import BadInput, Conflict, NotFound
from codeblue.oncall.models import (
    ContactMethod,
    EscalationPolicy,
    NamedContact,
    NotificationRule,
    Schedule,
    ScheduleOverride,
    ServicePolicy,
)
from codeblue.oncall import schedules

METHOD_TYPES = ("email", "sms", "voice", "slack", "slack_webhook", "webhook", "pagerduty")
TARGET_TYPES = ("user", "schedule", "contact")


def add_contact_method(session: Session, *, user_email: str, type_: str, address: str, now: datetime,
                       label: str = "", phi_safe: bool = False, verified: bool = False,
                       throttle_per_minute: int | None = None, actor: Actor = SYSTEM) -> ContactMethod:
    if type_ not in METHOD_TYPES:
        raise BadInput(f"unknown contact method type '{type_}'; one of: {', '.join(METHOD_TYPES)}",
                       details={"field": "type"})
    if throttle_per_minute is not None and throttle_per_minute < 0:
        raise BadInput("throttle_per_minute cannot be negative", details={"field": "throttle_per_minute"})
    user = auth.require_user(session, email=user_email)
    method = ContactMethod(user_id=user.id, type=type_, address=address, label=label, phi_safe=phi_safe,
                           verified=verified, throttle_per_minute=throttle_per_minute, created_at=now)
    session.add(method)
    session.flush()
    audit.record(session, actor=actor, action="contact_method.created", subject_type="user", subject_id=user.email,
                 now=now, after={"id": method.id, "type": type_, "address": address, "label": label,
                                 "phi_safe": phi_safe, "verified": verified,
                                 "throttle_per_minute": throttle_per_minute})
    return method


def add_rule(session: Session, *, user_email: str, contact_method_id: int, delay_seconds: int, now: datetime,
             actor: Actor = SYSTEM) -> NotificationRule:
    user = auth.require_user(session, email=user_email)
    method = session.get(ContactMethod, contact_method_id)
    if method is None or method.user_id != user.id:
        raise NotFound(f"user '{user_email}' has no contact method {contact_method_id}")
    if delay_seconds < 0:
        raise BadInput("delay_seconds cannot be negative", details={"field": "delay_seconds"})
    rule = NotificationRule(user_id=user.id, contact_method_id=method.id, delay_seconds=delay_seconds)
    session.add(rule)
    session.flush()
    audit.record(session, actor=actor, action="notification_rule.created", subject_type="user",
                 subject_id=user.email, now=now,
                 after={"id": rule.id, "contact_method_id": method.id, "delay_seconds": delay_seconds})
    return rule


def create_schedule(session: Session, *, slug: str, name: str, tz: str, layers: list[dict[str, Any]],
                    now: datetime, actor: Actor = SYSTEM) -> Schedule:
    if session.scalar(select(Schedule.id).where(Schedule.slug == slug)) is not None:
        raise Conflict(f"a schedule '{slug}' exists already")
    schedule = Schedule(slug=slug, name=name, tz=tz, layers=layers, created_at=now)
    session.add(schedule)
    session.flush()
    try:
        schedules.plan(session, schedule)
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"schedule layers are not valid: {exc}", details={"field": "layers"}) from None
    audit.record(session, actor=actor, action="schedule.created", subject_type="schedule", subject_id=slug, now=now,
                 after={"name": name, "tz": tz, "layers": layers})
    return schedule


def add_override(session: Session, *, schedule_slug: str, user_email: str, start: datetime, end: datetime,
                 now: datetime, replaces_email: str | None = None, actor: Actor = SYSTEM) -> ScheduleOverride:
    if end <= start:
        raise BadInput("an override must end after it starts", details={"field": "end"})
    schedule = schedules.get(session, slug=schedule_slug)
    user = auth.require_user(session, email=user_email)
    replaced = auth.require_user(session, email=replaces_email) if replaces_email else None
    override = ScheduleOverride(schedule_id=schedule.id, user_id=user.id, start=start, end=end, created_at=now,
                                replaces_user_id=replaced.id if replaced else None)
    schedule.overrides.append(override)
    session.flush()
    audit.record(session, actor=actor, action="schedule.override_added", subject_type="schedule",
                 subject_id=schedule.slug, now=now,
                 after={"id": override.id, "user": user.email, "replaces": replaced.email if replaced else None,
                        "start": start, "end": end})
    return override


def create_policy(session: Session, *, slug: str, name: str, steps: list[dict[str, Any]], now: datetime,
                  repeat: int = 0, actor: Actor = SYSTEM) -> EscalationPolicy:
    if not steps:
        raise BadInput("an escalation policy needs at least one step", details={"field": "steps"})
    for i, step in enumerate(steps):
        for target in step.get("targets", []):
            if target.get("type") not in TARGET_TYPES or not target.get("ref"):
                raise BadInput(f"step {i + 1}: a target is {{type: user|schedule|contact, ref: …}}",
                               details={"field": f"steps.{i}.targets"})
    if session.scalar(select(EscalationPolicy.id).where(EscalationPolicy.slug == slug)) is not None:
        raise Conflict(f"an escalation policy '{slug}' exists already")
    policy = EscalationPolicy(slug=slug, name=name, steps=steps, repeat=repeat, created_at=now)
    session.add(policy)
    session.flush()
    audit.record(session, actor=actor, action="escalation_policy.created", subject_type="escalation_policy",
                 subject_id=slug, now=now, after={"name": name, "steps": steps, "repeat": repeat})
    return policy


def bind_service(session: Session, *, service_slug: str, policy_slug: str, now: datetime,
                 actor: Actor = SYSTEM) -> None:
    service = catalog.get(session, slug=service_slug)
    policy = session.scalar(select(EscalationPolicy).where(EscalationPolicy.slug == policy_slug))
    if policy is None:
        raise NotFound(f"no escalation policy '{policy_slug}'")
    binding = session.get(ServicePolicy, service.id)
    before = None
    if binding is None:
        session.add(ServicePolicy(service_id=service.id, policy_id=policy.id))
    else:
        old = session.get(EscalationPolicy, binding.policy_id)
        before = {"policy": old.slug if old else None}
        binding.policy_id = policy.id
    session.flush()
    audit.record(session, actor=actor, action="service.policy_bound", subject_type="service", subject_id=service.slug,
                 now=now, before=before, after={"policy": policy.slug})


def named_contact(session: Session, *, slug: str) -> NamedContact:
    found = session.scalar(select(NamedContact).where(NamedContact.slug == slug))
    if found is None:
        raise NotFound(f"no contact '{slug}'")
    return found
