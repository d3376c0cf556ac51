"""The worker loop: small modules, each run in its own transaction, isolated and timed; and the sender."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from codeblue.clock import Clock
from codeblue.db import Database
from codeblue.engine import timers, txcache, wake
from codeblue.engine.models import Timer

log = logging.getLogger("codeblue.engine")

Handler = Callable[[Session, Timer, datetime], None]
# Reads (and locks) for a batch of one kind's timers; returns the subjects another transaction holds.
Prepare = Callable[[Session, list[Timer], datetime], set[int]]
BUSY_RETRY = timedelta(milliseconds=50)


class Module(Protocol):
    name: str

    def update(self, session: Session, now: datetime) -> int:
        """Do what is due; return how much was done (0 when idle)."""

    def next_due(self, session: Session) -> datetime | None:
        """When this module next has work, if it knows."""


class Sender(Protocol):
    """Does its own short transactions around network I/O (notify.sender.Sender)."""

    name: str

    def run_once(self) -> int: ...

    def next_due(self) -> datetime | None: ...

    def release_orphans(self) -> int: ...


class TimerModule:
    """Fires due timers through the handler registered for their kind.

    A batch is claimed and fired in one transaction. Kinds may register a `prepare` that reads (and
    locks) for the whole batch what their handlers would each read alone: a few queries per batch
    instead of several per timer. The batch runs under one savepoint; should any timer fail, it is
    rolled back and fired again with a savepoint per timer, so a failing timer backs off on its own
    and its neighbours go on.
    """

    name = "timers"

    def __init__(self, handlers: dict[str, Handler], *, batch: int = 10,
                 prepare: dict[str, Prepare] | None = None) -> None:
        self.handlers = handlers
        self.batch = batch
        self.prepare = prepare or {}

    def update(self, session: Session, now: datetime) -> int:
        claimed = timers.claim_due(session, now=now, limit=self.batch)
        if not claimed:
            return 0
        try:
            with session.begin_nested():
                self._fire(session, claimed, now, isolated=False)
        except Exception:
            # Something in the batch failed. Whatever it read is rolled back with it: read again.
            txcache.clear(session)
            self._fire(session, claimed, now, isolated=True)
        return len(claimed)

    def _ready(self, session: Session, claimed: list[Timer], now: datetime) -> list[Timer]:
        """The timers to fire now: those whose subject another transaction holds wait a moment."""
        by_kind: dict[str, list[Timer]] = {}
        for timer in claimed:
            by_kind.setdefault(timer.kind, []).append(timer)
        busy: set[tuple[str, int]] = set()
        for kind, group in by_kind.items():
            if (prepare := self.prepare.get(kind)) is not None:
                busy |= {(kind, subject) for subject in prepare(session, group, now)}
        ready = []
        for timer in claimed:
            if (timer.kind, timer.subject_id) in busy:
                timer.due_at = now + BUSY_RETRY  # an ack holds the incident; by then it has committed
            else:
                ready.append(timer)
        return ready

    def _fire(self, session: Session, claimed: list[Timer], now: datetime, *, isolated: bool) -> None:
        fired = []
        for timer in self._ready(session, claimed, now):
            handler = self.handlers.get(timer.kind)
            if not isolated:
                self._call(handler, session, timer, now)
                fired.append(timer)
                continue
            try:
                with session.begin_nested():
                    self._call(handler, session, timer, now)
                fired.append(timer)
            except timers.Busy:
                timer.due_at = now + BUSY_RETRY
            except Exception:
                log.exception("timer %s/%s failed (attempt %s)", timer.kind, timer.subject_id, timer.attempts + 1)
                txcache.clear(session)
                timer.attempts += 1
                timer.due_at = now + timedelta(seconds=min(300, 2 ** timer.attempts))
        timers.done_many(session, fired)

    @staticmethod
    def _call(handler: Handler | None, session: Session, timer: Timer, now: datetime) -> None:
        if handler is None:
            log.error("no handler for timer kind %s; dropping it", timer.kind)
        else:
            handler(session, timer, now)

    def next_due(self, session: Session) -> datetime | None:
        return timers.next_due(session)


class Engine:
    """The modules in one thread, the sender in another, each asleep until its next due time.

    Apart, so a slow channel never holds up a timer. Wake-ups come from commits in this process and,
    on PostgreSQL, from NOTIFY (engine/wake.py); the idle poll only backs those up.
    """

    def __init__(self, db: Database, clock: Clock, modules: list[Module], *, sender: Sender | None = None,
                 idle_poll: float | None = None) -> None:
        self.db = db
        self.clock = clock
        self.modules = modules
        self.sender = sender
        # Other processes tell this one of new work (NOTIFY on PostgreSQL, datagrams on a SQLite file);
        # the idle poll only backs that up. An in-memory SQLite database has no other process.
        self.idle_poll = idle_poll if idle_poll is not None else 2.0
        self.timings: dict[str, float] = {}
        self.failures: dict[str, int] = {}
        self.alarms = {kind: wake.Alarm(clock) for kind in wake.KINDS}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._peers: wake.Peers | None = None

    def poke(self) -> None:
        """Look again now rather than at the next due time."""
        for alarm in self.alarms.values():
            alarm.at(self.clock.now())

    def _heard(self, kind: str, when: datetime) -> None:
        self.alarms[kind].at(when)

    def run_modules(self) -> int:
        total = 0
        for module in self.modules:
            started = time.perf_counter()
            try:
                with self.db.unit_of_work() as session:
                    total += module.update(session, self.clock.now())
            except Exception:
                self.failures[module.name] = self.failures.get(module.name, 0) + 1
                log.exception("engine module %s failed", module.name)
            self.timings[module.name] = time.perf_counter() - started
        return total

    def run_sender(self) -> int:
        if self.sender is None:
            return 0
        started = time.perf_counter()
        try:
            return self.sender.run_once()
        except Exception:
            self.failures[self.sender.name] = self.failures.get(self.sender.name, 0) + 1
            log.exception("engine sender failed")
            return 0
        finally:
            self.timings[self.sender.name] = time.perf_counter() - started

    def run_once(self) -> int:
        """One pass of everything, in this thread: what tests drive on their own clock."""
        return self.run_modules() + self.run_sender()

    def _modules_due(self) -> datetime | None:
        with self.db.unit_of_work(readonly=True) as session:
            due = [d for m in self.modules if (d := m.next_due(session)) is not None]
        return min(due, default=None)

    def _loop(self, work: Callable[[], int], next_due: Callable[[], datetime | None], alarm: wake.Alarm) -> None:
        while not self._stop.is_set():
            if work():
                continue
            try:
                known = next_due()
            except Exception:
                log.exception("engine could not read the next due time")
                known = None
            alarm.sleep(known, self.idle_poll)

    def start(self) -> None:
        self._stop.clear()
        for alarm in self.alarms.values():
            alarm.reset()
        wake.subscribe(self._heard)
        self._threads = [threading.Thread(target=self._loop, name="codeblue-engine", daemon=True,
                                          args=(self.run_modules, self._modules_due, self.alarms["timers"]))]
        if self.sender is not None:
            try:
                self.sender.release_orphans()
            except Exception:
                log.exception("could not free the leases of dead processes")
            self._threads.append(threading.Thread(target=self._loop, name="codeblue-sender", daemon=True,
                                                  args=(self.run_sender, self.sender.next_due,
                                                        self.alarms["outbox"])))
        if self.db.dialect == "postgresql":
            self._threads.append(threading.Thread(target=self._listen, name="codeblue-listen", daemon=True))
        elif (database := self.db.engine.url.database) not in (None, "", ":memory:"):
            try:
                peers = wake.Peers(database)
            except OSError:
                log.exception("cannot listen for other processes' work; polling every %s s", 0.25)
                self.idle_poll = min(self.idle_poll, 0.25)
            else:
                self._peers = peers
                self._threads.append(threading.Thread(target=self._listen_local, args=(peers,),
                                                      name="codeblue-listen", daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        wake.unsubscribe(self._heard)
        for alarm in self.alarms.values():
            alarm.stop()
        if self._peers is not None:
            self._peers.interrupt()
            self._peers = None
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads = []
        if self.sender is not None and hasattr(self.sender, "close"):
            self.sender.close()

    def _listen_local(self, peers: wake.Peers) -> None:
        """SQLite: another process on this file armed a timer or queued a message; wake for its due time."""
        try:
            self.poke()  # anything armed before this ear was open is found by the next pass
            while not self._stop.is_set():
                try:
                    if (heard := peers.receive()) is not None:
                        self._heard(*heard)
                except Exception:
                    log.exception("could not read another process's wake-up")
                    self._stop.wait(1.0)
        finally:
            peers.close()

    def _listen(self) -> None:
        """PostgreSQL LISTEN: another instance armed a timer or queued a message; wake for its due time."""
        import psycopg

        url = self.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {wake.CHANNEL}")
                    # Anything armed while this connection was down is found by the next pass.
                    self.poke()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            if (heard := wake.parse(note.payload)) is not None:
                                self._heard(*heard)
            except Exception:
                log.exception("LISTEN connection lost; retrying")
                self._stop.wait(1.0)
