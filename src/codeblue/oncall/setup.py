"""Demo paging set-up from a pack: named contacts, on-call schedules and the escalation chain."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

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
HANDOFF = time(9, 0)
PLACEHOLDER_DOMAIN = "placeholder.codeblue.local"


def schedule_slug(pack: Pack, contact_id: str) -> str:
    return f"{pack.pack}-{contact_id}".replace("_", "-")


def last_handoff(now: datetime, handoff: time = HANDOFF) -> datetime:
    """The latest daily handoff (UTC) at or before now, so a rotation starting there covers now already."""
    now = now.astimezone(UTC)
    today = datetime.combine(now.date(), handoff, tzinfo=UTC)
    return today if today <= now else today - timedelta(days=1)


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
                if session.scalar(select(Schedule.id).where(Schedule.slug == slug)) is None:
                    first = contact_id == pack.escalation.steps[0].targets[0]
                    who = first_responder if first else None
                    _schedule(session, slug=slug, name=f"{pack.name}: {contact.name}", now=now,
                              participant=who or _placeholder(session, slug=slug, contact=contact, now=now))
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


def _schedule(session: Session, *, slug: str, name: str, now: datetime, participant: User) -> None:
    # Started at the last handoff, not the next one: a rotation starting in the future leaves the
    # schedule empty until then, and an init at 03:00 would page nobody for six hours.
    layers = [{"rotation": {"id": slug, "kind": "weekly", "participants": [participant.email],
                            "start": last_handoff(now).isoformat(), "handoff": HANDOFF.strftime("%H:%M")}}]
    session.add(Schedule(slug=slug, name=name, tz="UTC", layers=layers, created_at=now))


def _placeholder(session: Session, *, slug: str, contact, now: datetime) -> User:
    """A stand-in person for an on-call slot nobody fills yet, with the pack's placeholder addresses.

    The schedule is never empty, so who is on call reads as "the placeholder" rather than a gap, and
    paging says which slot has no reachable contact until an operator replaces it.
    """
    email = f"{slug}@{PLACEHOLDER_DOMAIN}"
    user = session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user
    user = User(email=email, name=f"{contact.name} (placeholder)", role="responder", created_at=now)
    session.add(user)
    session.flush()
    for method in contact.methods:
        if method.type in ("slack", "pagerduty"):
            continue
        session.add(ContactMethod(user_id=user.id, type=CHANNEL_OF.get(method.type, method.type),
                                  address=method.address, label=method.type, created_at=now))
    return user


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
