"""The worker loop: small modules, each run in its own transaction, isolated and timed."""

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
from codeblue.engine import timers
from codeblue.engine.models import Timer

log = logging.getLogger("codeblue.engine")

Handler = Callable[[Session, Timer, datetime], None]


class Module(Protocol):
    name: str

    def update(self, session: Session, now: datetime) -> int:
        """Do what is due; return how much was done (0 when idle)."""

    def next_due(self, session: Session) -> datetime | None:
        """When this module next has work, if it knows."""


class TimerModule:
    """Fires due timers through the handler registered for their kind."""

    name = "timers"

    def __init__(self, handlers: dict[str, Handler], *, batch: int = 50) -> None:
        self.handlers = handlers
        self.batch = batch

    def update(self, session: Session, now: datetime) -> int:
        fired = 0
        for timer in timers.claim_due(session, now=now, limit=self.batch):
            handler = self.handlers.get(timer.kind)
            try:
                with session.begin_nested():
                    if handler is None:
                        log.error("no handler for timer kind %s; dropping it", timer.kind)
                    else:
                        handler(session, timer, now)
                    timers.done(session, timer)
            except Exception:
                # Isolated: this timer backs off and retries; its neighbours in the batch go on.
                log.exception("timer %s/%s failed (attempt %s)", timer.kind, timer.subject_id, timer.attempts + 1)
                timer.attempts += 1
                timer.due_at = now + timedelta(seconds=min(300, 2 ** timer.attempts))
            fired += 1
        return fired

    def next_due(self, session: Session) -> datetime | None:
        return timers.next_due(session)


class Engine:
    """Runs every module in turn; sleeps until the earliest due time, a poke, or the idle poll."""

    def __init__(self, db: Database, clock: Clock, modules: list[Module], *, idle_poll: float | None = None) -> None:
        self.db = db
        self.clock = clock
        self.modules = modules
        self.idle_poll = idle_poll if idle_poll is not None else (1.0 if db.dialect == "postgresql" else 0.1)
        self.timings: dict[str, float] = {}
        self.failures: dict[str, int] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def poke(self) -> None:
        """Something was armed in this process: look again now rather than at the next poll."""
        self._wake.set()

    def run_once(self) -> int:
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

    def _sleep_for(self) -> float:
        due: list[datetime] = []
        try:
            with self.db.unit_of_work(readonly=True) as session:
                due = [d for m in self.modules if (d := m.next_due(session)) is not None]
        except Exception:
            log.exception("engine could not read the next due time")
        if not due:
            return self.idle_poll
        return max(0.0, min(self.idle_poll, (min(due) - self.clock.now()).total_seconds()))

    def run_forever(self) -> None:
        while not self._stop.is_set():
            if self.run_once():
                continue
            self._wake.wait(self._sleep_for())
            self._wake.clear()

    def start(self) -> None:
        self._stop.clear()
        self._threads = [threading.Thread(target=self.run_forever, name="codeblue-engine", daemon=True)]
        if self.db.dialect == "postgresql":
            self._threads.append(threading.Thread(target=self._listen, name="codeblue-listen", daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []

    def _listen(self) -> None:
        """PostgreSQL LISTEN: another instance armed a timer; wake now."""
        import psycopg

        url = self.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {timers.NOTIFY_CHANNEL}")
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self._wake.set()
            except Exception:
                log.exception("LISTEN connection lost; retrying")
                self._stop.wait(1.0)
