"""The status page's PHI guard: a canary in every private field of an incident never reaches /status,
/status.json or a subscriber's email, whichever path the incident takes. Email goes through a real
SMTP peer (aiosmtpd), so what is checked is what subscribers would receive."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from codeblue.settings import Settings
from tests import factories
from tests.alerts.senders import create_integration, deliver
from tests.notify.fakes import smtp_server
from tests.statuspage.conftest import FIELDS, auth_

CANARY = "CANARY7Q4ZPHI"
M = timedelta(minutes=1)


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def settings(tmp_path, smtp):
    _, port = smtp
    return Settings(env="test", auto_migrate=False, run_engine=False, database_url=f"sqlite:///{tmp_path}/unused.db",
                    smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", smtp_from="status@clinic.example")


def alert(status: str) -> dict:
    return {"version": "4", "receiver": "codeblue", "status": status, "groupKey": "{}:{}", "truncatedAlerts": 0,
            "externalURL": "http://alertmanager:9093", "alerts": [{
                "status": status, "fingerprint": "c4n4ry",
                "labels": {"alertname": f"Latency{CANARY}", "patient_ref": f"pt-{CANARY}", "job": "crm-api"},
                "annotations": {"summary": f"Latency for patient {CANARY} lookups",
                                "description": f"payload {CANARY} details"},
                "startsAt": "2026-03-10T13:58:00Z",
                "endsAt": "2026-03-10T14:30:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph"}]}


def drain(app):
    for _ in range(50):
        if not app.state.engine.run_once():
            return


def mails_to(collector, address):
    return [collector.parsed(i) for i, e in enumerate(collector.envelopes) if address in e.rcpt_tos]


def test_canary__never_reaches_the_status_page_or_subscriber_email(app, client, tokens, clock, smtp, db):
    collector, _ = smtp
    admin, commander, responder = auth_(tokens, "admin"), auth_(tokens), auth_(tokens, "responder")
    reader = "reader@patients.example"

    # A subscriber, confirmed through the emailed link.
    assert client.post("/status/subscribe", data={"email": reader}, headers={"accept": "text/html"}).status_code == 200
    drain(app)
    [confirmation] = mails_to(collector, reader)
    token = re.search(r"/status/confirm/(\S+)", confirmation.get_content()).group(1)
    assert client.get(f"/status/confirm/{token}").status_code == 200

    # Opened by an alert whose summary, labels and annotations carry the canary; PHI-flagged; noted.
    key = create_integration(client, admin, "alertmanager", factories.CRM)
    assert deliver(client, "alertmanager", key, alert("firing")).status_code == 202
    [incident] = client.get("/api/v1/incidents", headers=commander).json()["items"]
    ref = incident["id"]
    assert CANARY in incident["title"]
    r = client.patch(f"/api/v1/incidents/{ref}", headers=commander, json={
        "description": f"Lookup for {CANARY} failing", "phi_suspected": True, "reason": f"seen {CANARY}",
        "roles": {"commander": "tok-commander@example.org"}})
    assert r.status_code == 200, r.text
    client.post(f"/api/v1/incidents/{ref}/notes", headers=responder, json={"text": f"patient {CANARY} affected"})
    assert client.post(f"/api/v1/incidents/{ref}/acknowledge", headers=responder).status_code == 200
    clock.advance(5 * M)
    r = client.patch(f"/api/v1/incidents/{ref}", headers=commander, json={"severity": "P1",
                                                                         "reason": f"worse for {CANARY}"})
    assert r.status_code == 200, r.text

    # Public text that would carry the canary is refused, on every write path.
    leaky = {**FIELDS, "description": f"delays for {CANARY} lookups"}
    for path, body in ((f"/api/v1/incidents/{ref}/customer-notice/preview", leaky),
                       (f"/api/v1/incidents/{ref}/customer-notice/send", leaky),
                       (f"/api/v1/incidents/{ref}/customer-notice/send", {**FIELDS, "title": incident["title"]}),
                       (f"/api/v1/incidents/{ref}/status-posts", {"state": "identified", "body": f"fixing {CANARY}"})):
        r = client.post(path, headers=commander, json=body)
        assert r.status_code == 422, (path, r.text)
        assert CANARY not in r.text

    # The notice, an update, the auto-resolve when the alert clears, the final post.
    assert client.post(f"/api/v1/incidents/{ref}/customer-notice/send", headers=commander,
                       json=FIELDS).status_code == 200
    clock.advance(10 * M)
    assert client.post(f"/api/v1/incidents/{ref}/status-posts", headers=commander,
                       json={"state": "identified", "body": "We found the cause."}).status_code == 201
    clock.advance(10 * M)
    assert deliver(client, "alertmanager", key, alert("resolved")).status_code == 202
    assert client.get(f"/api/v1/incidents/{ref}", headers=commander).json()["status"] == "monitoring"
    assert client.post(f"/api/v1/incidents/{ref}/resolve", headers=commander,
                       json={"override_reason": "recovery verified by hand"}).status_code == 200
    assert client.post(f"/api/v1/incidents/{ref}/status-posts", headers=commander,
                       json={"state": "resolved", "body": "Video visits work normally again."}).status_code == 201
    drain(app)

    client.cookies.clear()
    html, js = client.get("/status").text, client.get("/status.json").text
    assert "We found the cause." in html and "Video visits work normally again." in js
    for page in (html, js):
        assert CANARY not in page and ref not in page and "tok-commander" not in page
    updates = mails_to(collector, reader)[1:]
    # The sender delivers a batch concurrently, so the mails may arrive in any order.
    assert sorted(m["Subject"] for m in updates) == ["P1 Service Disruption - Telehealth CRM API",
                                                     "Telehealth CRM API: identified", "Telehealth CRM API: resolved"]
    for mail in updates:
        assert CANARY not in mail.as_string() and ref not in mail.as_string()
        assert "/status/unsubscribe/" in mail.get_content()

    # The unsubscribe link in each email works, and nothing follows it.
    link = re.search(r"/status/unsubscribe/(\S+)", updates[-1].get_content()).group(1)
    assert client.get(f"/status/unsubscribe/{link}").status_code == 200
    assert client.post(f"/status/unsubscribe/{link}").status_code == 200
    assert client.get(f"/status/unsubscribe/{link}").status_code == 404
