"""The incidents API: happy paths, and bad input of every kind gets a 4xx that names the problem."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def tokens(db, clock):
    factories.seed(db, clock.now())
    return factories.tokens(db, clock.now())


def auth(tokens, role="commander"):
    return {"Authorization": f"Bearer {tokens[role]}"}


@pytest.fixture
def ref(client, tokens):
    r = client.post("/api/v1/incidents", headers=auth(tokens),
                    json={"service": factories.CRM, "title": "API down", "facts": {"availability": "down"}})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_create_then_follow_the_whole_flow(client, tokens, ref, clock):
    h = auth(tokens)
    body = client.get(f"/api/v1/incidents/{ref}", headers=h).json()
    assert (body["severity"], body["type"], body["status"]) == ("P0", "api_down", "triggered")
    assert body["response_target_seconds"] == 300
    assert client.post(f"/api/v1/incidents/{ref}/acknowledge", headers=h).json()["status"] == "acknowledged"
    r = client.patch(f"/api/v1/incidents/{ref}", headers=h,
                     json={"severity": "P1", "reason": "one region only", "status": "identified",
                           "roles": {"commander": "tok-commander@example.org"}})
    assert r.status_code == 200, r.text
    assert r.json()["roles"]["commander"]["email"] == "tok-commander@example.org"
    assert client.post(f"/api/v1/incidents/{ref}/notes", headers=h, json={"text": "rollback done"}).status_code == 201
    assert client.post(f"/api/v1/incidents/{ref}/resolve", headers=h,
                       json={"note": "fixed", "override_reason": "verified by hand"}).json()["status"] == "resolved"
    timeline = client.get(f"/api/v1/incidents/{ref}/timeline", headers=h).json()
    assert [e["kind"] for e in timeline] == ["created", "classified", "acknowledged", "severity_changed",
                                            "role_assigned", "status_changed", "note", "resolve_overridden", "resolved"]
    listing = client.get("/api/v1/incidents?status=resolved", headers=h).json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == ref


def test_services__lists_the_demo_services_with_their_packs(client, tokens):
    r = client.get("/api/v1/services", headers=auth(tokens, "viewer"))
    assert {(s["slug"], s["pack"]) for s in r.json()} == {(factories.CRM, "telehealth-crm"),
                                                          (factories.IVR, "healthcare-ivr")}


def test_user_report__is_recorded_as_such(client, tokens):
    r = client.post("/api/v1/incidents", headers=auth(tokens, "responder"),
                    json={"service": factories.IVR, "title": "Callers hear silence", "source": "user_report",
                          "reporter": "frontdesk@clinic.org"})
    assert r.status_code == 201 and r.json()["source"] == "user_report" and r.json()["reporter"] == "frontdesk@clinic.org"


def _endpoints(ref: str):
    return [
        ("GET", "/api/v1/incidents", None),
        ("POST", "/api/v1/incidents", {"service": factories.CRM, "title": "x"}),
        ("GET", f"/api/v1/incidents/{ref}", None),
        ("PATCH", f"/api/v1/incidents/{ref}", {"title": "y"}),
        ("POST", f"/api/v1/incidents/{ref}/acknowledge", None),
        ("POST", f"/api/v1/incidents/{ref}/resolve", None),
        ("POST", f"/api/v1/incidents/{ref}/notes", {"text": "n"}),
        ("GET", f"/api/v1/incidents/{ref}/timeline", None),
        ("GET", "/api/v1/services", None),
    ]


def _assert_error(r, status, code=None, mentions=None):
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["message"]
    if code:
        assert err["code"] == code
    if mentions:
        assert mentions in err["message"]


def test_every_endpoint__missing_or_wrong_token_is_401(client, tokens, ref):
    for method, path, body in _endpoints(ref):
        _assert_error(client.request(method, path, json=body), 401, "unauthorized", "Bearer")
        _assert_error(client.request(method, path, json=body, headers={"Authorization": "Bearer cb_nope"}), 401,
                      "unauthorized", "not valid")


ROLE_MATRIX = {
    # endpoint index → roles allowed
    0: {"viewer", "responder", "commander", "compliance", "admin"},
    1: {"responder", "commander", "compliance", "admin"},
    2: {"viewer", "responder", "commander", "compliance", "admin"},
    3: {"responder", "commander", "admin"},
    4: {"responder", "commander", "admin"},
    5: {"responder", "commander", "admin"},
    6: {"responder", "commander", "admin"},
    7: {"viewer", "responder", "commander", "compliance", "admin"},
    8: {"viewer", "responder", "commander", "compliance", "admin"},
}


@pytest.mark.parametrize("role", ["viewer", "responder", "commander", "compliance", "admin"])
def test_role_matrix__each_role_is_allowed_or_403(client, tokens, role):
    for index, (method, path, body) in enumerate(_endpoints("PLACEHOLDER")):
        # A fresh incident each time, so acknowledge/resolve are valid moves for allowed roles.
        ref = client.post("/api/v1/incidents", headers=auth(tokens, "admin"),
                          json={"service": factories.CRM, "title": "matrix"}).json()["id"]
        r = client.request(method, path.replace("PLACEHOLDER", ref), json=body, headers=auth(tokens, role))
        if role in ROLE_MATRIX[index]:
            assert r.status_code in (200, 201), (method, path, role, r.text)
        else:
            _assert_error(r, 403, "forbidden")


def test_unknown_incident__404_names_it(client, tokens):
    for method, path, body in _endpoints("INC-2099-01-01-999")[2:8]:
        _assert_error(client.request(method, path, json=body, headers=auth(tokens)), 404, "not_found",
                      "INC-2099-01-01-999")


@pytest.mark.parametrize("method,path", [("POST", "/api/v1/incidents"), ("PATCH", "/api/v1/incidents/{ref}"),
                                         ("POST", "/api/v1/incidents/{ref}/notes"),
                                         ("POST", "/api/v1/incidents/{ref}/acknowledge")])
def test_malformed_json__400_and_nothing_changes(client, tokens, ref, method, path):
    before = client.get(f"/api/v1/incidents/{ref}/timeline", headers=auth(tokens)).json()
    r = client.request(method, path.format(ref=ref), content=b'{"title": ', headers={
        **auth(tokens), "Content-Type": "application/json"})
    _assert_error(r, 400, "malformed_json", "not valid JSON")
    assert client.get(f"/api/v1/incidents/{ref}/timeline", headers=auth(tokens)).json() == before


@pytest.mark.parametrize(
    "body,field",
    [
        ({"service": 5, "title": "x"}, "service"),
        ({"service": factories.CRM}, "title"),
        ({"service": factories.CRM, "title": "x", "severity": "P9"}, "severity"),
        ({"service": factories.CRM, "title": "x", "bogus": 1}, "bogus"),
        ({"service": factories.CRM, "title": ""}, "title"),
        ({"service": factories.CRM, "title": "x", "phi_suspected": "maybe"}, "phi_suspected"),
        ([1, 2], "body"),
    ],
)
def test_create__wrong_types_are_422_naming_the_field(client, tokens, body, field):
    r = client.post("/api/v1/incidents", headers=auth(tokens), json=body)
    _assert_error(r, 422, "bad_input", field)
    assert client.get("/api/v1/incidents", headers=auth(tokens)).json()["total"] == 0


@pytest.mark.parametrize(
    "body,status,mentions",
    [
        ({"status": "closed"}, 409, "cannot move an incident from 'triggered' to 'closed'"),
        ({"status": "sleeping"}, 422, "status"),
        ({"severity": "P3"}, 422, "needs a reason"),
        ({"type": "volcano"}, 422, "volcano"),
        ({"roles": {"captain": "a@b.c"}}, 422, "roles"),
        ({"title": "ok", "status": "closed"}, 409, "closed"),
    ],
)
def test_patch__refusals_change_nothing(client, tokens, ref, body, status, mentions):
    before = client.get(f"/api/v1/incidents/{ref}", headers=auth(tokens)).json()
    r = client.patch(f"/api/v1/incidents/{ref}", headers=auth(tokens), json=body)
    _assert_error(r, status, mentions=mentions)
    assert client.get(f"/api/v1/incidents/{ref}", headers=auth(tokens)).json() == before


def test_invalid_transition__double_acknowledge_is_409(client, tokens, ref):
    assert client.post(f"/api/v1/incidents/{ref}/acknowledge", headers=auth(tokens)).status_code == 200
    _assert_error(client.post(f"/api/v1/incidents/{ref}/acknowledge", headers=auth(tokens)), 409,
                  "invalid_transition", "cannot be acknowledged")


def test_oversized_body__413(client, tokens):
    r = client.post("/api/v1/incidents", headers={**auth(tokens), "Content-Type": "application/json"},
                    content=b'{"service": "' + b"x" * (600 * 1024) + b'"}')
    _assert_error(r, 413, "payload_too_large", "larger than")


def test_bad_query_parameters__422(client, tokens):
    _assert_error(client.get("/api/v1/incidents?limit=0", headers=auth(tokens)), 422, "bad_input", "limit")
    _assert_error(client.get("/api/v1/incidents?status=nope", headers=auth(tokens)), 422, "bad_input", "status")


def test_unknown_route__404_json(client):
    _assert_error(client.get("/api/v1/nothing-here"), 404, mentions="no such endpoint")


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"] == {"database": "ok", "migrations": "ok"}


def test_readiness__pending_migrations_are_not_ready(client, db):
    with db.engine.begin() as conn:
        current = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0003'")
    try:
        r = client.get("/readyz")
    finally:  # the PostgreSQL database is shared by the tests that follow
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{current}'")
    assert r.status_code == 503 and r.json() == {"status": "not ready",
                                                 "checks": {"database": "ok", "migrations": "pending"}}


def test_body_that_is_not_json__names_the_content_type(client, tokens):
    r = client.post("/api/v1/incidents", headers={**auth(tokens), "Content-Type": "text/plain"}, content=b"hello")
    _assert_error(r, 415, "not_json", "Content-Type: application/json")
    r = client.post("/api/v1/incidents", headers=auth(tokens), data={"service": "x"})
    _assert_error(r, 415, "not_json")


def test_missing_token__says_how_to_authenticate(client):
    r = client.get("/api/v1/incidents")
    assert r.headers["www-authenticate"] == "Bearer"


def test_user_report__a_named_reporter_makes_it_one_unless_the_source_says_otherwise(client, tokens):
    body = {"service": factories.IVR, "title": "Callers hear silence", "reporter": "nurse@clinic.org"}
    r = client.post("/api/v1/incidents", headers=auth(tokens), json=body)
    assert (r.status_code, r.json()["source"]) == (201, "user_report")
    r = client.post("/api/v1/incidents", headers=auth(tokens), json={**body, "source": "api"})
    assert (r.status_code, r.json()["source"]) == (201, "api")
