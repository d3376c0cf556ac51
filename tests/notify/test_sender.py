"""The outbox sender: leases, sends with no transaction open, the page gate against acks, orphaned leases."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from codeblue.auth.actor import SYSTEM
from codeblue.incidents import service as incidents
from codeblue.incidents.schemas import IncidentCreate
from codeblue.notify import claims, outbox
from codeblue.notify.channels.webhook import WebhookChannel
from codeblue.notify.delivery import Failed
from codeblue.notify.models import Notification
from codeblue.notify.sender import Sender
from codeblue.oncall import service as oncall
from codeblue.worker import build_engine
from tests import factories
from tests.peers import http_receiver


@pytest.fixture
def receiver():
    with http_receiver() as r:
        yield r


@pytest.fixture
def seeded(db, clock, receiver):
    """The demo chain; its first step reaches the admin, whose one contact method is the receiver."""
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        oncall.add_contact_method(s, user_email="admin@codeblue.local", type_="webhook",
                                  address=f"{receiver.url}/primary", now=clock.now())


@pytest.fixture
def engine(db, clock, settings, seeded):
    return build_engine(db, clock, settings.model_copy(update={"notify_send_timeout_seconds": 3.0}),
                        {"webhook": WebhookChannel()})


def open_incident(db, clock, title: str = "API down") -> str:
    with db.unit_of_work() as s:
        data = IncidentCreate(service=factories.CRM, title=title, facts={"availability": "down"})
        return incidents.create(s, data=data, actor=SYSTEM, now=clock.now()).ref


def acknowledge(db, clock, ref: str) -> None:
    with db.unit_of_work() as s:
        incidents.acknowledge(s, incident=incidents.get(s, ref=ref), actor=SYSTEM, now=clock.now())


def pages(db) -> list[Notification]:
    with db.unit_of_work(readonly=True) as s:
        rows = list(s.scalars(select(Notification).order_by(Notification.id)))
        s.expunge_all()  # readable after the read-only transaction rolls back
        return rows


def another_sender(engine, clock) -> Sender:
    first = engine.sender
    return Sender(first.db, clock, first.channels, send_timeout=first.send_timeout, throttle_per_minute=0)


def test_a_write_during_the_send_is_not_held_up_by_it(db, clock, engine, receiver):
    # The receiver writes to the database before it answers: were the send inside a transaction,
    # on SQLite that write would queue behind it until the send timed out.
    took = []

    def write_then_answer(_got):
        started = time.monotonic()
        open_incident(db, clock, title="raised while the page was on the wire")
        took.append(time.monotonic() - started)
        return 200, b"{}"

    with http_receiver(write_then_answer) as slow:
        with db.unit_of_work() as s:
            oncall.add_contact_method(s, user_email="admin@codeblue.local", type_="webhook",
                                      address=f"{slow.url}/writer", now=clock.now())
        open_incident(db, clock)
        engine.run_modules()
        assert engine.run_sender() == 2
    assert len(took) == 1 and took[0] < 1.0
    assert {(p.address.rsplit("/", 1)[1], p.status, p.attempts) for p in pages(db)} == {("primary", "sent", 1),
                                                                                         ("writer", "sent", 1)}


def test_ack_after_the_claim_but_before_the_send__nothing_is_sent(db, clock, engine, receiver):
    ref = open_incident(db, clock)
    engine.run_modules()
    claimed = engine.sender.claim()
    assert len(claimed) == 1
    acknowledge(db, clock, ref)  # commits while the page is leased: cancel_pages leaves it to the sender
    engine.sender.record(claimed, engine.sender.deliver(claimed))
    assert receiver.requests == []
    [page] = pages(db)
    assert (page.status, page.lease_owner) == ("cancelled", None)


def test_ack_while_the_page_is_on_the_wire__commits_only_after_it_arrived(db, clock, engine):
    arrived, answered = threading.Event(), []

    def slow_answer(_got):
        arrived.set()
        time.sleep(0.5)
        answered.append(time.time())
        return 200, b"{}"

    with http_receiver(slow_answer) as slow:
        with db.unit_of_work() as s:
            oncall.add_contact_method(s, user_email="admin@codeblue.local", type_="webhook",
                                      address=f"{slow.url}/slow", now=clock.now())
        ref = open_incident(db, clock)
        engine.run_modules()
        sending = threading.Thread(target=engine.run_sender)
        sending.start()
        assert arrived.wait(5)
        acknowledge(db, clock, ref)
        committed = time.time()
        sending.join(10)
    assert answered and committed >= answered[0]
    assert {p.status for p in pages(db)} == {"sent"}
    with db.unit_of_work(readonly=True) as s:
        assert incidents.get(s, ref=ref).status == "acknowledged"


def test_ack_before_the_claim__cancels_the_page(db, clock, engine, receiver):
    ref = open_incident(db, clock)
    engine.run_modules()
    acknowledge(db, clock, ref)
    assert engine.run_sender() == 0
    assert receiver.requests == [] and [p.status for p in pages(db)] == ["cancelled"]


def test_a_leased_message_is_not_claimed_by_another_sender(db, clock, engine):
    open_incident(db, clock)
    engine.run_modules()
    assert len(engine.sender.claim()) == 1
    assert another_sender(engine, clock).claim() == []


def test_postgres_senders_skip_each_others_rows_mid_claim(db, clock, engine):
    if db.dialect != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer")
    with db.unit_of_work() as s:
        for n in range(4):
            outbox.enqueue(s, key=f"k{n}", purpose="notify", channel="webhook", address="http://127.0.0.1:9/",
                           subject="s", text="t", now=clock.now())
    first, second = db.session(), db.session()
    try:
        lease = timedelta(seconds=30)
        a = claims.claim(first, owner="a", now=clock.now(), lease=lease, limit=2)
        b = claims.claim(second, owner="b", now=clock.now(), lease=lease, limit=10)
        assert len(a) == 2 and len(b) == 2 and not {c.id for c in a} & {c.id for c in b}
    finally:
        for s in (first, second):
            s.rollback()
            s.close()


def test_an_expired_lease__is_claimed_again_and_delivered_with_the_same_key(db, clock, engine, receiver):
    open_incident(db, clock)
    engine.run_modules()
    crashed = engine.sender.claim()  # and never heard of again
    successor = another_sender(engine, clock)
    assert successor.run_once() == 0
    clock.advance(engine.sender.lease + timedelta(seconds=1))
    assert successor.run_once() == 1
    [got] = receiver.requests
    assert got.headers["idempotency-key"] == crashed[0].idempotency_key
    # The crashed sender's late word (it failed) changes nothing: the message is sent.
    engine.sender.record(crashed, {crashed[0].id: Failed("late", retryable=True)})
    [page] = pages(db)
    assert (page.status, page.attempts, page.lease_owner) == ("sent", 2, None)


def test_leases_of_dead_processes_on_this_host_are_freed_at_start(db, clock, engine, receiver):
    for title in ("one", "two"):
        open_incident(db, clock, title=title)
    engine.run_modules()
    gone = subprocess.Popen(["true"])
    gone.wait()
    host = socket.gethostname()
    with db.unit_of_work() as s:
        dead = claims.claim(s, owner=f"{host}:{gone.pid}:x", now=clock.now(), lease=timedelta(minutes=5), limit=1)
        live = claims.claim(s, owner=claims.owner_id(host, "y"), now=clock.now(), lease=timedelta(minutes=5),
                            limit=1)
    assert engine.sender.release_orphans() == 1
    assert engine.run_sender() == 1
    assert [r.json()["title"] for r in receiver.requests] == ["one"]
    assert {p.id: p.lease_owner for p in pages(db)}[live[0].id] is not None
    assert dead[0].id != live[0].id


def test_throttle__holds_back_what_exceeds_the_rate_per_address(db, clock, engine, receiver):
    throttled = Sender(db, clock, {"webhook": WebhookChannel()}, throttle_per_minute=2)
    with db.unit_of_work() as s:
        for n in range(3):
            outbox.enqueue(s, key=f"k{n}", purpose="notify", channel="webhook", address=f"{receiver.url}/x",
                           subject="s", text=f"t{n}", now=clock.now())
    assert throttled.run_once() == 2
    assert throttled.run_once() == 0
    clock.advance(timedelta(seconds=61))
    assert throttled.run_once() == 1
    texts = [r.json()["text"] for r in receiver.requests]
    assert sorted(texts[:2]) == ["t0", "t1"] and texts[2] == "t2"  # the first two went out together


def test_a_started_engine_wakes_on_the_commit_not_on_a_poll(db, settings, seeded, receiver):
    from codeblue.clock import SystemClock

    clock = SystemClock()
    engine = build_engine(db, clock, settings, {"webhook": WebhookChannel()})
    engine.idle_poll = 30.0  # a poll would not come round within this test
    engine.start()
    try:
        time.sleep(0.2)  # both loops asleep
        started = time.time()
        open_incident(db, clock)
        deadline = started + 10
        while not receiver.requests and time.time() < deadline:
            time.sleep(0.005)
    finally:
        engine.stop()
    # Well inside the 30 s poll, with room for a loaded machine: how fast it is, bench/escalation.py says.
    assert receiver.requests and receiver.requests[0].at - started < 5


@pytest.mark.slow
def test_a_commit_in_another_process_wakes_the_engine_through_notify_or_its_wake_socket(db, settings, seeded, receiver):
    # PostgreSQL tells every instance through NOTIFY; on SQLite the committing process (here
    # `codeblue incident create`) tells the other processes' engines through their wake sockets.
    import os

    from codeblue.clock import SystemClock
    from tests.server import BIN

    engine = build_engine(db, SystemClock(), settings, {"webhook": WebhookChannel()})
    engine.idle_poll = 30.0  # a poll would not come round within this test
    engine.start()
    try:
        env = {**os.environ, "CODEBLUE_DATABASE_URL": db.url, "CODEBLUE_ENV": "test"}
        subprocess.run([str(BIN), "incident", "create", "--service", factories.CRM, "--title", "from the CLI",
                        "--severity", "P0", "--type", "api_down"], env=env, check=True, capture_output=True)
        committed = time.time()  # at the latest
        deadline = committed + 10
        while not receiver.requests and time.time() < deadline:
            time.sleep(0.005)
    finally:
        engine.stop()
    assert receiver.requests and receiver.requests[0].at - committed < 5


def test_close__from_inside_an_event_loop_as_the_server_shuts_down_closes_the_kept_client(db, clock):
    import asyncio

    sender = Sender(db, clock, {})
    sender._runner = asyncio.Runner()
    client = sender._runner.run(_new_client())
    sender._client = client

    async def lifespan_end() -> None:
        sender.close()

    asyncio.run(lifespan_end())
    assert client.is_closed and sender._runner is None and sender._client is None


async def _new_client():
    import httpx

    return httpx.AsyncClient()
