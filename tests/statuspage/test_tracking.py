"""The customer-notice task on the incident: timed on opening, re-timed by severity and user-facing changes,
and reminded through the engine on the injected clock before, at and after its deadline."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from codeblue.alerts import grouping
from codeblue.auth.actor import SYSTEM
from codeblue.notify.models import Notification
from codeblue.policy.rules import Classification
from codeblue.statuspage import tracking
from tests import factories
from tests.statuspage.conftest import FIELDS, auth_, open_incident

M = timedelta(minutes=1)


def notice(client, tokens, ref):
    r = client.get(f"/api/v1/incidents/{ref}/customer-notice", headers=auth_(tokens, "viewer"))
    assert r.status_code == 200, r.text
    return r.json()


def patch(client, tokens, ref, **body):
    r = client.patch(f"/api/v1/incidents/{ref}", headers=auth_(tokens), json={"reason": "re-graded", **body})
    assert r.status_code == 200, r.text


def test_task__owed_when_a_p1_opens_due_within_an_hour(client, tokens, clock):
    ref = open_incident(client, tokens, severity="P1")
    n = notice(client, tokens, ref)
    assert (n["status"], n["clock"], n["mode"]) == ("owed", "due", "within")
    assert n["due_at"][:16] == "2026-03-10T15:00"
    assert n["reason"] == "P1: Notification within 1 hour"


def test_task__ivr_p0_is_due_within_its_fifteen_minute_target(client, tokens):
    ref = open_incident(client, tokens, service=factories.IVR, severity="P0")
    n = notice(client, tokens, ref)
    assert (n["status"], n["mode"]) == ("owed", "immediate") and n["due_at"].startswith("2026-03-10T14:15")


def test_task__retimed_when_severity_changes(client, tokens, clock):
    ref = open_incident(client, tokens, severity="P2")
    assert notice(client, tokens, ref)["status"] == "not_owed"
    clock.advance(10 * M)
    patch(client, tokens, ref, severity="P1")  # owed from the change: an hour from 14:10
    n = notice(client, tokens, ref)
    assert (n["status"], n["owed_since"][:16], n["due_at"][:16]) == ("owed", "2026-03-10T14:10", "2026-03-10T15:10")
    clock.advance(10 * M)
    patch(client, tokens, ref, severity="P0")  # still counted from when it became owed
    assert notice(client, tokens, ref)["due_at"][:16] == "2026-03-10T14:15"
    assert notice(client, tokens, ref)["clock"] == "overdue"
    patch(client, tokens, ref, severity="P3")
    n = notice(client, tokens, ref)
    assert (n["status"], n["due_at"]) == ("not_owed", None)


def test_task__p0_owed_only_once_marked_user_facing(client, tokens, clock):
    ref = open_incident(client, tokens, severity="P0", user_facing=False)
    assert notice(client, tokens, ref)["status"] == "not_owed"
    clock.advance(3 * M)
    patch(client, tokens, ref, user_facing=True)
    n = notice(client, tokens, ref)
    assert (n["status"], n["due_at"][:16]) == ("owed", "2026-03-10T14:08")


def test_task__waived_stays_closed_whatever_changes(client, tokens):
    ref = open_incident(client, tokens, severity="P1")
    r = client.post(f"/api/v1/incidents/{ref}/customer-notice/waive", headers=auth_(tokens),
                    json={"reason": "internal admin tool only"})
    assert r.status_code == 200 and r.json()["status"] == "waived"
    patch(client, tokens, ref, severity="P0")
    n = notice(client, tokens, ref)
    assert (n["status"], n["waive_reason"], n["closed_by"]) == ("waived", "internal admin tool only",
                                                                "tok-commander@example.org")
    again = client.post(f"/api/v1/incidents/{ref}/customer-notice/waive", headers=auth_(tokens), json={"reason": "x y z"})
    assert again.status_code == 409


def reminders(db, address):
    with db.unit_of_work(readonly=True) as s:
        return [n.subject for n in s.scalars(select(Notification).where(
            Notification.purpose == "reminder", Notification.address == address).order_by(Notification.id))]


def test_reminders__before_at_and_after_the_deadline_then_quiet_once_sent(app, client, tokens, clock, db):
    engine = app.state.engine
    ref = open_incident(client, tokens, severity="P1")  # due 15:00
    to = "commander@clinic.example"
    clock.advance(44 * M)
    engine.run_once()
    assert reminders(db, to) == []
    clock.advance(1 * M)  # 14:45, fifteen minutes before
    engine.run_once()
    assert reminders(db, to) == [f"customer notice for {ref} (P1)"]
    clock.advance(15 * M)  # 15:00, at the deadline
    engine.run_once()
    assert reminders(db, to)[-1] == f"OVERDUE: customer notice for {ref} (P1)"
    clock.advance(15 * M)  # and again while overdue
    engine.run_once()
    assert len(reminders(db, to)) == 3
    assert reminders(db, "responder@clinic.example") == []
    r = client.post(f"/api/v1/incidents/{ref}/customer-notice/send", headers=auth_(tokens), json=FIELDS)
    assert r.status_code == 200, r.text
    clock.advance(60 * M)
    engine.run_once()
    assert len(reminders(db, to)) == 3
    kinds = [e["kind"] for e in client.get(f"/api/v1/incidents/{ref}/timeline", headers=auth_(tokens)).json()]
    assert kinds.count("customer_notice_reminder") == 3 and "customer_notice_sent" in kinds


def test_reminders__none_for_a_notice_not_owed(app, client, tokens, clock, db):
    open_incident(client, tokens, severity="P2")
    for _ in range(4):
        clock.advance(30 * M)
        app.state.engine.run_once()
    assert reminders(db, "commander@clinic.example") == []


def test_task__retimed_when_an_alert_raises_the_severity(db, clock, tokens):
    with db.unit_of_work() as s:
        incident = factories.incident(s, clock.now(), actor=SYSTEM, severity="P2", type="general")
        assert tracking.find(s, incident_id=incident.id).status == "not_owed"
        clock.advance(2 * M)
        grouping.raise_to(s, incident=incident, now=clock.now(), actor=SYSTEM,
                          verdict=Classification(severity="P0", type="general", reason="API down", rule_id="x"))
        task = tracking.find(s, incident_id=incident.id)
        assert (task.status, task.severity, task.due_at) == ("owed", "P0", clock.now() + 5 * M)
