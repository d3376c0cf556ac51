"""Test data builders: a seeded database, users with tokens, incidents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from codeblue import bootstrap
from codeblue.auth import service as auth
from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Role
from codeblue.db import Database
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.incidents.schemas import IncidentCreate

CRM = "telehealth-crm-api"
IVR = "ivr-platform"


def seed(db: Database, now: datetime) -> None:
    """The demo services, as codeblue init creates them."""
    with db.unit_of_work() as s:
        bootstrap.initialise(s, now=now)


def user(session: Session, role: str | Role, now: datetime, email: str | None = None):
    role = Role(role)
    return auth.create_user(session, email=email or f"{role.value}@example.org", name=role.value.title(),
                            role=role.value, now=now)


def actor_for(u) -> Actor:
    return Actor(kind="user", name=u.email, user_id=u.id, role=Role(u.role))


def tokens(db: Database, now: datetime) -> dict[str, str]:
    """One committed user and bearer token per role."""
    out = {}
    with db.unit_of_work() as s:
        for role in Role:
            u = user(s, role, now, email=f"tok-{role.value}@example.org")
            out[role.value] = auth.create_token(s, user=u, now=now)[1]
    return out


def incident(session: Session, now: datetime, *, actor: Actor, service: str = CRM, **fields) -> Incident:
    data = IncidentCreate(service=service, title=fields.pop("title", "Checkout API failing"), **fields)
    return incidents.create(session, data=data, actor=actor, now=now)


def complete_review(session: Session, incident: Incident, now: datetime, *, actor: Actor):
    """Write the sections a review needs and mark it done, so the incident may close."""
    from codeblue.reviews import service as reviews
    from codeblue.reviews.schemas import ReviewPatch

    review = reviews.get(session, incident=incident)
    reviews.update(session, review=review, actor=actor, now=now, patch=ReviewPatch(
        root_cause="Connection pool exhausted", lessons_learned="Watch pool saturation",
        prevention="Alert at 80% of the pool", compliance_impact="No PHI involved"))
    return reviews.complete(session, review=review, actor=actor, now=now)
