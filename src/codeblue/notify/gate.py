"""The page gate: a page on the wire holds its incident's gate shared; stopping the escalation takes it whole.

Pages are sent with no transaction open, so nothing in the database would stop an acknowledgement
from committing while a page for the same incident is going out. The gate does. The sender holds it
from its last look at the fence until the send returns; an acknowledgement takes it before it moves
the fence. So an ack either commits first, and the sender's look sees the new fence and sends nothing,
or it waits for the page already going out and commits after it arrived. Never a page after the ack.

PostgreSQL: advisory locks keyed on the incident. SQLite: a byte-range lock per incident (byte N for
incident N) on a file beside the database; Linux's open-file-description locks, so threads of one
process exclude each other as separate processes do. Neither involves a database row, so holding the
gate cannot deadlock with the row locks of the ack or the sender.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from codeblue.db import Database, sqlite_path

NAMESPACE = 0x43420001  # advisory lock class: "CB" and 1, the page gate
# Longer than any send may take (CODEBLUE_NOTIFY_SEND_TIMEOUT_SECONDS is at most 30): a holder that
# keeps the gate longer is stopped or stuck, and the ack goes ahead rather than wait on it for ever.
MAX_WAIT = 35.0
_OFD = hasattr(fcntl, "F_OFD_SETLK")
_FDS = "codeblue_gate_fds"


def lock_file(url: str) -> Path | None:
    path = sqlite_path(url)
    return path.with_name(path.name + "-pages.lock") if path else None


def _byte_lock(fd: int, kind: int, incident_id: int) -> bool:
    """Try to take (or, with F_UNLCK, drop) the incident's byte; False when someone else holds it."""
    if not _OFD:  # without OFD locks (not Linux), one lock for the whole file: coarser, still correct
        flags = {fcntl.F_RDLCK: fcntl.LOCK_SH, fcntl.F_WRLCK: fcntl.LOCK_EX, fcntl.F_UNLCK: fcntl.LOCK_UN}[kind]
        try:
            fcntl.flock(fd, flags | (fcntl.LOCK_NB if kind != fcntl.F_UNLCK else 0))
            return True
        except BlockingIOError:
            return False
    # struct flock: l_type, l_whence, l_start, l_len, l_pid (0 for OFD locks), padded as the kernel has it.
    spec = struct.pack("hhqqi4x", kind, os.SEEK_SET, incident_id, 1, 0)
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, spec)
        return True
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise


class Held:
    """The sender's side: shared holds on incidents whose pages are about to go out."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._ids: set[int] = set()
        self._conn = None
        self._fd: int | None = None
        if db.dialect == "postgresql":
            self._conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        elif (path := lock_file(db.url)) is not None:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def take(self, incident_id: int) -> bool:
        """Hold the incident's gate; False when its escalation is being stopped right now."""
        if incident_id in self._ids:
            return True
        if self._conn is not None:
            got = self._conn.execute(text("SELECT pg_try_advisory_lock_shared(:ns, :id)"),
                                     {"ns": NAMESPACE, "id": incident_id}).scalar()
        elif self._fd is not None:
            got = _byte_lock(self._fd, fcntl.F_RDLCK, incident_id)
        else:
            got = True  # an in-memory database has no other process to exclude
        if got:
            self._ids.add(incident_id)
        return bool(got)

    def release(self, incident_id: int) -> None:
        if incident_id not in self._ids:
            return
        self._ids.discard(incident_id)
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock_shared(:ns, :id)"), {"ns": NAMESPACE, "id": incident_id})
        elif self._fd is not None and (_OFD or not self._ids):
            _byte_lock(self._fd, fcntl.F_UNLCK, incident_id)

    def close(self) -> None:
        if self._conn is not None:
            try:
                # Session-level advisory locks outlive a pooled connection's reset; drop them here.
                self._conn.execute(text("SELECT pg_advisory_unlock_all()"))
            finally:
                self._conn.close()
        if self._fd is not None:
            os.close(self._fd)  # closing the description drops every lock taken through it
        self._ids.clear()


@contextmanager
def hold(db: Database) -> Iterator[Held]:
    held = Held(db)
    try:
        yield held
    finally:
        held.close()


def block(session: Session, *, incident_id: int) -> None:
    """Take the incident's gate for the rest of this transaction, waiting for any page on the wire."""
    bind = session.get_bind()
    deadline = time.monotonic() + MAX_WAIT
    pause = 0.001
    if bind.dialect.name == "postgresql":
        # The transaction-scoped lock is released by PostgreSQL itself at commit or rollback.
        query = text("SELECT pg_try_advisory_xact_lock(:ns, :id)")
        while not session.execute(query, {"ns": NAMESPACE, "id": incident_id}).scalar():
            if time.monotonic() > deadline:
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.02)
        return
    path = lock_file(bind.url.render_as_string(hide_password=False))
    if path is None:
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    session.info.setdefault(_FDS, []).append(fd)  # closed when the transaction ends: see below
    while not _byte_lock(fd, fcntl.F_WRLCK, incident_id):
        if time.monotonic() > deadline:
            return
        time.sleep(pause)
        pause = min(pause * 2, 0.02)


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction) -> None:
    # After the commit (or rollback), so a sender that gets the gate next sees the committed fence.
    if transaction.parent is None:
        for fd in session.info.pop(_FDS, ()):
            os.close(fd)
