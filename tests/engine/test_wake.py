"""Wake-ups: commits tell the engine when work is due; the alarm sleeps exactly until then."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import pytest

from codeblue.clock import SystemClock
from codeblue.engine import timers, wake


@pytest.fixture
def heard():
    got = []

    def listener(kind, when):
        got.append((kind, when))

    wake.subscribe(listener)
    yield got
    wake.unsubscribe(listener)


def test_a_commit_that_arms_a_timer_is_heard_after_it_commits(db, clock, heard):
    due = clock.now() + timedelta(seconds=30)
    with db.unit_of_work() as s:
        timers.arm(s, kind="ok", subject_id=1, due_at=due, now=clock.now())
        assert heard == []  # not before the commit: a rollback must not look like work
    assert heard == [("timers", due)]


def test_a_rolled_back_arm_is_not_heard(db, clock, heard):
    with pytest.raises(RuntimeError), db.unit_of_work() as s:
        timers.arm(s, kind="ok", subject_id=1, due_at=clock.now(), now=clock.now())
        raise RuntimeError("changed my mind")
    with db.unit_of_work():
        pass
    assert heard == []


def test_notify_payloads_round_trip_and_strangers_are_ignored():
    when = SystemClock().now()
    assert wake.parse(f"outbox|{when.isoformat()}") == ("outbox", when)
    assert wake.parse("something else") is None and wake.parse("timers|not a time") is None


def slept(alarm: wake.Alarm, known=None, idle: float = 5.0, poke=None) -> float:
    if poke is not None:
        threading.Timer(0.05, poke).start()
    started = time.monotonic()
    alarm.sleep(known, idle)
    return time.monotonic() - started


def test_alarm__sleeps_until_the_known_due_time():
    clock = SystemClock()
    assert 0.15 <= slept(wake.Alarm(clock), known=clock.now() + timedelta(seconds=0.2)) < 0.5


def test_alarm__an_earlier_due_time_cuts_the_sleep_short_and_a_later_one_does_not():
    clock = SystemClock()
    alarm = wake.Alarm(clock)
    assert slept(alarm, poke=lambda: alarm.at(clock.now())) < 0.3
    assert 0.25 <= slept(alarm, idle=2.0, poke=lambda: alarm.at(clock.now() + timedelta(seconds=0.3))) < 0.7


def test_alarm__a_due_time_heard_while_awake_is_not_lost():
    clock = SystemClock()
    alarm = wake.Alarm(clock)
    alarm.at(clock.now())
    assert slept(alarm) < 0.05
    assert 0.09 <= slept(alarm, idle=0.1) < 0.3  # used up: the next sleep is a full one


def test_alarm__work_someone_else_holds_is_retried_soon_not_in_a_spin():
    clock = SystemClock()
    assert wake.Alarm.RETRY.total_seconds() * 0.8 <= slept(wake.Alarm(clock), known=clock.now()) < 0.2


def test_sqlite__a_timer_armed_by_another_process_is_fired_at_once_not_at_the_next_poll(tmp_path, sqlite_template):
    import shutil
    import subprocess
    import sys

    from codeblue.db import Database
    from codeblue.engine.loop import Engine, TimerModule

    path = tmp_path / "shared.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    fired = threading.Event()
    engine = Engine(db, SystemClock(), [TimerModule({"ok": lambda s, t, now: fired.set()})], idle_poll=30.0)
    engine.start()
    try:
        time.sleep(0.3)  # its first pass is over and it sleeps on the 30 s poll
        arm = ("from datetime import UTC, datetime; from codeblue.db import Database; from codeblue.engine import timers\n"
               f"db = Database('sqlite:///{path}')\n"
               "with db.unit_of_work() as s:\n"
               "    now = datetime.now(UTC); timers.arm(s, kind='ok', subject_id=7, due_at=now, now=now)\n")
        subprocess.run([sys.executable, "-c", arm], check=True, timeout=60)
        armed = time.monotonic()
        assert fired.wait(10), "the engine slept on its poll"
        assert time.monotonic() - armed < 2.0
    finally:
        engine.stop()
        db.dispose()


def test_sqlite__a_dead_processs_socket_is_removed_when_next_told(tmp_path):
    database = str(tmp_path / "gone.db")
    ear = wake.Peers(database)
    ear.sock.close()  # as a process killed with -9 leaves it: the file, with nobody reading
    wake._own.discard(ear.path)
    wake.tell_peers(database, [("timers", SystemClock().now())])
    assert not os.path.exists(ear.path)
