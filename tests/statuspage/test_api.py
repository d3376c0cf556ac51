"""Composing, previewing, sending and waiving the customer notice; later public posts; the status page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from codeblue.audit.models import AuditEntry
from codeblue.notify.models import Notification
from codeblue.statuspage.models import Subscriber
from codeblue.web.headers import PUBLIC_CSP
from tests import factories
from tests.statuspage.conftest import FIELDS, auth_, open_incident

CRM_BODY = """We are currently experiencing slow video visit connections affecting joining video visits.

**Impact**: Some patients wait longer to join
**Status**: Investigating
**ETA**: 15:30 UTC

We are working to resolve this issue as quickly as possible and will provide updates every 30 minutes.

For updates, please check our status page: http://testserver/status

Thank you for your patience."""


def confirmed(db, clock, *emails):
    with db.unit_of_work() as s:
        for email in emails:
            s.add(Subscriber(email=email, created_at=clock.now(), confirmed_at=clock.now()))


def test_preview__renders_the_crm_customer_communication_from_customer_fields(client, tokens, settings):
    ref = open_incident(client, tokens, severity="P1")
    r = client.post(f"/api/v1/incidents/{ref}/customer-notice/preview", headers=auth_(tokens, "responder"), json=FIELDS)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["template"] == "customer_communication"
    assert out["subject"] == "P1 Service Disruption - Telehealth CRM API"
    assert out["body"] == CRM_BODY.replace("http://testserver", settings.public_url)


def test_preview__ivr_uses_the_customer_notice_template_added_to_its_pack(client, tokens):
    ref = open_incident(client, tokens, service=factories.IVR, severity="P0")
    out = client.post(f"/api/v1/incidents/{ref}/customer-notice/preview", headers=auth_(tokens), json=FIELDS).json()
    assert out["template"] == "customer_notice"
    assert out["subject"] == "Service Disruption - Healthcare IVR Platform"
    assert "Next Update: within 30 minutes" in out["body"] and "Video API errors" not in out["body"]


def test_preview__changes_nothing(client, tokens, db):
    ref = open_incident(client, tokens)
    client.post(f"/api/v1/incidents/{ref}/customer-notice/preview", headers=auth_(tokens), json=FIELDS)
    assert client.get("/status.json").json()["active_incidents"] == []
    assert client.get(f"/api/v1/incidents/{ref}/customer-notice", headers=auth_(tokens)).json()["status"] == "owed"


def test_send__publishes_emails_confirmed_subscribers_marks_sent_and_records(client, tokens, db, clock):
    confirmed(db, clock, "pat@example.net", "sam@example.net")
    with db.unit_of_work() as s:
        s.add(Subscriber(email="unconfirmed@example.net", created_at=clock.now(), confirm_hash="x" * 64))
    ref = open_incident(client, tokens, severity="P1")
    r = client.post(f"/api/v1/incidents/{ref}/customer-notice/send", headers=auth_(tokens), json=FIELDS)
    assert r.status_code == 200, r.text
    n = r.json()
    assert (n["status"], n["clock"], n["closed_by"]) == ("sent", "sent", "tok-commander@example.org")
    assert [p["state"] for p in n["posts"]] == ["investigating"]
    page = client.get("/status.json").json()
    [active] = page["active_incidents"]
    assert (active["title"], active["component"], active["impact"]) == (
        "Telehealth CRM API service disruption", "Telehealth CRM API", "partial_outage")
    assert {c["name"]: c["state"] for c in page["components"]}["Telehealth CRM API"] == "partial_outage"
    with db.unit_of_work(readonly=True) as s:
        mails = {m.address: (m.channel, m.text) for m in s.scalars(select(Notification).where(
            Notification.purpose == "status"))}
        actions = [a.action for a in s.scalars(select(AuditEntry))]
    assert set(mails) == {"pat@example.net", "sam@example.net"}
    assert mails["pat@example.net"][0] == "email" and "Unsubscribe: " in mails["pat@example.net"][1]
    assert "customer_notice.sent" in actions
    timeline = client.get(f"/api/v1/incidents/{ref}/timeline", headers=auth_(tokens)).json()
    sent = [e for e in timeline if e["kind"] == "customer_notice_sent"]
    assert sent and "emailed 2 subscriber(s)" in sent[0]["summary"]
    again = client.post(f"/api/v1/incidents/{ref}/customer-notice/send", headers=auth_(tokens), json=FIELDS)
    assert again.status_code == 409


def test_send__needs_a_commander(client, tokens):
    ref = open_incident(client, tokens)
    r = client.post(f"/api/v1/incidents/{ref}/customer-notice/send", headers=auth_(tokens, "responder"), json=FIELDS)
    assert r.status_code == 403


def test_send__refuses_missing_fields_and_changes_nothing(client, tokens):
    ref = open_incident(client, tokens)
    r = client.post(f"/api/v1/incidents/{ref}/customer-notice/send", headers=auth_(tokens), json={"description": "x"})
    assert r.status_code == 422
    assert client.get("/status.json").json()["active_incidents"] == []


def test_status_posts__later_updates_move_the_component_and_resolve_it(client, tokens, clock):
    ref = open_incident(client, tokens, severity="P0")
    client.post(f"/api/v1/incidents/{ref}/customer-notice/send", headers=auth_(tokens), json=FIELDS)
    assert client.get("/status.json").json()["overall"] == "major_outage"
    clock.advance(timedelta(minutes=20))
    r = client.post(f"/api/v1/incidents/{ref}/status-posts", headers=auth_(tokens),
                    json={"state": "identified", "impact": "degraded", "body": "We found the cause and are fixing it."})
    assert r.status_code == 201, r.text
    assert client.get("/status.json").json()["components"][0]["state"] in ("degraded", "operational")
    assert client.post(f"/api/v1/incidents/{ref}/resolve", headers=auth_(tokens),
                       json={"override_reason": "recovery verified by hand"}).status_code == 200
    n = client.get(f"/api/v1/incidents/{ref}/customer-notice", headers=auth_(tokens)).json()
    assert n["final_post_offered"] is True
    client.post(f"/api/v1/incidents/{ref}/status-posts", headers=auth_(tokens),
                json={"state": "resolved", "body": "Video visits work normally again."})
    page = client.get("/status.json").json()
    assert page["overall"] == "operational" and page["active_incidents"] == []
    [past] = page["past_incidents"]
    assert [p["state"] for p in past["posts"]] == ["resolved", "identified", "investigating"]
    today = page["history"][-1]
    assert today["components"]["Telehealth CRM API"] == "major_outage"  # the day's worst
    assert len(page["history"]) == 90
    n = client.get(f"/api/v1/incidents/{ref}/customer-notice", headers=auth_(tokens)).json()
    assert n["final_post_offered"] is False


def test_status_post__counts_as_the_notice_when_sent_first(client, tokens):
    ref = open_incident(client, tokens, severity="P1")
    client.post(f"/api/v1/incidents/{ref}/status-posts", headers=auth_(tokens),
                json={"state": "investigating", "body": "Some video visits fail to connect."})
    assert client.get(f"/api/v1/incidents/{ref}/customer-notice", headers=auth_(tokens)).json()["status"] == "sent"


def test_guard__refuses_an_alert_value_or_a_responder_in_public_text(client, tokens):
    ref = open_incident(client, tokens, severity="P1")
    r = client.post(f"/api/v1/incidents/{ref}/status-posts", headers=auth_(tokens),
                    json={"state": "identified", "body": "tok-commander@example.org is on it"})
    assert r.status_code == 422 and "internal detail" in r.json()["error"]["message"]
    r = client.post(f"/api/v1/incidents/{ref}/customer-notice/preview", headers=auth_(tokens),
                    json={**FIELDS, "description": "an outage for MRN: 00482913"})
    assert r.status_code == 422 and "patient data" in r.json()["error"]["message"]
    assert "00482913" not in r.text


def test_guard__refuses_the_title_of_a_phi_flagged_incident(client, tokens):
    ref = open_incident(client, tokens, severity="P1", phi_suspected=True)
    r = client.post(f"/api/v1/incidents/{ref}/customer-notice/send", headers=auth_(tokens),
                    json={**FIELDS, "title": "Video API errors"})
    assert r.status_code == 422, r.text
    assert client.get("/status.json").json()["active_incidents"] == []


def test_status_page__html_without_sign_in_with_its_own_strict_policy(client, tokens):
    ref = open_incident(client, tokens, severity="P1")
    client.post(f"/api/v1/incidents/{ref}/customer-notice/send", headers=auth_(tokens), json=FIELDS)
    client.cookies.clear()
    r = client.get("/status", headers={"accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == PUBLIC_CSP and "script-src" not in PUBLIC_CSP
    assert "Partial outage" in r.text and "Telehealth CRM API service disruption" in r.text
    assert "<script" not in r.text and "/static/status.css" in r.text
    assert ref not in r.text and "Video API errors" not in r.text
    j = client.get("/status.json")
    assert j.status_code == 200 and j.headers["content-security-policy"] == PUBLIC_CSP


def test_status_page__every_catalog_service_is_a_component_operational_by_default(client, tokens):
    page = client.get("/status.json").json()
    assert {c["name"]: c["state"] for c in page["components"]} == {
        "Healthcare IVR Platform": "operational", "Telehealth CRM API": "operational"}
    assert page["overall"] == "operational"
    assert {d["components"]["Telehealth CRM API"] for d in page["history"]} == {"operational"}
