"""The incident page's communications section, the update composer with its preview, template previews; the API's."""

from __future__ import annotations

import pytest

from codeblue.auth import service as auth
from tests import factories
from tests.web.conftest import people, seeded  # noqa: F401 - fixtures shared with the web tests


@pytest.fixture
def ref(db, clock, people):  # noqa: F811
    with db.unit_of_work() as s:
        admin = factories.actor_for(auth.require_user(s, email=people["admin"].email))
        return factories.incident(s, clock.now(), actor=admin, severity="P1", type="high_error_rate",
                                  title="Errors on /visits").ref


def test_composer__preview_then_post_lands_in_the_list_and_the_timeline(db, clock, people, ref):  # noqa: F811
    responder = people["responder"]
    page = responder.get(f"/incidents/{ref}").text
    assert 'action="/incidents/' + ref + '/updates"' in page and "No status update posted yet." in page
    form = {"status": "identified", "actions": "Rolled back 4812", "next_steps": "Watch errors", "eta": "15:30 UTC"}
    preview = responder.post(f"/incidents/{ref}/updates", {**form, "step": "preview"})
    assert preview.status_code == 200
    assert "UPDATE #1 - P1 - Errors on /visits" in preview.text and "nothing has been sent" in preview.text
    assert responder.get(f"/api/v1/incidents/{ref}/updates").status_code == 401  # no API by cookie
    posted = responder.post(f"/incidents/{ref}/updates", {**form, "step": "post"})
    assert posted.status_code == 303 and posted.headers["location"] == f"/incidents/{ref}#comms"
    page = people["viewer"].get(f"/incidents/{ref}").text
    assert "INCIDENT UPDATE #1" in page and "Status update #1: identified" in page
    assert 'action="/incidents/' + ref + '/updates"' not in page  # a viewer reads, does not post


def test_composer__refuses_without_csrf_and_names_a_missing_field(people, ref):  # noqa: F811
    responder = people["responder"]
    form = {"status": "identified", "actions": "a", "next_steps": "n", "step": "post"}
    assert responder.post(f"/incidents/{ref}/updates", form, csrf=False).status_code == 403
    refused = responder.post(f"/incidents/{ref}/updates", {**form, "actions": " "})
    assert refused.status_code == 422 and "actions" in refused.text


def test_template_preview_page__renders_any_template_of_the_pack(people, ref):  # noqa: F811
    page = people["viewer"].get(f"/incidents/{ref}/messages/preview?template=customer_communication")
    assert page.status_code == 200 and "Service Disruption - Telehealth CRM API" in page.text
    assert people["viewer"].get(f"/incidents/{ref}/messages/preview?template=nope").status_code == 400


def test_api_preview__subject_and_body_or_a_400_naming_the_field(client, db, clock, ref):
    token = factories.tokens(db, clock.now())["viewer"]
    h = {"Authorization": f"Bearer {token}"}
    ok = client.post(f"/api/v1/incidents/{ref}/messages/preview", headers=h,
                     json={"template": "status_update", "fields": {"update": {"eta": "soon"}}})
    assert ok.status_code == 200 and ok.json()["subject"] == "UPDATE #0 - P1 - Errors on /visits"
    assert "**ETA**: soon" in ok.json()["body"]
    bad = client.post(f"/api/v1/incidents/{ref}/messages/preview", headers=h,
                      json={"template": "status_update", "fields": {"update": {"mood": "calm"}}})
    assert bad.status_code == 400 and bad.json()["error"]["details"] == {"field": "update.mood"}
    assert "update.mood" in bad.json()["error"]["message"]
    missing = client.post(f"/api/v1/incidents/{ref}/messages/preview", headers=h, json={"template": "nope"})
    assert missing.status_code == 400 and missing.json()["error"]["details"] == {"field": "template"}
