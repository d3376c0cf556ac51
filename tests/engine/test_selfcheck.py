"""The self-check re-arms open incidents that lost their paging timer, on the injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from codeblue.engine import selfcheck
from codeblue.engine.models import Timer
from codeblue.engine.selfcheck import SelfCheck
from codeblue.oncall import fence
from codeblue.oncall.models import ServicePolicy
from tests.oncall import team
from tests.peers import http_receiver

MINUTE = timedelta(minutes=1)


@pytest.fixture
def receiver():
    with http_receiver() as r:
        yield r


@pytest.fixture
def engine(db, clock, settings, receiver):
    team.two_steps(db, clock, receiver.url)
    engine = team.webhook_engine(db, clock, settings)
    team.drain(engine)  # the self-check's first look, at start-up; next one a minute later
    return engine


def lose_timers(db) -> None:
    with db.unit_of_work() as s:
        s.execute(delete(Timer))


def timers(db) -> list[tuple[str, object]]:
    """Paging timers (the next status update's reminder has its own tests in tests/comms)."""
    with db.unit_of_work(readonly=True) as s:
        return [(t.kind, t.due_at) for t in s.scalars(select(Timer).where(Timer.kind.in_([fence.START, fence.ESCALATE]))
                                                      .order_by(Timer.id))]


def checks(db, ref) -> list[str]:
    return [summary for kind, summary in team.timeline(db, ref) if kind == selfcheck.KIND]


def test_lost_start_timer__rearmed_at_the_next_check_and_the_first_page_goes_out(db, clock, engine, receiver):
    ref = team.open_incident(db, clock)
    lose_timers(db)
    team.drain(engine)
    clock.advance(timedelta(seconds=59))
    team.drain(engine)
    assert team.paths(receiver) == [] and checks(db, ref) == []
    clock.advance(timedelta(seconds=1))
    team.drain(engine)
    assert team.paths(receiver) == ["/primary"]
    [said] = checks(db, ref)
    assert said.startswith("Self-check: no paging timer was armed; re-armed the first page")


def test_lost_escalation_timer__rearmed_for_when_it_was_due_then_the_secondary_is_paged(db, clock, engine, receiver):
    start = clock.now()
    ref = team.open_incident(db, clock)
    team.drain(engine)
    assert team.paths(receiver) == ["/primary"]
    lose_timers(db)
    clock.advance(MINUTE)
    team.drain(engine)
    assert timers(db) == [("escalate", start + 5 * MINUTE)]  # not early: the P0 target is 5 minutes
    assert "re-armed the next escalation step, due 2026-03-10 14:05:00 UTC" in checks(db, ref)[0]
    clock.advance(3 * MINUTE + timedelta(seconds=59))
    team.drain(engine)
    assert team.paths(receiver) == ["/primary"]
    clock.advance(timedelta(seconds=1))
    team.drain(engine)
    assert team.paths(receiver) == ["/primary", "/secondary"]
    assert team.sent(db)[-1] == ("secondary", "sent", start + 5 * MINUTE)


def test_timer_lost_past_its_due_time__fires_at_the_check(db, clock, engine, receiver):
    start = clock.now()
    team.open_incident(db, clock)
    team.drain(engine)
    lose_timers(db)
    clock.advance(12 * MINUTE)
    team.drain(engine)
    assert team.sent(db)[-1] == ("secondary", "sent", start + 12 * MINUTE)


def test_healthy_incident__is_left_alone(db, clock, engine, receiver):
    ref = team.open_incident(db, clock)
    team.drain(engine)
    before = timers(db)
    for _ in range(3):
        clock.advance(MINUTE)
        team.drain(engine)
    assert timers(db) == before and checks(db, ref) == []


@pytest.mark.parametrize("case", ["acknowledged", "exhausted", "no_policy"])
def test_nothing_to_rearm__no_timer_and_no_entry(db, clock, engine, receiver, case):
    if case == "no_policy":
        with db.unit_of_work() as s:
            s.execute(delete(ServicePolicy))
    ref = team.open_incident(db, clock)
    team.drain(engine)
    if case == "acknowledged":
        team.acknowledge(db, clock, ref)
    if case == "exhausted":  # the secondary, the last step, has been paged: nothing further to arm
        clock.advance(5 * MINUTE)
        team.drain(engine)
        assert team.paths(receiver) == ["/primary", "/secondary"]
    for _ in range(5):
        clock.advance(MINUTE)
        team.drain(engine)
    assert timers(db) == [] and checks(db, ref) == []


def test_interval__is_the_configured_one(db, clock, receiver):
    team.two_steps(db, clock, receiver.url)
    check = SelfCheck(30)
    with db.unit_of_work() as s:
        assert check.update(s, clock.now()) == 0
    ref = team.open_incident(db, clock)
    lose_timers(db)
    clock.advance(timedelta(seconds=29))
    with db.unit_of_work() as s:
        assert check.update(s, clock.now()) == 0
    assert check.next_due(None) == clock.now() + timedelta(seconds=1)
    clock.advance(timedelta(seconds=1))
    with db.unit_of_work() as s:
        assert check.update(s, clock.now()) == 1
    assert timers(db) == [("page", clock.now())] and len(checks(db, ref)) == 1


def test_interval__must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        SelfCheck(0)


def test_postgres__two_instances_checking_at_once_rearm_once(db, clock, receiver):
    if db.dialect != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite has one writer")
    team.two_steps(db, clock, receiver.url)
    ref = team.open_incident(db, clock)
    lose_timers(db)
    first, second = db.session(), db.session()
    try:
        assert SelfCheck().update(first, clock.now()) == 1  # holds the lock until it commits
        assert SelfCheck().update(second, clock.now()) == 0
        first.commit()
        second.rollback()
    finally:
        first.close()
        second.close()
    assert len(checks(db, ref)) == 1 and [k for k, _ in timers(db)] == ["page"]


def test_lost_exhaustion_timer__is_rearmed_and_the_policy_then_says_exhausted(db, clock, engine, receiver):
    ref = team.open_incident(db, clock)
    team.drain(engine)
    clock.advance(5 * MINUTE)
    team.drain(engine)  # the secondary, the last step, is paged: its wait runs out 5 minutes on
    lose_timers(db)
    clock.advance(MINUTE)
    team.drain(engine)
    assert timers(db) == [("escalate", clock.now() + 4 * MINUTE)] and len(checks(db, ref)) == 1
    clock.advance(4 * MINUTE)
    team.drain(engine)
    assert [k for k, _ in team.timeline(db, ref)].count("escalation_exhausted") == 1 and timers(db) == []
