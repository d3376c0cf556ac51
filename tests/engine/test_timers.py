"""Timers as rows: arming, re-arming, firing on the injected clock, isolation of failures, claims."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from codeblue.engine import timers
from codeblue.engine.loop import Engine, TimerModule
from codeblue.engine.models import Timer


@pytest.fixture
def fired():
    return []


@pytest.fixture
def engine(db, clock, fired):
    def ok(session, timer, now):
        fired.append((timer.kind, timer.subject_id, now))

    def boom(session, timer, now):
        raise RuntimeError("handler failed")

    return Engine(db, clock, [TimerModule({"ok": ok, "boom": boom})])


def arm(db, clock, kind, subject, after):
    with db.unit_of_work() as s:
        timers.arm(s, kind=kind, subject_id=subject, due_at=clock.now() + after, now=clock.now())


def test_timer__fires_only_when_due_on_the_injected_clock(db, clock, engine, fired):
    arm(db, clock, "ok", 1, timedelta(minutes=5))
    assert engine.run_once() == 0 and fired == []
    clock.advance(timedelta(minutes=5))
    assert engine.run_once() == 1
    assert fired == [("ok", 1, clock.now())]
    assert engine.run_once() == 0  # done timers are removed


def test_arm__again_moves_the_one_timer(db, clock, engine, fired):
    arm(db, clock, "ok", 1, timedelta(minutes=5))
    arm(db, clock, "ok", 1, timedelta(minutes=10))
    with db.unit_of_work(readonly=True) as s:
        assert len(list(s.scalars(select(Timer)))) == 1
    clock.advance(timedelta(minutes=6))
    assert engine.run_once() == 0
    clock.advance(timedelta(minutes=4))
    assert engine.run_once() == 1


def test_cancel__removes_the_timer(db, clock, engine, fired):
    arm(db, clock, "ok", 1, timedelta(minutes=1))
    with db.unit_of_work() as s:
        timers.cancel(s, kind="ok", subject_id=1)
    clock.advance(timedelta(minutes=2))
    assert engine.run_once() == 0 and fired == []


def test_failing_handler__backs_off_without_stopping_its_neighbours(db, clock, engine, fired):
    arm(db, clock, "boom", 1, timedelta(seconds=1))
    arm(db, clock, "ok", 2, timedelta(seconds=1))
    clock.advance(timedelta(seconds=1))
    engine.run_once()
    assert fired == [("ok", 2, clock.now())]
    with db.unit_of_work(readonly=True) as s:
        [left] = list(s.scalars(select(Timer)))
        assert (left.kind, left.attempts, left.due_at) == ("boom", 1, clock.now() + timedelta(seconds=2))


def test_claim_due__postgres_workers_skip_each_others_locked_rows(db, clock):
    if db.dialect != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer")
    for n in range(4):
        arm(db, clock, "ok", n, timedelta(0))
    first, second = db.session(), db.session()
    try:
        a = timers.claim_due(first, now=clock.now(), limit=2)
        b = timers.claim_due(second, now=clock.now(), limit=10)
        assert {t.subject_id for t in a} | {t.subject_id for t in b} == {0, 1, 2, 3}
        assert not {t.subject_id for t in a} & {t.subject_id for t in b}
    finally:
        first.rollback()
        second.rollback()
        first.close()
        second.close()
