"""Sign-ins, sign-outs, lockouts and every refusal land in the hash-chained audit log, not only in a log line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from codeblue.audit import service as audit
from codeblue.audit.models import AuditEntry
from tests import factories
from tests.web.conftest import HTML, form_token, start_session, with_password
from tests.web.test_sign_in import EMAIL, PASSWORD, sign_in


@pytest.fixture
def account(db, clock, seeded):
    with_password(db, EMAIL, "responder", clock.now())
    return EMAIL


def entries(db, prefix="auth."):
    with db.unit_of_work(readonly=True) as s:
        assert audit.verify(s).ok
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.seq))
        return [(e.action, e.actor, e.subject_id, json.loads(e.after_json or "null")) for e in rows]


def test_sign_in__success_failure_and_sign_out_are_audited(client, db, account):
    sign_in(client, password="not the password at all")
    sign_in(client, email="nobody@example.org", password="whatever it is")
    sign_in(client)
    page = client.get("/", headers=HTML)
    client.post("/sign-out", data={"csrf_token": form_token(page.text)}, headers=HTML)
    got = [(a, actor, subject, after["outcome"]) for a, actor, subject, after in entries(db)]
    assert got == [
        ("auth.sign_in_failed", EMAIL, EMAIL, "failed"),
        ("auth.sign_in_failed", "nobody@example.org", "nobody@example.org", "failed"),
        ("auth.sign_in", EMAIL, EMAIL, "ok"),
        ("auth.sign_out", EMAIL, EMAIL, "ok"),
    ]


def test_sign_in__the_lockout_and_each_refused_attempt_while_locked_are_audited(client, db, account):
    for _ in range(5):
        sign_in(client, password="guess guess guess")
    assert sign_in(client, password=PASSWORD).status_code == 429
    got = entries(db)
    lockouts = [e for e in got if e[0] == "auth.lockout"]
    assert len(lockouts) == 1 and lockouts[0][2] == EMAIL and lockouts[0][3]["scope"] == "account"
    assert lockouts[0][3]["until"] == "2026-03-10T14:00:30+00:00"
    assert got[-1][0] == "auth.sign_in_locked" and got[-1][3]["retry_after"] == 30
    assert [e[0] for e in got].count("auth.sign_in_failed") == 5


def test_refusals__a_role_refusal_on_the_api_and_on_a_page_is_audited_with_the_route(client, db, clock, seeded):
    bearer = factories.tokens(db, clock.now())
    r = client.post("/api/v1/integrations", json={"type": "generic", "service": factories.CRM, "name": "x"},
                    headers={"Authorization": f"Bearer {bearer['viewer']}"})
    assert r.status_code == 403
    cookie, token = start_session(db, email="tok-viewer@example.org", now=clock.now())
    client.cookies.clear()
    page = client.post("/users", data={"csrf_token": token, "email": "a@b.c", "name": "n", "role": "viewer"},
                       headers={**HTML, "cookie": f"codeblue_session={cookie}"})
    assert page.status_code == 403
    got = entries(db, "auth.permission_refused")
    assert [(a, actor, subject) for a, actor, subject, _ in got] == [
        ("auth.permission_refused", "tok-viewer@example.org", "POST /api/v1/integrations"),
        ("auth.permission_refused", "tok-viewer@example.org", "POST /users"),
    ]
    assert got[0][3]["role"] == "viewer" and "needs admin" in got[0][3]["message"]


def test_refusals__csrf_and_bad_api_tokens_are_audited_as_anonymous_by_address(client, db, seeded):
    client.get("/sign-in", headers=HTML)
    assert client.post("/sign-in", data={"email": EMAIL, "password": "x"}, headers=HTML).status_code == 403
    assert client.get("/api/v1/incidents", headers={"Authorization": "Bearer cb_forged"}).status_code == 401
    assert client.get("/api/v1/incidents").status_code == 401
    got = entries(db)
    assert [(a, actor, subject) for a, actor, subject, _ in got] == [
        ("auth.csrf_refused", "anonymous:testclient", "POST /sign-in"),
        ("auth.token_refused", "anonymous:testclient", "GET /api/v1/incidents"),
        ("auth.token_refused", "anonymous:testclient", "GET /api/v1/incidents"),
    ]
    assert got[1][3]["message"] == "the API token is not valid" and got[1][3]["address"] == "testclient"


def test_refusals__a_signed_out_browser_sent_to_sign_in_is_not_a_refusal(client, db, seeded):
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303
    assert entries(db) == []


def test_refusals__a_breach_case_refusal_is_audited_once_naming_the_case(client, db, clock, seeded):
    bearer = factories.tokens(db, clock.now())
    r = client.get("/api/v1/breach-cases/5", headers={"Authorization": f"Bearer {bearer['responder']}"})
    assert r.status_code == 403
    with db.unit_of_work(readonly=True) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action.like("%refused"))).all()
        assert [(e.action, e.subject_type, e.subject_id) for e in rows] == [
            ("breach.access_refused", "breach_case", "5")]


def test_refusals__a_long_path_is_cut_so_one_refusal_stays_one_small_row(client, db, seeded):
    assert client.get("/api/v1/schedules/" + "x" * 5000 + "/oncall", headers={"Authorization": "Bearer no"}).status_code == 401
    with db.unit_of_work(readonly=True) as s:
        row = s.scalar(select(AuditEntry).where(AuditEntry.action == "auth.token_refused"))
        assert len(row.subject_id) == 64 and len(row.after_json) < 1000
