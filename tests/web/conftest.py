"""Signed-in people for page tests: one per role, with a live web session and its CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from codeblue.auth import service as auth
from codeblue.auth import sessions
from codeblue.auth.permissions import Role
from codeblue.db import Database
from codeblue.oncall.models import Schedule
from tests import factories

PASSWORD = "correct horse battery staple"
HTML = {"accept": "text/html"}


@dataclass
class Person:
    """A signed-in browser, kept apart from the test client's own cookie jar."""

    client: TestClient
    email: str
    role: str
    cookie: str
    csrf: str

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        self.client.cookies.clear()
        return {**HTML, "cookie": f"{sessions.COOKIE}={self.cookie}", **(extra or {})}

    def get(self, path: str, headers: dict[str, str] | None = None, **kw: Any):
        return self.client.get(path, headers=self._headers(headers), follow_redirects=False, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             headers: dict[str, str] | None = None):
        form = {**({"csrf_token": self.csrf} if csrf else {}), **(data or {})}
        return self.client.post(path, data=form, headers=self._headers(headers), follow_redirects=False)


def start_session(db: Database, *, email: str, now) -> tuple[str, str]:
    """A web session for the user as a sign-in would start it: (cookie secret, CSRF token)."""
    with db.unit_of_work() as s:
        user = auth.require_user(s, email=email)
        row, secret = sessions.start(s, user=user, address="testclient", user_agent="pytest", now=now,
                                     lifetime=timedelta(days=7), idle=timedelta(hours=12))
        return secret, row.csrf_token


@pytest.fixture
def seeded(db, clock):
    factories.seed(db, clock.now())


@pytest.fixture
def people(client, db, clock, seeded) -> dict[str, Person]:
    """One signed-in person per role."""
    out = {}
    with db.unit_of_work() as s:
        for role in Role:
            factories.user(s, role, clock.now(), email=f"web-{role.value}@example.org")
    for role in Role:
        email = f"web-{role.value}@example.org"
        cookie, token = start_session(db, email=email, now=clock.now())
        out[role.value] = Person(client=client, email=email, role=role.value, cookie=cookie, csrf=token)
    return out


def with_password(db: Database, email: str, role: str, now, password: str = PASSWORD) -> None:
    with db.unit_of_work() as s:
        user = auth.get_user(s, email=email) or factories.user(s, role, now, email=email)
        auth.set_password(s, user=user, password=password, now=now)


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@pytest.fixture
def world(db, clock, people, client):
    """An incident, a user, a token and the seeded schedules, for the routes' path parameters."""
    now = clock.now()
    bearer = factories.tokens(db, now)
    with db.unit_of_work() as s:
        admin = auth.require_user(s, email="web-admin@example.org")
        ref = factories.incident(s, now, actor=factories.actor_for(admin)).ref
        spare, _ = auth.create_token(s, user=admin, now=now, name="revoked by the matrix")
        schedule = s.scalar(select(Schedule.slug).order_by(Schedule.slug).limit(1))
        values = {"ref": ref, "email": "web-responder@example.org", "type_": "generic", "key": "0" * 32,
                  "token": "not-a-signed-token", "user_id": str(admin.id), "token_id": str(spare.id)}
    return {"values": values, "schedule": schedule, "bearer": bearer}


def url(path: str, world) -> str:
    if path == "/static":
        return "/static/codeblue.css"
    values = dict(world["values"], slug=factories.CRM if path.startswith("/api/v1/services") else world["schedule"])
    # Records the world does not hold (breach cases, follow-ups) take an id that exists nowhere: the
    # role is checked before the lookup, so a role that may gets 404 and one that may not gets 403.
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "999999"), path)
