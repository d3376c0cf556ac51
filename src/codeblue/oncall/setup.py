"""Demo paging set-up from a pack: named contacts, on-call schedules and the escalation chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.models import User
from codeblue.oncall.models import (
    ContactMethod,
    EscalationPolicy,
    NamedContact,
    Schedule,
    ServicePolicy,
)
from codeblue.policy.schema import Pack

CHANNEL_OF = {"phone": "voice", "other": "webhook"}


def schedule_slug(pack: Pack, contact_id: str) -> str:
    return f"{pack.pack}-{contact_id}".replace("_", "-")


def ensure(session: Session, *, pack: Pack, service_ids: list[int], first_responder: User | None,
           now: datetime) -> EscalationPolicy:
    """Create what is missing; leave what exists (an operator may have edited it) alone."""
    steps = []
    for step in pack.escalation.steps:
        targets = []
        for contact_id in step.targets:
            contact = next(c for c in pack.contacts if c.id == contact_id)
            if contact.kind == "oncall":
                slug = schedule_slug(pack, contact.id)
                _schedule(session, slug=slug, name=f"{pack.name}: {contact.name}", now=now,
                          participant=first_responder if contact_id == pack.escalation.steps[0].targets[0] else None)
                targets.append({"type": "schedule", "ref": slug})
            else:
                _named(session, contact_id=contact.id, name=contact.name, methods=contact.methods, now=now)
                targets.append({"type": "contact", "ref": contact.id})
        steps.append({"delay_seconds": int(step.delay.total_seconds()) if step.delay else None, "targets": targets})
    for contact in pack.contacts:
        if contact.kind != "oncall":
            _named(session, contact_id=contact.id, name=contact.name, methods=contact.methods, now=now)
    policy = session.scalar(select(EscalationPolicy).where(EscalationPolicy.slug == pack.escalation.id))
    if policy is None:
        policy = EscalationPolicy(slug=pack.escalation.id, name=pack.escalation.name, steps=steps,
                                  repeat=pack.escalation.repeat, created_at=now)
        session.add(policy)
        session.flush()
    for service_id in service_ids:
        if session.get(ServicePolicy, service_id) is None:
            session.add(ServicePolicy(service_id=service_id, policy_id=policy.id))
    session.flush()
    return policy


def _schedule(session: Session, *, slug: str, name: str, now: datetime, participant: User | None) -> None:
    if session.scalar(select(Schedule.id).where(Schedule.slug == slug)) is not None:
        return
    layers = []
    if participant is not None:
        layers = [{"rotation": {"id": slug, "kind": "weekly", "participants": [participant.email],
                                "start": now.replace(hour=9, minute=0, second=0, microsecond=0).isoformat(),
                                "handoff": "09:00"}}]
    session.add(Schedule(slug=slug, name=name, tz="UTC", layers=layers, created_at=now))


def _named(session: Session, *, contact_id: str, name: str, methods, now: datetime) -> None:
    if session.scalar(select(NamedContact.id).where(NamedContact.slug == contact_id)) is not None:
        return
    contact = NamedContact(slug=contact_id, name=name)
    session.add(contact)
    session.flush()
    for method in methods:
        if method.type in ("slack", "pagerduty"):
            continue  # a Slack handle or PagerDuty contact needs a real address before it can be paged
        session.add(ContactMethod(contact_id=contact.id, type=CHANNEL_OF.get(method.type, method.type),
                                  address=method.address, label=method.type, created_at=now))
