"""The public page's read model: states from posts, the 90-day history, and the tables it reads."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from codeblue.auth.actor import SYSTEM
from codeblue.statuspage import service as notices
from tests import factories
from tests.statuspage.conftest import FIELDS, auth_, open_incident
from tests.web.test_accessibility import Page

H = timedelta(hours=1)


def test_history__a_day_shows_the_worst_state_of_each_component(client, tokens, clock):
    ref = open_incident(client, tokens, severity="P2")  # Tuesday 14:00
    h = auth_(tokens)
    client.post(f"/api/v1/incidents/{ref}/status-posts", headers=h, json={"state": "investigating", "body": "Slow."})
    clock.advance(12 * H)  # into Wednesday
    client.post(f"/api/v1/incidents/{ref}/status-posts", headers=h,
                json={"state": "identified", "impact": "major_outage", "body": "Down."})
    clock.advance(24 * H)  # Thursday
    client.post(f"/api/v1/incidents/{ref}/status-posts", headers=h,
                json={"state": "monitoring", "impact": "degraded", "body": "Recovering."})
    page = client.get("/status.json").json()
    days = {d["day"]: d["components"]["Telehealth CRM API"] for d in page["history"]}
    assert (days["2026-03-09"], days["2026-03-10"], days["2026-03-11"], days["2026-03-12"]) == (
        "operational", "degraded", "major_outage", "major_outage")
    assert {d["components"]["Healthcare IVR Platform"] for d in page["history"]} == {"operational"}
    assert page["components"][1] == {"name": "Telehealth CRM API", "state": "degraded"}  # now: the latest post
    clock.advance(24 * H)
    client.post(f"/api/v1/incidents/{ref}/status-posts", headers=h, json={"state": "resolved", "body": "Fixed."})
    page = client.get("/status.json").json()
    assert page["history"][-1] == {"day": "2026-03-13", "components": {
        "Healthcare IVR Platform": "operational", "Telehealth CRM API": "degraded"}}
    assert page["overall"] == "operational" and page["history"][0]["day"] == "2025-12-14"


def test_history__posts_older_than_ninety_days_drop_off(client, tokens, clock):
    ref = open_incident(client, tokens, severity="P1")
    client.post(f"/api/v1/incidents/{ref}/customer-notice/send", headers=auth_(tokens), json=FIELDS)
    client.post(f"/api/v1/incidents/{ref}/status-posts", headers=auth_(tokens), json={"state": "resolved", "body": "Ok."})
    clock.advance(timedelta(days=91))
    page = client.get("/status.json").json()
    assert page["past_incidents"] == [] and {d["components"]["Telehealth CRM API"] for d in page["history"]} == {
        "operational"}


def test_status_page__reads_only_the_status_tables_and_service_names(app, client, tokens, clock):
    ref = open_incident(client, tokens, severity="P1")
    client.post(f"/api/v1/incidents/{ref}/customer-notice/send", headers=auth_(tokens), json=FIELDS)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement.lower())

    engine = app.state.db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert client.get("/status").status_code == 200 and client.get("/status.json").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    tables = {t for s in statements for t in re.findall(r"(?:from|join)\s+\"?(\w+)", s)}
    assert tables == {"services", "status_components", "status_incidents", "status_posts"}


def test_components__renamed_for_customers_or_hidden(client, tokens, db, clock):
    with db.unit_of_work() as s:
        notices.name_component(s, slug=factories.IVR, public_name="Clinic phone line", shown=None, actor=SYSTEM,
                               now=clock.now())
    assert [c["name"] for c in client.get("/status.json").json()["components"]] == [
        "Clinic phone line", "Telehealth CRM API"]
    with db.unit_of_work() as s:
        notices.name_component(s, slug=factories.CRM, public_name=None, shown=False, actor=SYSTEM, now=clock.now())
    assert [c["name"] for c in client.get("/status.json").json()["components"]] == ["Clinic phone line"]


def test_status_page__language_one_heading_labelled_field_and_skip_link_first(client, tokens):
    for path in ("/status", "/status/confirm/not-a-token"):
        page = Page()
        page.feed(client.get(path, headers={"accept": "text/html"}).text)
        assert (page.lang, page.first_link) == ("en", "#main"), path
        assert page.h1 == 1, path
        assert all(c.get("id") in page.labels for c in page.controls), path
