"""Paging end to end on the injected clock: pages, escalation on missed targets, acks, retries, PHI safety."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from codeblue.auth.actor import SYSTEM
from codeblue.incidents import service as incidents
from codeblue.incidents.schemas import IncidentCreate
from codeblue.notify.channels.webhook import WebhookChannel, WebhookConfig
from codeblue.notify.models import Notification
from codeblue.oncall import service as oncall
from codeblue.oncall.models import ServicePolicy
from codeblue.worker import build_engine
from tests import factories
from tests.peers import http_receiver


@pytest.fixture
def receiver():
    with http_receiver() as r:
        yield r


@pytest.fixture
def team(db, clock, receiver):
    """Two responders on the CRM chain: primary (the admin from init) and secondary, reached by webhook."""
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        factories.user(s, "responder", clock.now(), email="second@example.org")
        oncall.add_contact_method(s, user_email="admin@codeblue.local", type_="webhook",
                                  address=f"{receiver.url}/primary", now=clock.now())
        oncall.add_contact_method(s, user_email="second@example.org", type_="webhook",
                                  address=f"{receiver.url}/secondary", now=clock.now())
        oncall.create_schedule(s, slug="crm-secondary", name="secondary", tz="UTC", now=clock.now(), layers=[
            {"rotation": {"kind": "weekly", "participants": ["second@example.org"],
                          "start": (clock.now() - timedelta(days=1)).isoformat(), "handoff": "09:00"}}])
        oncall.create_policy(s, slug="crm-test", name="test chain", now=clock.now(), steps=[
            {"delay_seconds": None, "targets": [{"type": "schedule", "ref": "telehealth-crm-primary-oncall"}]},
            {"delay_seconds": None, "targets": [{"type": "schedule", "ref": "crm-secondary"}]},
        ])
        oncall.bind_service(s, service_slug=factories.CRM, policy_slug="crm-test", now=clock.now())


@pytest.fixture
def engine(db, clock, settings):
    return build_engine(db, clock, settings, {"webhook": WebhookChannel(WebhookConfig(signing_secret=None))})


def open_incident(db, clock, **facts) -> str:
    with db.unit_of_work() as s:
        data = IncidentCreate(service=factories.CRM, title="API down", facts=facts or {"availability": "down"})
        return incidents.create(s, data=data, actor=SYSTEM, now=clock.now()).ref


def drain(engine):
    while engine.run_once():
        pass


NOTICE_KINDS = ("notified", "stakeholders_notified")  # the severity's stakeholders: tests/comms


def paths(receiver):
    """Where pages went (a page carries an ack code; stakeholder notices, tested in tests/comms, do not)."""
    return [r.path for r in receiver.delivered() if "ack_code" in r.json()]


def timeline(db, ref):
    with db.unit_of_work(readonly=True) as s:
        return [(e.kind, e.summary) for e in incidents.timeline(s, incident=incidents.get(s, ref=ref))
                if e.kind not in NOTICE_KINDS]


def test_new_incident__pages_the_primary_at_once(db, clock, team, engine, receiver):
    ref = open_incident(db, clock)
    drain(engine)
    assert paths(receiver) == ["/primary"]
    body = receiver.delivered()[0].json()
    assert body["incident_id"] == ref and body["severity"] == "P0" and "/ack/" in body["ack_url"]
    kinds = [k for k, _ in timeline(db, ref)]
    assert kinds[-2:] == ["paging", "page_sent"]


def test_no_ack_within_the_response_target__reaches_the_secondary(db, clock, team, engine, receiver):
    open_incident(db, clock)  # CRM P0: respond within 5 minutes
    drain(engine)
    clock.advance(timedelta(minutes=4, seconds=59))
    drain(engine)
    assert paths(receiver) == ["/primary"]
    clock.advance(timedelta(seconds=1))
    drain(engine)
    assert paths(receiver) == ["/primary", "/secondary"]


def test_p1_waits_its_own_target_of_15_minutes(db, clock, team, engine, receiver):
    open_incident(db, clock, error_rate_pct=12)
    drain(engine)
    clock.advance(timedelta(minutes=14))
    drain(engine)
    assert paths(receiver) == ["/primary"]
    clock.advance(timedelta(minutes=1))
    drain(engine)
    assert paths(receiver) == ["/primary", "/secondary"]


def test_ack__stops_the_escalation(db, clock, team, engine, receiver):
    ref = open_incident(db, clock)
    drain(engine)
    clock.advance(timedelta(minutes=2))
    with db.unit_of_work() as s:
        incidents.acknowledge(s, incident=incidents.get(s, ref=ref), actor=SYSTEM, now=clock.now())
    clock.advance(timedelta(minutes=30))
    drain(engine)
    assert paths(receiver) == ["/primary"]


def test_ack_before_the_first_send__cancels_the_page(db, clock, team, engine, receiver):
    ref = open_incident(db, clock)
    with db.unit_of_work() as s:  # engine has not run: the page is armed but not sent
        incidents.acknowledge(s, incident=incidents.get(s, ref=ref), actor=SYSTEM, now=clock.now())
    drain(engine)
    assert receiver.requests == []


def test_channel_failing_three_times__delivers_exactly_once(db, clock, team, engine, receiver):
    receiver.plan = [500, 500, 500]
    ref = open_incident(db, clock)
    for _ in range(6):
        drain(engine)
        clock.advance(timedelta(seconds=20))
    assert [r.headers["x-test-status"] for r in receiver.requests] == ["500", "500", "500", "200"]
    assert len({r.headers["idempotency-key"] for r in receiver.requests}) == 1
    with db.unit_of_work(readonly=True) as s:
        [page] = [n for n in s.scalars(select(Notification)) if n.address.endswith("/primary")]
        assert (page.status, page.attempts) == ("sent", 4)
    assert timeline(db, ref)[-1][0] in ("page_sent", "paging")


def test_channel_failing_for_good__marks_it_failed_and_escalates_at_once(db, clock, team, engine, receiver):
    receiver.plan = [500] * 5
    ref = open_incident(db, clock)
    for _ in range(8):
        drain(engine)
        clock.advance(timedelta(seconds=40))
    with db.unit_of_work(readonly=True) as s:
        statuses = {n.address.rsplit("/", 1)[1]: n.status for n in s.scalars(select(Notification))}
    assert statuses == {"primary": "failed", "secondary": "sent"}
    assert any(k == "page_failed" for k, _ in timeline(db, ref))
    with db.unit_of_work(readonly=True) as s:
        detected = incidents.get(s, ref=ref).detected_at
        [secondary] = [n.sent_at for n in s.scalars(select(Notification)) if n.address.endswith("/secondary")]
    assert secondary - detected < timedelta(minutes=5)  # heard before the 5-minute target


def test_page__carries_no_alert_details_without_a_phi_safe_channel(db, clock, team, engine, receiver):
    with db.unit_of_work() as s:
        data = IncidentCreate(service=factories.CRM, title="Export job leaked records",
                              facts={"phi_exposure": True, "patient_name": "Jane Roe", "ssn": "123-45-6789"})
        incidents.create(s, data=data, actor=SYSTEM, now=clock.now())
    drain(engine)
    raw = b"".join(r.body for r in receiver.requests)
    assert receiver.requests and b"123-45-6789" not in raw and b"Jane Roe" not in raw


def test_no_policy__is_said_on_the_timeline(db, clock, engine):
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        s.execute(delete(ServicePolicy))
    ref = open_incident(db, clock)
    drain(engine)
    assert timeline(db, ref)[-1] == ("paging", "No escalation policy for this service: nobody was paged")


def test_a_timer_whose_incident_is_locked__steps_aside_instead_of_waiting(db, clock, team, engine, receiver):
    # An ack locks the incident, then deletes its timers; a timer handler that waited for the incident
    # while holding its timer row would be the other half of a deadlock.
    if db.dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer")
    import threading

    from codeblue.incidents.models import Incident

    ref = open_incident(db, clock)
    drain(engine)
    clock.advance(timedelta(minutes=5))
    holder = db.session()
    try:
        holder.execute(select(Incident.id).where(Incident.ref == ref).with_for_update())
        passing = threading.Thread(target=engine.run_modules)
        passing.start()
        passing.join(5)
        assert not passing.is_alive()
        assert paths(receiver) == ["/primary"] and engine.failures == {}
    finally:
        holder.rollback()
        holder.close()
    clock.advance(timedelta(seconds=1))
    drain(engine)
    assert paths(receiver) == ["/primary", "/secondary"]


def test_a_page_failing_for_good_after_the_next_step_fired__does_not_skip_a_step(db, clock, settings):
    with http_receiver(lambda got: (500, b"down") if got.path == "/first" else (200, b"{}")) as rx:
        factories.seed(db, clock.now())
        with db.unit_of_work() as s:
            for name in ("second", "third"):
                factories.user(s, "responder", clock.now(), email=f"{name}@example.org")
            for email, path in (("admin@codeblue.local", "first"), ("second@example.org", "second"),
                                ("third@example.org", "third")):
                oncall.add_contact_method(s, user_email=email, type_="webhook", address=f"{rx.url}/{path}",
                                          now=clock.now())
            oncall.create_policy(s, slug="three", name="three steps", now=clock.now(), steps=[
                {"delay_seconds": 10, "targets": [{"type": "user", "ref": "admin@codeblue.local"}]},
                {"delay_seconds": 300, "targets": [{"type": "user", "ref": "second@example.org"}]},
                {"delay_seconds": None, "targets": [{"type": "user", "ref": "third@example.org"}]},
            ])
            oncall.bind_service(s, service_slug=factories.CRM, policy_slug="three", now=clock.now())
        engine = build_engine(db, clock, settings, {"webhook": WebhookChannel()})
        ref = open_incident(db, clock)
        # Step 1's page retries with backoff (2, 4, 8, 16 s) and fails for good at about 30 s;
        # step 2 fired at 10 s and waits 300 s for an answer.
        for _ in range(12):
            drain(engine)
            clock.advance(timedelta(seconds=5))
        seen = [r.path for r in rx.requests]
        assert seen.count("/first") == 5 and seen.count("/second") == 1 and "/third" not in seen
        assert [k for k, _ in timeline(db, ref)].count("page_failed") == 1
        clock.advance(timedelta(seconds=250))  # 310 s: step 2's own wait is over
        drain(engine)
        assert [r.path for r in rx.requests].count("/third") == 1
