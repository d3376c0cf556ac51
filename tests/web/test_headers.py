"""Security headers on every response: pages, API, refusals, static files; HSTS only over TLS."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from codeblue.app import create_app
from codeblue.settings import Settings
from tests.web.conftest import HTML


def assert_secure(r) -> None:
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "default-src 'none'" in csp and "base-uri 'none'" in csp and "form-action 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["x-frame-options"] == "DENY"


def test_headers__on_pages_api_errors_refusals_and_static(client, people, world):
    viewer = people["viewer"]
    ref = world["values"]["ref"]
    client.cookies.clear()
    responses = {
        "dashboard": viewer.get("/"),
        "incident page": viewer.get(f"/incidents/{ref}"),
        "sign-in page": client.get("/sign-in", headers=HTML),
        "error page": viewer.get("/incidents/INC-2000-01-01-999"),
        "api": client.get(f"/api/v1/incidents/{ref}", headers={"Authorization": f"Bearer {world['bearer']['viewer']}"}),
        "api refusal": client.get("/api/v1/incidents"),
        "too large": client.post("/api/v1/incidents", content=b"x" * (2 * 1024 * 1024)),
        "nul in path": client.get("/api/v1/incidents/%00"),
        "metrics": client.get("/metrics"),
        "static": client.get("/static/codeblue.css"),
        "redirect": client.get("/", headers=HTML, follow_redirects=False),
    }
    for name, r in responses.items():
        assert r.status_code < 500, name
        assert_secure(r)
        assert "strict-transport-security" not in r.headers, name  # plain http here
    for name in ("dashboard", "incident page", "error page", "api", "sign-in page", "api refusal", "too large"):
        assert "no-store" in responses[name].headers["cache-control"], name
    assert "no-store" not in responses["static"].headers.get("cache-control", "")


def test_headers__hsts_when_served_over_tls(db, clock, tmp_path):
    settings = Settings(env="test", auto_migrate=False, run_engine=False, database_url=f"sqlite:///{tmp_path}/x.db",
                        base_url="https://codeblue.example.org")
    with TestClient(create_app(settings, clock=clock, db=db), base_url="https://codeblue.example.org") as c:
        assert c.get("/healthz").headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("path", ["/static/clocks.js", "/static/live.js", "/static/codeblue.css"])
def test_static__scripts_and_styles_come_from_this_server(client, path):
    r = client.get(path)
    assert r.status_code == 200 and r.text.strip()


def test_pages__no_inline_script_or_style_and_no_other_origin(people, world):
    for path in ("/", f"/incidents/{world['values']['ref']}", "/alerts", "/oncall", "/schedules",
                 "/escalation-policies", "/integrations", "/response-metrics", "/users"):
        html = people["admin"].get(path).text
        assert "<script>" not in html and " style=" not in html and "<style" not in html, path
        assert "http://" not in html.replace("http://127.0.0.1:8080", "") and "https://" not in html, path
        assert all(src.startswith("/static/") for src in _srcs(html)), path


def _srcs(html: str) -> list[str]:
    return re.findall(r'<script[^>]* src="([^"]+)"', html)
