"""The customer-notice section of the incident page, its preview and send forms, and the dashboard's third clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from codeblue.auth import service as auth
from tests import factories
from tests.statuspage.conftest import FIELDS
from tests.web.conftest import people, seeded  # noqa: F401 - fixtures shared with the web tests


@pytest.fixture
def ref(db, clock, people):  # noqa: F811
    with db.unit_of_work() as s:
        actor = factories.actor_for(auth.require_user(s, email=people["admin"].email))
        return factories.incident(s, clock.now(), actor=actor, severity="P1", type="general",
                                  title="Video API errors").ref


def test_dashboard__third_clock_counts_down_to_the_customer_notice_then_overdue(people, ref, clock):  # noqa: F811
    page = people["viewer"].get("/").text
    card = page[page.index(f'data-incident="{ref}"'):]
    assert "Customer notice" in card and "1h 00m left" in card and "P1: Notification within 1 hour" in card
    clock.advance(timedelta(minutes=61))
    card = people["viewer"].get("/").text
    assert "<strong>OVERDUE</strong> by 1m 00s" in card[card.index("Customer notice"):]


def test_incident_page__preview_then_send_marks_the_clock_sent(people, ref):  # noqa: F811
    commander = people["commander"]
    page = commander.get(f"/incidents/{ref}").text
    assert 'id="customer-notice"' in page and f'action="/incidents/{ref}/customer-notice/preview"' in page
    preview = commander.post(f"/incidents/{ref}/customer-notice/preview", {**FIELDS, "component_impact": ""})
    assert preview.status_code == 200, preview.text
    assert "P1 Service Disruption - Telehealth CRM API" in preview.text
    assert f'action="/incidents/{ref}/customer-notice/send"' in preview.text
    sent = commander.post(f"/incidents/{ref}/customer-notice/send", {**FIELDS, "state": "investigating"})
    assert sent.status_code == 303
    page = commander.get(f"/incidents/{ref}").text
    assert "Sent" in page[page.index('id="customer-notice"'):] and "slow video visit connections" in page
    assert "Customer notice sent" in page  # the timeline entry
    assert "slow video visit connections" in commander.client.get("/status").text


def test_incident_page__a_responder_may_preview_but_not_send(people, ref):  # noqa: F811
    responder = people["responder"]
    preview = responder.post(f"/incidents/{ref}/customer-notice/preview", FIELDS)
    assert preview.status_code == 200 and "Only a commander can send it." in preview.text
    assert responder.post(f"/incidents/{ref}/customer-notice/send", FIELDS).status_code == 403


def test_incident_page__waive_with_a_reason_and_refuse_a_bad_component_state(people, ref):  # noqa: F811
    commander = people["commander"]
    bad = commander.post(f"/incidents/{ref}/customer-notice/preview", {**FIELDS, "component_impact": "on fire"})
    assert bad.status_code == 422 and "component_impact" in bad.text
    assert commander.post(f"/incidents/{ref}/customer-notice/waive", {"reason": "staff-only tool"}).status_code == 303
    page = commander.get("/").text
    assert "Waived" in page[page.index(f'data-incident="{ref}"'):]


def test_incident_page__public_update_form_posts_to_the_status_page(people, ref):  # noqa: F811
    commander = people["commander"]
    r = commander.post(f"/incidents/{ref}/status-posts", {"state": "identified", "body": "Cause found.", "impact": ""})
    assert r.status_code == 303
    assert "Cause found." in commander.client.get("/status.json").text
