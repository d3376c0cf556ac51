"""The role matrix as a table: every route of the app × every role → allowed or 403, pages and API alike.

The routes are enumerated from the application, so a new route that is not in the table fails here
until someone decides who may use it.
"""

from __future__ import annotations

import pytest
from fastapi.routing import iter_route_contexts

from codeblue.auth.models import ApiToken
from codeblue.auth.permissions import Perm, Role, allows
from codeblue.settings import Settings
from tests.web.conftest import HTML, url

READ, CREATE, RESPOND, COMMAND, ADMIN = (Perm.INCIDENT_READ, Perm.INCIDENT_CREATE, Perm.INCIDENT_RESPOND,
                                         Perm.INCIDENT_COMMAND, Perm.ADMIN)
COMPLIANCE = Perm.COMPLIANCE
OPEN = "open to all"  # 200 for everyone, signed in or not
ANYONE = "the role does not matter"  # authenticated by a key, a signed link or the sign-in form itself
SIGNED_IN = "any signed-in person"

MATRIX: dict[tuple[str, str], Perm | str] = {
    ("GET", "/openapi.json"): OPEN,
    ("GET", "/docs"): OPEN,
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    ("GET", "/metrics"): OPEN,
    ("GET", "/static"): OPEN,
    # API, bearer tokens
    ("GET", "/api/v1/incidents"): READ,
    ("POST", "/api/v1/incidents"): CREATE,
    ("GET", "/api/v1/incidents/{ref}"): READ,
    ("PATCH", "/api/v1/incidents/{ref}"): RESPOND,
    ("POST", "/api/v1/incidents/{ref}/acknowledge"): RESPOND,
    ("POST", "/api/v1/incidents/{ref}/resolve"): RESPOND,
    ("POST", "/api/v1/incidents/{ref}/notes"): RESPOND,
    ("GET", "/api/v1/incidents/{ref}/timeline"): READ,
    ("GET", "/api/v1/incidents/{ref}/notifications"): READ,
    ("GET", "/api/v1/services"): READ,
    ("PUT", "/api/v1/services/{slug}/escalation-policy"): ADMIN,
    ("GET", "/api/v1/integrations"): READ,
    ("POST", "/api/v1/integrations"): ADMIN,
    ("GET", "/api/v1/alerts"): READ,
    ("POST", "/api/v1/users/{email}/contact-methods"): ADMIN,
    ("POST", "/api/v1/users/{email}/notification-rules"): ADMIN,
    ("GET", "/api/v1/schedules"): READ,
    ("POST", "/api/v1/schedules"): ADMIN,
    ("POST", "/api/v1/schedules/{slug}/overrides"): COMMAND,
    ("GET", "/api/v1/schedules/{slug}/oncall"): READ,
    ("GET", "/api/v1/schedules/{slug}.ics"): READ,
    ("GET", "/api/v1/escalation-policies"): READ,
    ("POST", "/api/v1/escalation-policies"): ADMIN,
    ("POST", "/api/v1/incidents/{ref}/close"): COMMAND,
    # reviews and follow-ups
    ("GET", "/api/v1/incidents/{ref}/review"): READ,
    ("PATCH", "/api/v1/incidents/{ref}/review"): RESPOND,
    ("POST", "/api/v1/incidents/{ref}/review/complete"): COMMAND,
    ("POST", "/api/v1/incidents/{ref}/review/reopen"): COMMAND,
    ("GET", "/api/v1/incidents/{ref}/review/report.md"): READ,
    ("GET", "/api/v1/incidents/{ref}/review/report.pdf"): READ,
    ("POST", "/api/v1/incidents/{ref}/follow-ups"): RESPOND,
    ("GET", "/api/v1/incidents/{ref}/follow-ups"): READ,
    ("GET", "/api/v1/follow-ups"): READ,
    ("GET", "/api/v1/follow-ups/{follow_up_id}"): READ,
    ("PATCH", "/api/v1/follow-ups/{follow_up_id}"): RESPOND,
    # runbooks, checklists, evidence and readiness
    ("GET", "/api/v1/incidents/{ref}/runbook"): READ,
    ("POST", "/api/v1/incidents/{ref}/runbook/commands/{index}/run"): RESPOND,
    ("GET", "/api/v1/incidents/{ref}/checklists"): READ,
    ("POST", "/api/v1/incidents/{ref}/checklists/{checklist_id}/items/{item_id}"): RESPOND,
    ("GET", "/api/v1/incidents/{ref}/evidence"): READ,
    ("POST", "/api/v1/incidents/{ref}/evidence"): RESPOND,
    ("GET", "/api/v1/evidence/{evidence_id}/download"): READ,
    ("DELETE", "/api/v1/evidence/{evidence_id}"): ADMIN,
    ("GET", "/api/v1/readiness"): READ,
    # communications: status updates, template previews, the chat channel
    ("POST", "/api/v1/incidents/{ref}/updates"): RESPOND,
    ("GET", "/api/v1/incidents/{ref}/updates"): READ,
    ("POST", "/api/v1/incidents/{ref}/messages/preview"): READ,
    ("GET", "/api/v1/incidents/{ref}/channel"): READ,
    # breach cases, notices and the audit log: compliance officers and admins only
    ("GET", "/api/v1/breach-cases"): COMPLIANCE,
    ("GET", "/api/v1/breach-cases/hhs-log"): COMPLIANCE,
    ("GET", "/api/v1/breach-cases/{case_id}"): COMPLIANCE,
    ("PATCH", "/api/v1/breach-cases/{case_id}"): COMPLIANCE,
    ("POST", "/api/v1/breach-cases/{case_id}/decision"): COMPLIANCE,
    ("DELETE", "/api/v1/breach-cases/{case_id}"): COMPLIANCE,
    ("GET", "/api/v1/incidents/{ref}/breach-case"): COMPLIANCE,
    ("GET", "/api/v1/breach-notices/{notice_id}"): COMPLIANCE,
    ("PATCH", "/api/v1/breach-notices/{notice_id}"): COMPLIANCE,
    ("POST", "/api/v1/breach-notices/{notice_id}/evidence"): COMPLIANCE,
    ("DELETE", "/api/v1/breach-notices/{notice_id}"): COMPLIANCE,
    ("DELETE", "/api/v1/breach-evidence/{evidence_id}"): COMPLIANCE,
    ("GET", "/api/v1/audit"): COMPLIANCE,
    ("GET", "/api/v1/audit/verify"): COMPLIANCE,
    ("GET", "/api/v1/audit/export"): COMPLIANCE,
    # customer notices and public posts
    ("GET", "/api/v1/incidents/{ref}/customer-notice"): READ,
    ("POST", "/api/v1/incidents/{ref}/customer-notice/preview"): RESPOND,
    ("POST", "/api/v1/incidents/{ref}/customer-notice/send"): COMMAND,
    ("POST", "/api/v1/incidents/{ref}/customer-notice/waive"): COMMAND,
    ("POST", "/api/v1/incidents/{ref}/status-posts"): COMMAND,
    # the public status page: no sign-in; subscription links carry their own token
    ("GET", "/status"): OPEN,
    ("GET", "/status.json"): OPEN,
    ("POST", "/status/subscribe"): ANYONE,
    ("GET", "/status/confirm/{token}"): ANYONE,
    ("GET", "/status/unsubscribe/{token}"): ANYONE,
    ("POST", "/status/unsubscribe/{token}"): ANYONE,
    # senders and paging links: their key or signed token is the credential
    ("POST", "/v2/enqueue"): ANYONE,
    ("POST", "/api/v1/hooks/{type_}/{key}"): ANYONE,
    ("POST", "/api/v1/hooks/sns/{key}"): ANYONE,
    ("POST", "/api/v1/hooks/twilio/sms"): ANYONE,
    ("GET", "/api/v1/heartbeats/{key}"): ANYONE,
    ("POST", "/api/v1/heartbeats/{key}"): ANYONE,
    ("GET", "/ack/{token}"): ANYONE,
    ("POST", "/ack/{token}"): ANYONE,
    ("POST", "/ack/{token}/voice"): ANYONE,
    # pages, web sessions
    ("GET", "/sign-in"): OPEN,
    ("POST", "/sign-in"): ANYONE,
    ("GET", "/sign-in/oidc"): ANYONE,  # 404 unless single sign-on is configured
    ("GET", "/sign-in/oidc/callback"): ANYONE,
    ("POST", "/sign-out"): SIGNED_IN,
    ("GET", "/"): READ,
    ("GET", "/events/dashboard"): READ,
    ("GET", "/incidents/{ref}"): READ,
    ("GET", "/incidents/{ref}/events"): READ,
    ("POST", "/incidents/{ref}/acknowledge"): RESPOND,
    ("POST", "/incidents/{ref}/notes"): RESPOND,
    ("POST", "/incidents/{ref}/resolve"): RESPOND,
    ("POST", "/incidents/{ref}/severity"): COMMAND,
    ("POST", "/incidents/{ref}/commander"): COMMAND,
    ("POST", "/incidents/{ref}/checklists/{checklist_id}/items/{item_id}"): RESPOND,
    ("POST", "/incidents/{ref}/evidence"): RESPOND,
    ("GET", "/evidence/{evidence_id}/download"): READ,
    ("GET", "/readiness"): READ,
    ("POST", "/incidents/{ref}/updates"): RESPOND,
    ("GET", "/incidents/{ref}/messages/preview"): READ,
    ("POST", "/incidents/{ref}/customer-notice/preview"): RESPOND,
    ("POST", "/incidents/{ref}/customer-notice/send"): COMMAND,
    ("POST", "/incidents/{ref}/customer-notice/waive"): COMMAND,
    ("POST", "/incidents/{ref}/status-posts"): COMMAND,
    ("GET", "/alerts"): READ,
    ("GET", "/integrations"): READ,
    ("POST", "/integrations"): ADMIN,
    ("GET", "/oncall"): READ,
    ("GET", "/schedules"): READ,
    ("GET", "/escalation-policies"): READ,
    ("GET", "/response-metrics"): READ,
    ("GET", "/users"): ADMIN,
    ("POST", "/users"): ADMIN,
    ("POST", "/users/{user_id}/tokens"): ADMIN,
    ("POST", "/tokens/{token_id}/revoke"): ADMIN,
}
MACHINE = ("/api/", "/v2/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/status.json")


@pytest.fixture
def settings(tmp_path):
    # Event streams end quickly here, so a GET of one returns.
    return Settings(env="test", auto_migrate=False, run_engine=False, database_url=f"sqlite:///{tmp_path}/unused.db",
                    live_stream_seconds=0.2, live_poll_seconds=0.05)


def routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or {"GET"}:
            if method != "HEAD":
                found.add((method, route.path))
    return found


def test_matrix__names_every_route_of_the_app(app):
    assert routes(app) == set(MATRIX), "a route was added or removed: say in MATRIX who may use it"


def call(client, method: str, path: str, world, role: str | None, people):
    target = url(path, world)
    if path.startswith(MACHINE):
        headers = {"Authorization": f"Bearer {world['bearer'][role]}"} if role else {}
        client.cookies.clear()
        return client.request(method, target, headers=headers, json={} if method != "GET" else None,
                              follow_redirects=False)
    if role is None:
        client.cookies.clear()
        return client.request(method, target, headers=HTML, data={} if method != "GET" else None,
                              follow_redirects=False)
    person = people[role]
    return person.get(target) if method == "GET" else person.post(target, {})


def verdict(rule, role: str | None, status: int, machine: bool) -> str | None:
    """What is wrong with this answer, or None."""
    if status >= 500:
        return f"answered {status}"
    if rule == OPEN:
        return None if status == 200 else f"answered {status}, expected 200"
    if rule == ANYONE:
        return None
    if role is None:
        expected = 401 if machine else 303
        return None if status == expected else f"answered {status} to nobody signed in, expected {expected}"
    allowed = rule == SIGNED_IN or allows(role, rule)
    if allowed and status in (401, 403):
        return f"refused ({status}) though the role may"
    if not allowed and status != 403:
        return f"answered {status}, expected 403"
    return None


def test_role_matrix__every_route_by_every_role(client, db, world, people):
    # Sign-out last: it ends the session the other page requests use.
    order = sorted(MATRIX, key=lambda route: (route == ("POST", "/sign-out"), route[1], route[0]))
    problems, answers = [], {}
    for method, path in order:
        rule = MATRIX[(method, path)]
        machine = path.startswith(MACHINE)
        for role in [None, *(r.value for r in Role)]:
            status = call(client, method, path, world, role, people).status_code
            answers.setdefault((method, path), set()).add(status)
            problem = verdict(rule, role, status, machine)
            if problem:
                problems.append(f"{method} {path} as {role or 'nobody'}: {problem}")
        if rule == ANYONE and len(answers[(method, path)]) != 1:
            problems.append(f"{method} {path} answers differently by role: {sorted(answers[(method, path)])}")
    assert problems == []
    with db.unit_of_work() as s:  # the admin's allowed post did its work, the others' refused ones did not stop it
        assert s.get(ApiToken, int(world["values"]["token_id"])).revoked_at is not None


def test_role_matrix__a_web_session_opens_no_api_endpoint(client, world, people):
    """API routes take bearer tokens only, so a page on another site cannot ride on a signed-in browser."""
    admin = people["admin"]
    for method, path in MATRIX:
        if path.startswith("/api/v1/") and MATRIX[(method, path)] not in (OPEN, ANYONE):
            r = admin.client.request(method, url(path, world), headers=admin._headers(None),
                                     data=None if method == "GET" else {"csrf_token": admin.csrf})
            assert r.status_code == 401, f"{method} {path} accepted a session cookie"


def test_role_matrix__tokens_cannot_open_pages(client, world):
    token = world["bearer"]["admin"]
    client.cookies.clear()
    r = client.get("/", headers={**HTML, "Authorization": f"Bearer {token}"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")

