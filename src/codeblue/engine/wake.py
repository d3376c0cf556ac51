"""Wake-ups: a commit that armed a timer or queued a message tells the engines when that work is due.

In this process the word goes straight to each engine's alarm once the transaction commits (never
before: work that rolls back must not look due). On PostgreSQL the same word goes to every other
instance through NOTIFY, which PostgreSQL delivers at commit. So no engine polls to find new work;
the idle poll only backs up a lost LISTEN connection or another process on SQLite.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from codeblue.clock import Clock

CHANNEL = "codeblue_wake"
KINDS = ("timers", "outbox")
_NOTED = "codeblue_wake"

Subscriber = Callable[[str, datetime], None]
_subscribers: list[Subscriber] = []
_lock = threading.Lock()


def due(session: Session, kind: str, when: datetime) -> None:
    """Work of `kind` ("timers" or "outbox") is due at `when`; the engines hear of it on commit."""
    session.info.setdefault(_NOTED, []).append((kind, when))


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # One NOTIFY per kind per transaction, for the earliest: every listener reads the rest itself.
    noted = session.info.get(_NOTED)
    if not noted or session.get_bind().dialect.name != "postgresql":
        return
    for kind in KINDS:
        times = [when for k, when in noted if k == kind]
        if times:
            session.execute(text("SELECT pg_notify(:channel, :payload)"),
                            {"channel": CHANNEL, "payload": f"{kind}|{min(times).isoformat()}"})


def parse(payload: str) -> tuple[str, datetime] | None:
    """A NOTIFY payload back into (kind, when); None for anything else on the channel."""
    kind, _, when = payload.partition("|")
    if kind not in KINDS:
        return None
    try:
        return kind, datetime.fromisoformat(when)
    except ValueError:
        return None


def subscribe(subscriber: Subscriber) -> None:
    with _lock:
        _subscribers.append(subscriber)


def unsubscribe(subscriber: Subscriber) -> None:
    with _lock:
        if subscriber in _subscribers:
            _subscribers.remove(subscriber)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    noted = session.info.pop(_NOTED, None)
    if not noted:
        return
    with _lock:
        subscribers = list(_subscribers)
    for subscriber in subscribers:
        for kind, when in noted:
            subscriber(kind, when)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_NOTED, None)


class Alarm:
    """One engine loop's sleep: until the earliest due time it knows of, a stop, or the idle poll.

    Due times heard while awake are kept in a heap, so a wake-up that arrives mid-pass is not lost
    and one for later does not cut the sleep short.
    """

    # A due time the last pass could not act on (another worker holds the row) is retried this soon,
    # rather than at once in a spin.
    RETRY = timedelta(milliseconds=20)

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[datetime] = []
        self._cond = threading.Condition()
        self._stopped = False

    def at(self, when: datetime) -> None:
        with self._cond:
            heapq.heappush(self._heap, when)
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def reset(self) -> None:
        with self._cond:
            self._stopped = False

    def sleep(self, known: datetime | None, idle: float) -> None:
        """After an idle pass: sleep until `known` (read from the database), a heard due time, or `idle` s."""
        give_up = time.monotonic() + idle
        if known is not None:
            known = max(known, self.clock.now() + self.RETRY)
        with self._cond:
            while not self._stopped:
                now = self.clock.now()
                if self._heap and self._heap[0] <= now:
                    break
                soonest = min([d for d in (known, self._heap[0] if self._heap else None) if d is not None],
                              default=None)
                timeout = give_up - time.monotonic()
                if soonest is not None:
                    timeout = min(timeout, (soonest - now).total_seconds())
                if timeout <= 0:
                    break
                self._cond.wait(timeout)
            # The pass about to run covers everything due by now.
            now = self.clock.now()
            while self._heap and self._heap[0] <= now:
                heapq.heappop(self._heap)
