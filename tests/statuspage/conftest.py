"""Fixtures for customer-notice and status-page tests: seeded services, tokens, a commander who can be reached."""

from __future__ import annotations

import pytest

from codeblue.auth import service as auth
from codeblue.oncall.models import ContactMethod
from tests import factories


@pytest.fixture
def tokens(db, clock):
    factories.seed(db, clock.now())
    out = factories.tokens(db, clock.now())
    with db.unit_of_work() as s:
        for role in ("commander", "responder"):
            user = auth.get_user(s, email=f"tok-{role}@example.org")
            s.add(ContactMethod(user_id=user.id, type="email", address=f"{role}@clinic.example",
                                created_at=clock.now()))
    return out


def auth_(tokens, role="commander"):
    return {"Authorization": f"Bearer {tokens[role]}"}


FIELDS = {"description": "slow video visit connections", "affected_functionality": "joining video visits",
          "update_frequency": "30 minutes", "impact": "Some patients wait longer to join", "eta": "15:30 UTC"}


def open_incident(client, tokens, *, service=factories.CRM, severity="P1", commander=True, **extra):
    h = auth_(tokens)
    r = client.post("/api/v1/incidents", headers=h, json={"service": service, "title": "Video API errors",
                                                          "severity": severity, "type": "general", **extra})
    assert r.status_code == 201, r.text
    ref = r.json()["id"]
    if commander:
        r = client.patch(f"/api/v1/incidents/{ref}", headers=h, json={"roles": {"commander": "tok-commander@example.org"}})
        assert r.status_code == 200, r.text
    return ref
