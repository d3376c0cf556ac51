"""The pages as a responder uses them: what the dashboard and an incident show, and every action as a form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from codeblue.auth import service as auth
from codeblue.incidents import service as incidents
from tests import factories


@pytest.fixture
def admin_actor(db, people):
    with db.unit_of_work() as s:
        return factories.actor_for(auth.require_user(s, email=people["admin"].email))


def open_incident(db, clock, actor, **fields) -> str:
    with db.unit_of_work() as s:
        return factories.incident(s, clock.now(), actor=actor, **fields).ref


def cards(html: str) -> list[str]:
    return re.findall(r'data-incident="([^"]+)"', html)


def test_dashboard__open_incidents_by_severity_worst_first_and_all_clear_without(db, clock, people, admin_actor):
    viewer = people["viewer"]
    assert "All clear" in viewer.get("/").text
    p2 = open_incident(db, clock, admin_actor, severity="P2", type="general", title="Slow reports")
    p0 = open_incident(db, clock, admin_actor, severity="P0", type="api_down", title="API down")
    page = viewer.get("/").text
    assert cards(page) == [p0, p2]
    assert page.index('id="sev-P0"') < page.index('id="sev-P2"')
    assert "2</strong> open incidents" in page


def test_dashboard__an_unacknowledged_incident_past_its_target_is_unmistakably_overdue(db, clock, people, admin_actor):
    ref = open_incident(db, clock, admin_actor, severity="P0", type="api_down")  # target 5 minutes
    page = people["viewer"].get("/").text
    assert "5m 00s left" in page and "OVERDUE" not in page
    clock.advance(timedelta(minutes=7, seconds=30))
    page = people["viewer"].get("/").text
    card = page[page.index(f'data-incident="{ref}"') - 80:]
    assert 'class="incident sev-border-p0 overdue"' in card
    assert "<strong>OVERDUE</strong> by 2m 30s" in card and "1 overdue" in page


def test_dashboard__acknowledged_incident_shows_time_to_acknowledge_and_next_update(db, clock, people, admin_actor):
    ref = open_incident(db, clock, admin_actor, severity="P1", type="general")  # target 15 m, updates every 30 m
    clock.advance(timedelta(minutes=3))
    people["responder"].post(f"/incidents/{ref}/acknowledge")
    clock.advance(timedelta(minutes=10))
    page = people["viewer"].get("/").text
    assert "Acknowledged after 3m 00s" in page and "within the 15m 00s target" in page
    assert "20m 00s left" in page  # the next status update, 30 minutes after the acknowledgement


def test_incident_page__header_timeline_and_actions(db, clock, people, admin_actor):
    ref = open_incident(db, clock, admin_actor, severity="P1", type="general", title="Portal login failing",
                        phi_suspected=True)
    page = people["responder"].get(f"/incidents/{ref}").text
    for text in (ref, "Portal login failing", "P1", "triggered", "Telehealth CRM API", "Not assigned",
                 "PHI suspected", "User-facing", "opened by"):
        assert text in page
    assert f"Acknowledge {ref}" in page and "Post note" in page and f"Resolve {ref}" in page
    assert "Change severity" not in page and "Assign commander" not in page  # a commander's actions
    commander = people["commander"].get(f"/incidents/{ref}").text
    assert "Change severity" in commander and "Assign commander" in commander
    viewer = people["viewer"].get(f"/incidents/{ref}").text
    assert "<form method=\"post\" action=\"/incidents" not in viewer and "can read this incident but not act" in viewer


def test_incident_actions__each_form_changes_the_incident_and_lands_on_the_timeline(db, clock, people, admin_actor):
    ref = open_incident(db, clock, admin_actor, severity="P2", type="general")
    responder, commander = people["responder"], people["commander"]

    r = responder.post(f"/incidents/{ref}/acknowledge")
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{ref}"
    again = responder.post(f"/incidents/{ref}/acknowledge", headers={"referer": f"http://testserver/incidents/{ref}"})
    assert again.status_code == 409 and "cannot be acknowledged: it is acknowledged" in again.text
    assert f'<a href="/incidents/{ref}">Go back</a>' in again.text

    missing = commander.post(f"/incidents/{ref}/severity", {"severity": "P1", "reason": ""})
    assert missing.status_code == 422 and "changing severity needs a reason" in missing.text
    assert commander.post(f"/incidents/{ref}/severity", {"severity": "P1", "reason": "two clinics"}).status_code == 303
    bad = commander.post(f"/incidents/{ref}/severity", {"severity": "P9", "reason": "x"})
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]

    assert commander.post(f"/incidents/{ref}/commander", {"email": commander.email}).status_code == 303
    nobody = commander.post(f"/incidents/{ref}/commander", {"email": "ghost@example.org"})
    assert nobody.status_code == 404 and "no user with email" in nobody.text

    assert responder.post(f"/incidents/{ref}/notes", {"text": "  "}).status_code == 422
    assert responder.post(f"/incidents/{ref}/notes", {"text": "DB failover started"}).status_code == 303
    assert responder.post(f"/incidents/{ref}/resolve", {"note": "replica promoted"}).status_code == 409
    assert responder.post(f"/incidents/{ref}/resolve", {"note": "replica promoted",
                                                        "override_reason": "replica checked by hand"}).status_code == 303
    assert responder.post(f"/incidents/{ref}/resolve").status_code == 409

    page = responder.get(f"/incidents/{ref}").text
    assert "<dt>Commander</dt><dd>Commander</dd>" in page
    timeline = page[page.index('class="timeline"'):]
    for text in ("triggered → acknowledged (via web)", "Severity P2 → P1: two clinics", "Commander is commander",
                 "DB failover started", "acknowledged → resolved: replica promoted"):
        assert text in timeline
    assert timeline.index("replica promoted") < timeline.index("DB failover started")  # newest first
    with db.unit_of_work() as s:
        incident = incidents.get(s, ref=ref)
        assert (incident.status, incident.severity) == ("resolved", "P1")
        assert {e.actor for e in incidents.timeline(s, incident=incident) if e.kind == "note"} == {responder.email}


def test_incident_page__unknown_incident_is_a_404_page(people):
    r = people["viewer"].get("/incidents/INC-2000-01-01-999")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"] and "no incident" in r.text


def test_pages__unknown_path_and_bad_input_are_pages_not_500s(people):
    assert people["viewer"].get("/no-such-page").status_code == 404
    admin = people["admin"]
    assert admin.post("/tokens/99999999999/revoke").status_code == 422  # beyond the id column
    assert admin.post("/tokens/123456/revoke").status_code == 404
    nul = admin.post("/users", {"email": "a@example.org", "name": "A\x00", "role": "viewer"})
    assert nul.status_code == 422 and "NUL" in nul.text
    assert admin.get("/alerts?status=exploded").status_code == 422
    assert admin.get("/response-metrics?days=0").status_code == 422


def test_alerts_and_incident_page__linked_alerts_with_details_withheld_when_phi_flagged(client, db, people, world):
    admin_token = world["bearer"]["admin"]
    made = client.post("/api/v1/integrations", headers={"Authorization": f"Bearer {admin_token}"},
                       json={"type": "pagerduty", "service": factories.CRM, "name": "crm"}).json()
    sent = client.post("/v2/enqueue", json={"routing_key": made["key"], "event_action": "trigger",
                                            "payload": {"summary": "Patient export job failing", "source": "etl-1",
                                                        "severity": "error",
                                                        "custom_details": {"job": "nightly-export"}}})
    assert sent.status_code == 202
    alerts_page = people["viewer"].get("/alerts").text
    ref = re.search(r'href="/incidents/(INC-[^"]+)"', alerts_page).group(1)
    assert "Patient export job failing" in alerts_page and "firing" in alerts_page
    assert "Patient export job failing" not in people["viewer"].get("/alerts?status=resolved").text
    assert "nightly-export" in people["responder"].get(f"/incidents/{ref}").text
    with db.unit_of_work() as s:
        incident = incidents.get(s, ref=ref)
        incident.phi_suspected = True
    withheld = people["responder"].get(f"/incidents/{ref}").text
    assert "nightly-export" not in withheld and "compliance officers and admins only" in withheld
    assert "nightly-export" in people["compliance"].get(f"/incidents/{ref}").text


def test_integrations__an_admin_creates_one_and_sees_its_key_once(client, people):
    admin = people["admin"]
    r = admin.post("/integrations", {"type": "pagerduty", "service": factories.CRM, "name": "Grafana OnCall"})
    assert r.status_code == 201
    key = re.search(r'id="created-key" class="mono" type="text" readonly value="([0-9a-f]{32})"', r.text).group(1)
    assert 'value="http://127.0.0.1:8080/v2/enqueue"' in r.text
    listing = admin.get("/integrations").text
    assert "Grafana OnCall" in listing and key not in listing and key[:6] + "…" in listing
    sent = client.post("/v2/enqueue", json={"routing_key": key, "event_action": "trigger",
                                            "payload": {"summary": "x", "source": "y", "severity": "info"}})
    assert sent.status_code == 202
    assert "Create an integration" not in people["commander"].get("/integrations").text


def test_integrations__bad_options_are_named(people):
    admin = people["admin"]
    for options, message in [("{not json", "options must be a JSON object"), ("[1]", "options must be a JSON object"),
                             ("[" * 5000, "options must be a JSON object"), ('{"a": "\\u0000"}', "NUL"),
                             ("{}", "a generic integration needs options.summary")]:
        r = admin.post("/integrations", {"type": "generic", "service": factories.CRM, "name": "g", "options": options})
        assert r.status_code == 422 and message in r.text, options


def test_users__an_admin_adds_a_user_makes_a_token_shown_once_and_revokes_it(client, people):
    admin = people["admin"]
    r = admin.post("/users", {"email": "New.Nurse@Example.org", "name": "New Nurse", "role": "responder"})
    assert r.status_code == 201 and "new.nurse@example.org" in r.text and "codeblue user set-password" in r.text
    user_id = re.search(r'action="/users/(\d+)/tokens"[^>]*>\s*<input type="hidden" name="csrf_token" value="[^"]+">\s*'
                        r'<label for="token-name-\d+" class="visually-hidden">Token name for new.nurse@example.org',
                        r.text).group(1)
    made = admin.post(f"/users/{user_id}/tokens", {"name": "pager app", "role": "viewer"})
    assert made.status_code == 201
    token = re.search(r'id="new-token" class="mono" type="text" readonly value="(cb_[^"]+)"', made.text).group(1)
    bearer = {"Authorization": f"Bearer {token}"}
    client.cookies.clear()
    assert client.get("/api/v1/incidents", headers=bearer).status_code == 200
    assert client.post("/api/v1/incidents", headers=bearer, json={}).status_code == 403  # a viewer token
    assert token not in admin.get("/users").text
    token_id = re.search(r'action="/tokens/(\d+)/revoke"[^>]*>\s*<input[^>]+>\s*<button[^>]+aria-label="Revoke token '
                         + re.escape(token[:10]), admin.get("/users").text).group(1)
    assert admin.post(f"/tokens/{token_id}/revoke").status_code == 303
    client.cookies.clear()
    assert client.get("/api/v1/incidents", headers=bearer).status_code == 401
    wider = admin.post(f"/users/{user_id}/tokens", {"name": "x", "role": "admin"})
    assert wider.status_code == 422 and "cannot hold a &#39;admin&#39; token" in wider.text
    dup = admin.post("/users", {"email": "new.nurse@example.org", "name": "Again", "role": "responder"})
    assert dup.status_code == 409


def test_oncall_schedules_and_policies__the_seeded_chain_reads_plainly(people, clock):
    viewer = people["viewer"]
    oncall = viewer.get("/oncall").text
    assert "Administrator" in oncall and "Next handoff" in oncall and "UTC" in oncall
    schedules = viewer.get("/schedules").text
    assert "weekly rotation" in schedules and "handoff at 09:00" in schedules
    policies = viewer.get("/escalation-policies").text
    assert "Telehealth CRM API" in policies and "on call:" in policies and "Page " in policies


def test_nav__shows_what_the_role_opens(people):
    assert 'href="/users"' in people["admin"].get("/").text
    viewer = people["viewer"].get("/").text
    assert 'href="/users"' not in viewer and 'href="/response-metrics"' in viewer
    assert 'aria-current="page">Dashboard' in viewer
