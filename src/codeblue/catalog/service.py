"""Looking up and creating services."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.catalog.models import Service
from codeblue.errors import BadInput, NotFound
from codeblue.policy import service as policy


def list_services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).order_by(Service.slug)))


def find(session: Session, *, slug: str) -> Service | None:
    return session.scalar(select(Service).where(Service.slug == slug))


def get(session: Session, *, slug: str) -> Service:
    found = find(session, slug=slug)
    if found is None:
        raise NotFound(f"no service '{slug}'")
    return found


def ensure(
    session: Session, *, slug: str, name: str, pack: str, user_facing: bool, now: datetime, description: str = ""
) -> Service:
    """The service with this slug, created if it does not exist; an existing one is left as it is."""
    policy.get_pack(pack)
    existing = find(session, slug=slug)
    if existing is not None:
        if existing.pack != pack:
            raise BadInput(f"service '{slug}' exists with pack '{existing.pack}', not '{pack}'")
        return existing
    created = Service(slug=slug, name=name, pack=pack, user_facing=user_facing, description=description, created_at=now)
    session.add(created)
    session.flush()
    return created
