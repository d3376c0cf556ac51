"""Signing in and out of the web UI: cookies, CSRF on the form, back-off, expiry, and where a browser is sent."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from codeblue.app import create_app
from codeblue.auth import service as auth
from codeblue.auth import sessions
from codeblue.settings import Settings
from tests.web.conftest import HTML, PASSWORD, form_token, with_password

EMAIL = "responder@example.org"


@pytest.fixture
def account(db, clock, seeded):
    with_password(db, EMAIL, "responder", clock.now())
    return EMAIL


def sign_in(client, email=EMAIL, password=PASSWORD, next_="/", token=None):
    form = client.get("/sign-in", headers=HTML)
    assert form.status_code == 200
    data = {"email": email, "password": password, "csrf_token": token or form_token(form.text), "next": next_}
    return client.post("/sign-in", data=data, headers=HTML, follow_redirects=False)


def test_sign_in__right_password_starts_a_session_with_strict_cookie_flags(client, account):
    r = sign_in(client, next_="/alerts")
    assert r.status_code == 303 and r.headers["location"] == "/alerts"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(sessions.COOKIE + "="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # served over plain http here
    page = client.get("/", headers=HTML)
    assert page.status_code == 200 and "Open incidents" in page.text and "Sign out" in page.text


def test_sign_in__cookie_is_secure_and_hsts_sent_when_the_base_url_is_https(db, clock, account, tmp_path):
    settings = Settings(env="test", auto_migrate=False, run_engine=False, base_url="https://codeblue.example.org",
                        database_url=f"sqlite:///{tmp_path}/unused.db")
    with TestClient(create_app(settings, clock=clock, db=db), base_url="https://codeblue.example.org") as c:
        r = sign_in(c)
        assert r.status_code == 303
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(sessions.COOKIE + "="))
        assert "secure" in cookie.lower()
        assert r.headers["strict-transport-security"].startswith("max-age=")


def test_sign_in__wrong_password_and_unknown_email_read_the_same(client, account):
    wrong = sign_in(client, password="not the password at all")
    unknown = sign_in(client, email="nobody@example.org")
    for r in (wrong, unknown):
        assert r.status_code == 401
        assert "do not match an active account" in r.text
        assert not any(c.startswith(sessions.COOKIE + "=") for c in r.headers.get_list("set-cookie"))


def test_sign_in__a_user_without_a_password_cannot_sign_in(client, db, clock, seeded):
    assert sign_in(client, email="admin@codeblue.local", password="").status_code == 401


def test_sign_in__five_failures_lock_the_account_even_for_the_right_password(client, account, clock):
    for _ in range(5):
        assert sign_in(client, password="guess guess guess").status_code == 401
    locked = sign_in(client)
    assert locked.status_code == 429 and locked.headers["retry-after"] == "30"
    assert "Too many failed sign-ins. Try again in 30 seconds." in locked.text
    clock.advance(timedelta(seconds=31))
    assert sign_in(client, password="guess guess guess").status_code == 401  # the sixth failure: 60 s now
    assert sign_in(client).status_code == 429
    clock.advance(timedelta(seconds=61))
    assert sign_in(client).status_code == 303
    assert sign_in(client, password="one more wrong one").status_code == 401  # success started the count again


def test_sign_in__twenty_failures_from_one_address_lock_every_account_from_it(client, account):
    for n in range(20):
        assert sign_in(client, email=f"spray{n}@example.org", password="Winter2026!!").status_code == 401
    assert sign_in(client).status_code == 429


def test_sign_in__without_the_form_token_is_refused_with_a_page(client, account):
    client.get("/sign-in", headers=HTML)
    r = client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD}, headers=HTML)
    assert r.status_code == 403 and "text/html" in r.headers["content-type"]
    assert "sign-in form was not accepted" in r.text
    forged = sign_in(client, token="0" * 64)
    assert forged.status_code == 403


@pytest.mark.parametrize("target", ["//evil.example.org/", "https://evil.example.org/", "/\\evil.example.org",
                                    "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1"])
def test_sign_in__next_never_leaves_the_site(client, account, target):
    r = sign_in(client, next_=target)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_pages__without_a_session_a_browser_is_sent_to_sign_in(client, seeded):
    r = client.get("/incidents/INC-2026-03-10-001?x=1", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/sign-in?next=%2Fincidents%2FINC-2026-03-10-001%3Fx%3D1"
    stream = client.get("/events/dashboard", headers={"accept": "text/event-stream"})
    assert stream.status_code == 401 and stream.json()["error"]["code"] == "sign_in_required"


def test_sign_out__ends_the_session_for_every_copy_of_the_cookie(client, account):
    sign_in(client)
    cookie = client.cookies.get(sessions.COOKIE)
    page = client.get("/", headers=HTML)
    r = client.post("/sign-out", data={"csrf_token": form_token(page.text)}, headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    client.cookies.clear()
    again = client.get("/", headers={**HTML, "cookie": f"{sessions.COOKIE}={cookie}"}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/sign-in")


def test_sign_out__needs_the_form_token(client, account):
    sign_in(client)
    r = client.post("/sign-out", data={}, headers=HTML)
    assert r.status_code == 403
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200  # still signed in


def test_session__ends_after_twelve_idle_hours_and_lasts_while_used(client, account, clock):
    sign_in(client)
    for _ in range(3):
        clock.advance(timedelta(hours=11))
        assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200
    clock.advance(timedelta(hours=12, seconds=1))
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_session__ends_seven_days_after_sign_in_however_busy(client, account, clock):
    sign_in(client)
    for _ in range(16):  # 176 hours, each gap shorter than the idle limit
        clock.advance(timedelta(hours=11))
        client.get("/", headers=HTML)
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_session__a_new_password_ends_existing_sessions(client, db, clock, account):
    sign_in(client)
    with db.unit_of_work() as s:
        auth.set_password(s, user=auth.require_user(s, email=EMAIL), password="a brand new passphrase",
                          now=clock.now())
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_session__a_deactivated_user_is_signed_out(client, db, account):
    sign_in(client)
    with db.unit_of_work() as s:
        auth.require_user(s, email=EMAIL).active = False
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_security_events__sign_ins_and_refusals_are_logged_as_well_as_audited(client, account, caplog):
    caplog.set_level(logging.INFO, logger="codeblue.audit")
    sign_in(client, password="wrong wrong wrong")
    sign_in(client)
    client.post("/users", data={}, headers=HTML)  # no form token: refused before the role is asked
    events = [r.getMessage() for r in caplog.records if r.name == "codeblue.audit"]
    assert any('"event": "sign_in_failed"' in e and '"outcome": "failed"' in e for e in events)
    assert any('"event": "sign_in"' in e and '"outcome": "ok"' in e for e in events)
    assert any('"event": "csrf_refused"' in e and "POST /users" in e for e in events)
