"""Follow-up actions, and the engine's reminders for follow-ups and reviews on the injected clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from codeblue.auth import service as auth
from codeblue.notify.models import Notification
from codeblue.oncall.models import ContactMethod
from tests import factories


@pytest.fixture
def tokens(db, clock):
    factories.seed(db, clock.now())
    out = factories.tokens(db, clock.now())
    with db.unit_of_work() as s:
        for role in ("commander", "responder"):
            user = auth.get_user(s, email=f"tok-{role}@example.org")
            s.add(ContactMethod(user_id=user.id, type="email", address=f"{role}@clinic.example",
                                created_at=clock.now()))
    return out


def auth_(tokens, role="commander"):
    return {"Authorization": f"Bearer {tokens[role]}"}


def resolve_new(client, tokens, title="API down"):
    h = auth_(tokens)
    ref = client.post("/api/v1/incidents", headers=h, json={"service": factories.CRM, "title": title}).json()["id"]
    client.patch(f"/api/v1/incidents/{ref}", headers=h, json={"roles": {"commander": "tok-commander@example.org"}})
    assert client.post(f"/api/v1/incidents/{ref}/resolve", headers=h).status_code == 200
    return ref


def add(client, tokens, ref, title, due_on, priority="medium", owner="tok-responder@example.org"):
    r = client.post(f"/api/v1/incidents/{ref}/follow-ups", headers=auth_(tokens, "responder"),
                    json={"title": title, "owner": owner, "due_on": due_on, "priority": priority})
    assert r.status_code == 201, r.text
    return r.json()


def reminders_to(db, address):
    with db.unit_of_work(readonly=True) as s:
        return [n.subject for n in s.scalars(select(Notification).where(
            Notification.purpose == "reminder", Notification.address == address).order_by(Notification.id))]


def test_follow_up__linked_to_incident_and_review_and_on_the_timeline(client, tokens):
    ref = resolve_new(client, tokens)
    item = add(client, tokens, ref, "Alert on pool saturation", "2026-03-20", "high")
    assert (item["incident"], item["owner"], item["status"], item["priority"]) == (
        ref, "tok-responder@example.org", "open", "high")
    review = client.get(f"/api/v1/incidents/{ref}/review", headers=auth_(tokens)).json()
    assert [f["id"] for f in review["follow_ups"]] == [item["id"]]
    timeline = client.get(f"/api/v1/incidents/{ref}/timeline", headers=auth_(tokens)).json()
    assert any(e["kind"] == "follow_up_added" and "Alert on pool saturation" in e["summary"] for e in timeline)


def test_follow_ups__across_incidents_overdue_first_then_by_due_date_and_priority(client, tokens, clock):
    a, b = resolve_new(client, tokens, "first"), resolve_new(client, tokens, "second")
    today = clock.now().date()
    later_low = add(client, tokens, a, "later low", str(today + timedelta(days=5)), "low")
    later_high = add(client, tokens, b, "later high", str(today + timedelta(days=5)), "high")
    soon = add(client, tokens, b, "soon", str(today + timedelta(days=1)))
    due_today = add(client, tokens, a, "due today", str(today))
    done = add(client, tokens, a, "done already", str(today))
    client.patch(f"/api/v1/follow-ups/{done['id']}", headers=auth_(tokens), json={"status": "done"})
    clock.advance(timedelta(days=2))  # "due today" and "soon" are now overdue
    r = client.get("/api/v1/follow-ups", headers=auth_(tokens, "viewer"))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["title"] for i in items] == ["due today", "soon", "later high", "later low"]
    assert [i["overdue"] for i in items] == [True, True, False, False]
    assert {i["incident"] for i in items} == {a, b}
    everything = client.get("/api/v1/follow-ups?status=done", headers=auth_(tokens)).json()["items"]
    assert [i["title"] for i in everything] == ["done already"]
    assert later_low["id"] != later_high["id"] != soon["id"]


def test_follow_up__wont_do_needs_a_resolution(client, tokens):
    ref = resolve_new(client, tokens)
    item = add(client, tokens, ref, "Rewrite the pool", "2026-04-01")
    r = client.patch(f"/api/v1/follow-ups/{item['id']}", headers=auth_(tokens), json={"status": "wont_do"})
    assert r.status_code == 422 and r.json()["error"]["details"] == {"field": "resolution"}
    r = client.patch(f"/api/v1/follow-ups/{item['id']}", headers=auth_(tokens),
                     json={"status": "wont_do", "resolution": "superseded by the new pool library"})
    assert r.status_code == 200 and r.json()["status"] == "wont_do" and r.json()["closed_at"]


@pytest.mark.parametrize(("body", "status", "mentions"), [
    ({"title": "x", "owner": "nobody@example.org", "due_on": "2026-04-01"}, 404, "nobody@example.org"),
    ({"title": "x", "owner": "tok-responder@example.org", "due_on": "2026-02-30"}, 422, "due_on"),
    ({"title": "x", "owner": "tok-responder@example.org", "due_on": "9999-12-31"}, 422, "due_on"),
    ({"title": "x", "owner": "tok-responder@example.org", "due_on": "2026-04-01", "priority": "urgent"}, 422,
     "priority"),
    ({"owner": "tok-responder@example.org", "due_on": "2026-04-01"}, 422, "title"),
])
def test_follow_up__bad_input_is_refused_naming_the_problem(client, tokens, body, status, mentions):
    ref = resolve_new(client, tokens)
    r = client.post(f"/api/v1/incidents/{ref}/follow-ups", headers=auth_(tokens), json=body)
    assert r.status_code == status, r.text
    assert mentions in r.text


def test_follow_up__viewer_may_read_not_write(client, tokens):
    ref = resolve_new(client, tokens)
    r = client.post(f"/api/v1/incidents/{ref}/follow-ups", headers=auth_(tokens, "viewer"),
                    json={"title": "x", "owner": "tok-responder@example.org", "due_on": "2026-04-01"})
    assert r.status_code == 403
    assert client.get("/api/v1/follow-ups/999999", headers=auth_(tokens, "viewer")).status_code == 404


def test_engine__reminds_the_owner_on_the_due_date_and_when_overdue(app, client, tokens, clock, db):
    ref = resolve_new(client, tokens)
    due = clock.now().date() + timedelta(days=3)
    item = add(client, tokens, ref, "Alert on pool saturation", str(due))
    engine = app.state.engine
    engine.run_once()
    assert reminders_to(db, "responder@clinic.example") == []
    clock.set(clock.now().replace(year=due.year, month=due.month, day=due.day, hour=0, minute=0))
    engine.run_once()
    assert reminders_to(db, "responder@clinic.example") == [f"follow-up for {ref}: Alert on pool saturation"]
    clock.advance(timedelta(days=1))
    engine.run_once()
    assert reminders_to(db, "responder@clinic.example")[-1] == f"OVERDUE: follow-up for {ref}: Alert on pool saturation"
    client.patch(f"/api/v1/follow-ups/{item['id']}", headers=auth_(tokens), json={"status": "done"})
    clock.advance(timedelta(days=8))
    engine.run_once()
    assert len(reminders_to(db, "responder@clinic.example")) == 2  # done: no more reminders
    kinds = [e["kind"] for e in client.get(f"/api/v1/incidents/{ref}/timeline", headers=auth_(tokens)).json()]
    assert kinds.count("follow_up_reminder") == 2


def test_engine__reminds_the_commander_before_the_review_is_due_and_when_overdue(app, client, tokens, clock, db):
    ref = resolve_new(client, tokens)
    engine = app.state.engine
    clock.advance(timedelta(hours=21, minutes=59))
    engine.run_once()
    assert reminders_to(db, "commander@clinic.example") == []
    clock.advance(timedelta(minutes=1))  # 2 hours before the 24-hour deadline
    engine.run_once()
    assert reminders_to(db, "commander@clinic.example") == [f"post-incident review of {ref}"]
    clock.advance(timedelta(hours=2))
    engine.run_once()
    assert reminders_to(db, "commander@clinic.example")[-1] == f"OVERDUE: post-incident review of {ref}"
    review = client.get(f"/api/v1/incidents/{ref}/review", headers=auth_(tokens)).json()
    assert review["overdue"] is True
    clock.advance(timedelta(days=1))
    engine.run_once()
    assert len(reminders_to(db, "commander@clinic.example")) == 3  # overdue again a day later
    timeline = client.get(f"/api/v1/incidents/{ref}/timeline", headers=auth_(tokens)).json()
    assert [e["summary"] for e in timeline if e["kind"] == "review_reminder"][0].startswith(
        "Post-incident review due 2026-03-11 14:00 UTC: reminded Commander")
    assert date.fromisoformat(review["due_at"][:10]) == date(2026, 3, 11)
