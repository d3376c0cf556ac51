"""Status updates: numbered, rendered with the pack's template, delivered, and reminded of on cadence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from codeblue.auth.actor import SYSTEM
from codeblue.comms import service as comms
from codeblue.comms.schemas import UpdateIn
from codeblue.engine.models import Timer
from codeblue.incidents import service as incidents
from codeblue.notify.models import Notification
from codeblue.oncall.models import ContactMethod, NamedContact
from tests import factories
from tests.comms.conftest import acknowledge, drain, entries, open_incident, paths

M = timedelta(minutes=1)
P0 = {"facts": {"availability": "down"}}  # the CRM pack classifies it P0 API Down: updates every 15 minutes


@pytest.fixture
def bearer(db, clock, world):
    return {role: f"Bearer {t}" for role, t in factories.tokens(db, clock.now()).items()}


def post(client, bearer, ref, role="responder", **body):
    body = {"status": "investigating", "actions": "Restarted the pods", "next_steps": "Check the database", **body}
    return client.post(f"/api/v1/incidents/{ref}/updates", json=body, headers={"Authorization": bearer[role]})


def reminders(db) -> list[tuple[str, str]]:
    with db.unit_of_work(readonly=True) as s:
        # Status-update reminders only: the customer notice has reminders of its own (tests/statuspage).
        rows = s.scalars(select(Notification).where(Notification.purpose == "reminder",
                                                    Notification.idempotency_key.not_like("customer-notice:%"))
                         .order_by(Notification.id))
        return [(n.address.rsplit("/", 1)[-1], n.subject) for n in rows]


def test_post__numbers_renders_and_sends_to_the_stakeholders(db, clock, world, engine, client, bearer):
    ref = open_incident(db, clock, **P0)
    acknowledge(db, clock, ref)
    drain(engine)
    first = post(client, bearer, ref, eta="15:30 UTC")
    clock.advance(10 * M)
    second = post(client, bearer, ref, role="commander", status="identified")
    assert (first.status_code, second.status_code) == (201, 201)
    assert [first.json()["number"], second.json()["number"]] == [1, 2]
    assert first.json()["subject"] == f"UPDATE #1 - P0 - Video visits failing"
    assert "**Actions Completed**: Restarted the pods" in first.json()["body"] and "**ETA**: 15:30 UTC" in first.json()["body"]
    listed = client.get(f"/api/v1/incidents/{ref}/updates", headers={"Authorization": bearer["viewer"]}).json()
    assert [u["number"] for u in listed["items"]] == [1, 2] and listed["cadence_seconds"] == 900
    assert listed["next_update_due_at"].startswith("2026-03-10T14:25:00")
    drain(engine)
    updates = [r for r in world.delivered() if r.json().get("subject", "").startswith("UPDATE #")]
    assert sorted(r.path for r in updates) == ["/cto", "/cto", "/engineering_manager", "/engineering_manager"]
    summaries = entries(db, ref, "status_update")
    assert summaries[0].startswith("Status update #1: investigating (sent to ")


def test_post__refused_for_a_resolved_incident_and_for_bad_input(db, clock, world, client, bearer):
    ref = open_incident(db, clock, **P0)
    assert post(client, bearer, ref, status="").status_code == 422
    assert post(client, bearer, ref, role="viewer").status_code == 403
    with db.unit_of_work() as s:
        incidents.resolve(s, incident=incidents.get(s, ref=ref), actor=SYSTEM, now=clock.now())
    refused = post(client, bearer, ref)
    assert refused.status_code == 409 and "open incidents" in refused.json()["error"]["message"]
    assert client.get(f"/api/v1/incidents/{ref}/updates",
                      headers={"Authorization": bearer["viewer"]}).json()["items"] == []


def test_due__reminds_the_on_call_responder_then_escalates_to_the_manager(db, clock, world, engine):
    ref = open_incident(db, clock, **P0)
    drain(engine)
    acknowledge(db, clock, ref)
    clock.advance(14 * M)
    drain(engine)
    assert reminders(db) == []
    clock.advance(1 * M)  # 15 minutes after the acknowledgement
    drain(engine)
    assert reminders(db) == [("oncall", f"[P0] {ref}: status update #1 due now")]
    assert entries(db, ref, "update_reminder") == ["Status update #1 due now: reminded Administrator (on-call responder)"]
    clock.advance(7 * M)
    drain(engine)
    assert entries(db, ref, "update_escalated") == []
    clock.advance(30 * timedelta(seconds=1))  # half the cadence late
    drain(engine)
    assert entries(db, ref, "update_escalated") == [
        "Status update overdue by 7 min: escalated to Engineering Manager (webhook)"]
    clock.advance(8 * M)  # one cadence late: the responder again, not the manager
    drain(engine)
    assert [who for who, _ in reminders(db)] == ["oncall", "engineering_manager", "oncall"]
    assert len(entries(db, ref, "update_escalated")) == 1
    assert "engineering_manager" in paths(world)


def test_due__the_commander_is_reminded_when_there_is_one(db, clock, world, engine):
    ref = open_incident(db, clock, **P0)
    with db.unit_of_work() as s:
        factories.user(s, "commander", clock.now(), email="ic@example.org")
        s.flush()
        from codeblue.oncall import service as oncall
        oncall.add_contact_method(s, user_email="ic@example.org", type_="webhook", address=f"{world.url}/ic",
                                  now=clock.now())
        incidents.assign_role(s, incident=incidents.get(s, ref=ref), role="commander", email="ic@example.org",
                              actor=SYSTEM, now=clock.now())
    acknowledge(db, clock, ref)
    clock.advance(15 * M)
    drain(engine)
    assert [who for who, _ in reminders(db)] == ["ic"]


def test_posting_an_update__moves_the_next_reminder(db, clock, world, engine):
    ref = open_incident(db, clock, **P0)
    acknowledge(db, clock, ref)
    clock.advance(10 * M)
    with db.unit_of_work() as s:
        comms.post_update(s, incident=incidents.get(s, ref=ref), data=UpdateIn(status="s", actions="a", next_steps="n"),
                          actor=SYSTEM, now=clock.now(), base_url="")
    clock.advance(5 * M)
    drain(engine)
    assert reminders(db) == []
    clock.advance(10 * M)  # 15 minutes after update #1
    drain(engine)
    assert reminders(db) == [("oncall", f"[P0] {ref}: status update #2 due now")]


@pytest.mark.parametrize(("to", "reminded_at_15"), [("P0", True), ("P2", False)])
def test_severity_change__re_times_the_next_update(db, clock, world, engine, to, reminded_at_15):
    ref = open_incident(db, clock, severity="P1", type="high_error_rate")  # every 30 minutes
    acknowledge(db, clock, ref)
    clock.advance(5 * M)
    with db.unit_of_work() as s:
        incidents.change_severity(s, incident=incidents.get(s, ref=ref), severity=to, reason="scope changed",
                                  actor=SYSTEM, now=clock.now())
    clock.advance(10 * M)
    drain(engine)
    assert bool(reminders(db)) is reminded_at_15
    with db.unit_of_work(readonly=True) as s:
        due = s.scalar(select(Timer.due_at).where(Timer.kind == comms.CADENCE_TIMER))
    # P0: reminded at 15 minutes, the escalation is next; P2: due two hours after the acknowledgement.
    assert due == clock.now() + (timedelta(minutes=7, seconds=30) if to == "P0" else 105 * M)


def test_no_reminder_after_resolve(db, clock, world, engine):
    ref = open_incident(db, clock, **P0)
    acknowledge(db, clock, ref)
    clock.advance(5 * M)
    with db.unit_of_work() as s:
        incidents.resolve(s, incident=incidents.get(s, ref=ref), actor=SYSTEM, now=clock.now())
    for _ in range(6):
        clock.advance(15 * M)
        drain(engine)
    assert reminders(db) == [] and entries(db, ref, "update_reminder", "update_escalated") == []
    with db.unit_of_work(readonly=True) as s:
        assert s.scalar(select(Timer).where(Timer.kind == comms.CADENCE_TIMER)) is None


def test_manager_unreachable__the_timeline_says_so(db, clock, world, engine):
    with db.unit_of_work() as s:
        manager = s.scalar(select(NamedContact).where(NamedContact.slug == "engineering_manager"))
        for method in s.scalars(select(ContactMethod).where(ContactMethod.contact_id == manager.id)):
            s.delete(method)
    ref = open_incident(db, clock, **P0)
    acknowledge(db, clock, ref)
    clock.advance(23 * M)
    drain(engine)
    assert entries(db, ref, "update_escalated") == [
        "Status update overdue by 8 min: could not escalate: Engineering Manager has no reachable contact method"]
