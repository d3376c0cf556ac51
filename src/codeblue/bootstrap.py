"""First-run set-up: schema, packs, demo services and the first admin. Running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth import service as auth
from codeblue.auth.models import User
from codeblue.catalog import service as catalog
from codeblue.oncall import setup as oncall_setup
from codeblue.policy import service as policy

ADMIN_EMAIL = "admin@codeblue.local"


@dataclass
class InitResult:
    created_services: list[str]
    admin_email: str
    admin_token: str | None  # only when the admin was created now
    admin_has_password: bool = False


def demo_services() -> list[tuple[str, str, str, bool, str]]:
    """(slug, name, pack, user_facing, description) of every service the loaded packs declare."""
    found = []
    for pack in policy.packs().values():
        for svc in pack.services:
            found.append((svc.id, svc.name, pack.pack, svc.user_facing, svc.description))
    return found


def initialise(session: Session, *, now: datetime) -> InitResult:
    created = []
    for slug, name, pack, user_facing, description in demo_services():
        if catalog.find(session, slug=slug) is None:
            catalog.ensure(session, slug=slug, name=name, pack=pack, user_facing=user_facing,
                           description=description, now=now)
            created.append(slug)
    token = None
    admin = session.scalar(select(User).where(User.role == "admin").order_by(User.id).limit(1))
    if admin is None:
        admin = auth.create_user(session, email=ADMIN_EMAIL, name="Administrator", role="admin", now=now)
        _, token = auth.create_token(session, user=admin, now=now, name="initial admin token")
    for pack in policy.packs().values():
        ids = [s.id for s in (catalog.find(session, slug=svc.id) for svc in pack.services) if s is not None]
        oncall_setup.ensure(session, pack=pack, service_ids=ids, first_responder=admin, now=now)
    return InitResult(created_services=created, admin_email=admin.email, admin_token=token,
                      admin_has_password=admin.password_hash is not None)
