"""Single sign-on with OpenID Connect against a real provider on 127.0.0.1: who gets in, who does not, all audited."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

pytest.importorskip("authlib")
pytest.importorskip("joserfc")

from joserfc.jwk import RSAKey  # noqa: E402

from codeblue.app import create_app  # noqa: E402
from codeblue.audit import service as audit  # noqa: E402
from codeblue.audit.models import AuditEntry  # noqa: E402
from codeblue.auth import oidc  # noqa: E402
from codeblue.auth import service as auth  # noqa: E402
from codeblue.auth import sessions  # noqa: E402
from codeblue.settings import Settings  # noqa: E402
from tests import factories  # noqa: E402
from tests.auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider  # noqa: E402

HTML = {"accept": "text/html"}


@pytest.fixture
def seeded(db, clock):
    factories.seed(db, clock.now())


@pytest.fixture
def provider(clock):
    oidc.documents.clear()
    with oidc_provider() as p:
        p.now = clock.now().timestamp()
        p.claims = {"email": "dana@hospital.example", "email_verified": True, "name": "Dana Reyes"}
        yield p


def make_client(db, clock, tmp_path, provider, **overrides):
    settings = Settings(env="test", auto_migrate=False, run_engine=False, database_url=f"sqlite:///{tmp_path}/x.db",
                        base_url="http://testserver", oidc_issuer=provider.url, oidc_client_id=CLIENT_ID,
                        oidc_client_secret=CLIENT_SECRET, **overrides)
    return TestClient(create_app(settings, clock=clock, db=db), raise_server_exceptions=False)


@pytest.fixture
def sso(db, clock, tmp_path, provider, seeded):
    with db.unit_of_work() as s:
        factories.user(s, "responder", clock.now(), email="dana@hospital.example")
    made = []

    def run(next_="/alerts", client=None, **overrides):
        c = client or make_client(db, clock, tmp_path, provider, **overrides)
        made.append(c)
        start = c.get(f"/sign-in/oidc?next={next_}", headers=HTML, follow_redirects=False)
        assert start.status_code == 303, start.text
        assert start.headers["location"].startswith(provider.url + "/authorize?")
        back = httpx.get(start.headers["location"], follow_redirects=False)
        assert back.status_code == 302
        target = urlparse(back.headers["location"])
        return c, c.get(f"{target.path}?{target.query}", headers=HTML, follow_redirects=False)

    yield run
    for c in made:
        c.close()


def trail(db, action):
    with db.unit_of_work(readonly=True) as s:
        assert audit.verify(s).ok
        return [(e.actor, e.subject_id, json.loads(e.after_json))
                for e in s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))]


def test_sign_in__a_verified_id_token_for_an_existing_account_starts_a_session(sso, db, provider):
    client, r = sso()
    assert r.status_code == 303 and r.headers["location"] == "/alerts"
    assert client.cookies.get(sessions.COOKIE)
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200
    [(actor, subject, after)] = trail(db, "auth.sign_in")
    assert (actor, subject, after["method"], after["oidc_subject"]) == (
        "dana@hospital.example", "dana@hospital.example", "oidc", "user-123")
    sent = provider.token_requests[0]
    assert sent["grant_type"] == ["authorization_code"] and sent["code_verifier"]  # PKCE


def test_authorize__asks_for_a_code_with_state_nonce_and_pkce(db, clock, tmp_path, provider, seeded):
    with make_client(db, clock, tmp_path, provider) as c:
        start = c.get("/sign-in/oidc", headers=HTML, follow_redirects=False)
    q = {k: v[0] for k, v in parse_qs(urlparse(start.headers["location"]).query).items()}
    assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID and "openid" in q["scope"].split()
    assert q["redirect_uri"] == "http://testserver/sign-in/oidc/callback"
    assert q["state"] and q["nonce"] and q["code_challenge_method"] == "S256"


@pytest.mark.parametrize(("tamper", "why"), [
    ({"nonce": "a-nonce-this-server-never-sent"}, "nonce"),
    ({"aud": "another-client"}, "aud"),
    ({"iss": "https://impostor.example"}, "iss"),
    ({"exp": 1}, "expired"),
])
def test_sign_in__a_wrong_id_token_is_refused_and_audited(sso, db, provider, tamper, why):
    provider.tamper = tamper
    client, r = sso()
    assert r.status_code == 401 and "ID token was not accepted" in r.text
    assert not client.cookies.get(sessions.COOKIE)
    [(actor, subject, after)] = trail(db, "auth.sign_in_failed")
    assert actor.startswith("anonymous:") and after["method"] == "oidc" and why in after["reason"]
    assert trail(db, "auth.sign_in") == []


def test_sign_in__a_token_signed_by_a_key_not_in_the_jwks_is_refused(sso, db, provider):
    client, first = sso()  # the JWKS is fetched and cached with the provider's key
    assert first.status_code == 303
    provider.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})  # a forger's key, same kid
    _, second = sso(client=client)
    assert second.status_code == 401 and "ID token was not accepted" in second.text


def test_unknown_user__refused_when_no_role_is_set_for_new_accounts(sso, db, provider):
    provider.claims["email"] = "newcomer@hospital.example"
    _, r = sso()
    assert r.status_code == 401 and "No Code Blue account exists for newcomer@hospital.example" in r.text
    with db.unit_of_work(readonly=True) as s:
        assert auth.get_user(s, email="newcomer@hospital.example") is None


def test_unknown_user__gets_the_configured_role_and_the_creation_is_audited(sso, db, provider):
    provider.claims["email"] = "newcomer@hospital.example"
    _, r = sso(oidc_new_user_role="viewer")
    assert r.status_code == 303
    with db.unit_of_work(readonly=True) as s:
        assert auth.get_user(s, email="newcomer@hospital.example").role == "viewer"
    [(actor, subject, after)] = trail(db, "user.created")[-1:]
    assert (actor, subject, after["role"]) == ("system:oidc", "newcomer@hospital.example", "viewer")


def test_unknown_user__a_role_claim_maps_to_the_role(sso, db, provider):
    provider.claims.update(email="lead@hospital.example", groups=["staff", "OnCall-Leads"])
    _, r = sso(oidc_role_claim="groups", oidc_role_map={"oncall-leads": "commander"})
    assert r.status_code == 303
    with db.unit_of_work(readonly=True) as s:
        assert auth.get_user(s, email="lead@hospital.example").role == "commander"


def test_allowed_domains__an_email_outside_them_is_refused(sso, db, provider):
    _, r = sso(oidc_allowed_domains="clinic.example, other.example")
    assert r.status_code == 401 and "not in a domain allowed" in r.text


def test_callback__without_the_flow_cookie_or_with_another_state_is_refused(db, clock, tmp_path, provider, sso):
    with make_client(db, clock, tmp_path, provider) as c:
        r = c.get("/sign-in/oidc/callback?code=x&state=y", headers=HTML)
        assert r.status_code == 401 and "did not start here" in r.text
        c.get("/sign-in/oidc", headers=HTML, follow_redirects=False)
        r = c.get("/sign-in/oidc/callback?code=x&state=not-the-state", headers=HTML)
        assert r.status_code == 401 and "does not match" in r.text


def test_not_configured__the_routes_answer_404(client, seeded):
    assert client.get("/sign-in/oidc", headers=HTML).status_code == 404
    assert "single sign-on" not in client.get("/sign-in", headers=HTML).text.lower()


def test_configured__the_sign_in_page_offers_single_sign_on(db, clock, tmp_path, provider, seeded):
    with make_client(db, clock, tmp_path, provider) as c:
        page = c.get("/sign-in?next=/alerts", headers=HTML).text
    assert 'href="/sign-in/oidc?next=/alerts"' in page or 'href="/sign-in/oidc?next=%2Falerts"' in page


@pytest.mark.parametrize(("claims", "settings", "expected"), [
    ({"email": "A@X.org"}, {}, ("a@x.org", None)),
    ({"email": "a@x.org", "codeblue_role": "admin"}, {"oidc_role_claim": "codeblue_role"}, ("a@x.org", "admin")),
    ({"email": "a@x.org", "roles": ["viewer", "commander"]}, {"oidc_role_claim": "roles"}, ("a@x.org", "commander")),
    ({"email": "a@x.org", "roles": ["nurse"]}, {"oidc_role_claim": "roles", "oidc_new_user_role": "viewer"},
     ("a@x.org", "viewer")),
])
def test_admit__table(claims, settings, expected):
    config = Settings(env="test", oidc_issuer="https://idp.example", oidc_client_id="c", **settings)
    got = oidc.admit(config, claims)
    assert (got.email, got.role.value if got.role else None) == expected


@pytest.mark.parametrize(("claims", "message"), [
    ({}, "did not share an email"),
    ({"email": "a@x.org", "email_verified": False}, "has not verified"),
    ({"email": "a@y.org"}, "not in a domain allowed"),
])
def test_admit__refusals(claims, message):
    config = Settings(env="test", oidc_issuer="https://idp.example", oidc_client_id="c", oidc_allowed_domains="x.org")
    with pytest.raises(oidc.Refused, match=message):
        oidc.admit(config, claims)


def test_settings__issuer_and_client_id_go_together():
    with pytest.raises(ValueError, match="go together"):
        Settings(env="test", oidc_issuer="https://idp.example")
