"""Wake-ups: a commit that armed a timer or queued a message tells the engines when that work is due.

In this process the word goes straight to each engine's alarm once the transaction commits (never
before: work that rolls back must not look due). On PostgreSQL the same word goes to every other
instance through NOTIFY, which PostgreSQL delivers at commit. On SQLite, processes sharing the
database file (`codeblue serve`, a `codeblue worker`, a CLI command) do the same through datagram
sockets in a directory of that database's own (Peers). So no engine polls to find new work; the
idle poll only backs up a lost LISTEN connection or a lost datagram.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import logging
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from codeblue.clock import Clock

CHANNEL = "codeblue_wake"
KINDS = ("timers", "outbox")
_NOTED = "codeblue_wake"

Subscriber = Callable[[str, datetime], None]
_subscribers: list[Subscriber] = []
_lock = threading.Lock()
_own: set[str] = set()  # this process's Peers sockets: it hears its own commits directly
log = logging.getLogger("codeblue.engine")


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
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and bind.url.database not in (None, "", ":memory:"):
        tell_peers(bind.url.database, noted)


def _payloads(noted: list[tuple[str, datetime]]) -> list[bytes]:
    """One word per kind, for the earliest: as the NOTIFY says."""
    earliest: dict[str, datetime] = {}
    for kind, when in noted:
        earliest[kind] = min(when, earliest.get(kind, when))
    return [f"{kind}|{when.isoformat()}".encode() for kind, when in earliest.items()]


@functools.cache
def peer_dir(database: str) -> Path:
    """Where the engines of one SQLite file keep their sockets: short, as a socket's path must be."""
    digest = hashlib.sha256(str(Path(database).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"codeblue-wake-{digest}"


def tell_peers(database: str, noted: list[tuple[str, datetime]]) -> None:
    """Tell the other processes' engines on this SQLite file; a socket nobody listens on is removed."""
    folder = peer_dir(database)
    try:
        names = os.listdir(folder)
    except OSError:
        return  # no engine has ever listened on this database
    payloads = _payloads(noted)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as out:
        out.setblocking(False)
        for name in names:
            target = str(folder / name)
            if target in _own:
                continue
            try:
                for payload in payloads:
                    out.sendto(payload, target)
            except (ConnectionRefusedError, FileNotFoundError):
                Path(target).unlink(missing_ok=True)  # its process is gone
            except OSError:
                pass  # its queue is full (it has work to wake for already), or a stranger: the poll backs up


class Peers:
    """This process's ear on a SQLite file: other processes' commits arrive as datagrams (see tell_peers)."""

    def __init__(self, database: str) -> None:
        folder = peer_dir(database)
        folder.mkdir(mode=0o700, exist_ok=True)
        self.path = str(folder / f"{os.getpid()}-{uuid.uuid4().hex[:8]}")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(1.0)
        _own.add(self.path)

    def receive(self) -> tuple[str, datetime] | None:
        """The next word from another process, or None after a second of silence."""
        try:
            data = self.sock.recv(512)
        except TimeoutError:
            return None
        return parse(data.decode(errors="replace"))

    def interrupt(self) -> None:
        """Cut a receive() short (the engine is stopping)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as out:
            try:
                out.sendto(b"", self.path)
            except OSError:
                pass

    def close(self) -> None:
        _own.discard(self.path)
        self.sock.close()
        Path(self.path).unlink(missing_ok=True)


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
