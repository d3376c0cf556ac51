"""Engine, declarative base, column types and the unit of work, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from codeblue import jsontext

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_AUTOCHECKPOINT_PAGES = 10_000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both databases (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def _configure_sqlite(engine: Engine, lock_path: Path | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        if lock_path is not None:
            record.info["writer_lock"] = WriterLock(lock_path)
        # Take transaction control from the driver so BEGIN IMMEDIATE below is the only BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Commits leave checkpoints to Database.checkpoints() (a thread, off the request path); this
        # larger automatic threshold only matters where that thread is not running, as in the CLI.
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that reads and then writes can fail at once with SQLITE_BUSY
        # when another writer committed in between; taking the write lock up front makes
        # writers queue on the busy timeout instead. Read-only work opts out.
        readonly = conn.get_execution_options().get("readonly")
        lock = conn.connection.info.get("writer_lock")
        if lock is not None and not readonly:
            lock.acquire()
        conn.exec_driver_sql(f"BEGIN {'DEFERRED' if readonly else 'IMMEDIATE'}")

    @event.listens_for(engine, "reset")
    def _on_reset(_dbapi_connection: Any, record: Any, _state: Any) -> None:
        lock = record.info.get("writer_lock")
        if lock is not None:
            lock.release()

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_connection: Any, record: Any) -> None:
        lock = record.info.pop("writer_lock", None)
        if lock is not None:
            lock.close()


class WriterLock:
    """A lock file shared by every process on one SQLite database, taken before each write transaction.

    SQLite's own busy handler polls with sleeps of up to 100 ms, so writers in several processes
    (`codeblue serve --workers N`, a CLI command, `codeblue worker`) queue unfairly and slowly;
    a blocking flock wakes the next writer the moment the last one lets go.
    """

    _holders = threading.local()  # a thread that holds one already must not wait on it for a second connection

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._held = False

    def acquire(self) -> None:
        if self._held or getattr(self._holders, "count", 0):
            return  # nested in this thread's own write: SQLite's busy timeout decides, as without the lock
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self._held = True
        self._holders.count = 1

    def release(self) -> None:
        if self._held:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._held = False
            self._holders.count = 0

    def close(self) -> None:
        self.release()
        os.close(self._fd)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create an engine with the settings each database needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, pool_size=pool_size, max_overflow=20, pool_timeout=60,
                               json_serializer=jsontext.dumps, json_deserializer=jsontext.loads)
        path = sqlite_path(url)
        _configure_sqlite(engine, path.with_name(path.name + "-writer.lock") if path else None)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True,
                         json_serializer=jsontext.dumps, json_deserializer=jsontext.loads)


class Database:
    """An engine and its session factories; one per process."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(readonly=True), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, readonly: bool = False) -> Session:
        return (self._read_sessions if readonly else self._sessions)()

    @contextmanager
    def unit_of_work(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error."""
        session = self.session(readonly=readonly)
        try:
            yield session
            if readonly:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def checkpoints(self, *, every: float = 0.5) -> Iterator[None]:
        """On SQLite, move the write-ahead log into the database file from a thread of its own.

        Otherwise the commit that crosses the threshold does it, and that request waits; sqlite3 lets
        go of the GIL meanwhile, so here the copying runs on another core. PASSIVE never blocks writers.
        """
        if self.dialect != "sqlite":
            yield
            return
        stop = threading.Event()

        def run() -> None:
            while not stop.wait(every):
                try:
                    # On the driver's connection, outside any transaction: SQLAlchemy's BEGIN would
                    # hold the write lock and SQLite refuses to checkpoint inside a transaction.
                    with self.engine.connect() as conn:
                        conn.connection.dbapi_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
                except Exception:  # a failed checkpoint is retried next round; commits still succeed
                    logging.getLogger("codeblue.db").exception("WAL checkpoint failed")

        thread = threading.Thread(target=run, name="codeblue-checkpoint", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=10)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for memory and other databases."""
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///")
    return None if path in ("", ":memory:") else Path(path)


_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's own storage format for DateTime on SQLite


def insert_rows(session: Session, table: Any, rows: list[dict[str, Any]], *, returning: tuple[str, ...] = (),
                chunk: int = 500) -> list[tuple[Any, ...]]:
    """Insert many rows in multi-row VALUES statements, values converted here rather than per bind.

    For the ingest path, where SQLAlchemy's per-value type processing costs as much as SQLite's own
    work. Rows must share their keys. The returned tuples come back in no promised order: callers
    match them on the returned columns.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    columns = list(rows[0])
    convert = [_converter(table.c[name].type, dialect) for name in columns]
    mark = "?" if dialect == "sqlite" else "%s"
    cast = ["CAST(%s AS JSONB)" if dialect == "postgresql" and _is_json(table.c[name].type) else mark
            for name in columns]
    one = "(" + ", ".join(cast) + ")"
    tail = f" RETURNING {', '.join(returning)}" if returning else ""
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
    out: list[tuple[Any, ...]] = []
    connection = session.connection()
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        params = tuple(c(row[name]) if c else row[name] for row in part for name, c in zip(columns, convert))
        result = connection.exec_driver_sql(head + ", ".join([one] * len(part)) + tail, params)
        if returning:
            out.extend(tuple(r) for r in result)
    return out


def _is_json(type_: Any) -> bool:
    return isinstance(type_, JSON) or isinstance(getattr(type_, "impl", None), JSON)


def _converter(type_: Any, dialect: str) -> Any:
    if _is_json(type_):
        return lambda v: None if v is None else jsontext.dumps(v)
    if isinstance(type_, UTCDateTime):
        if dialect == "sqlite":
            return lambda v: None if v is None else v.astimezone(UTC).strftime(_SQLITE_TIME)
        return lambda v: None if v is None else v.astimezone(UTC)
    return None
