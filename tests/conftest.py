"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when one is reachable."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from codeblue import migrate
from codeblue.app import create_app
from codeblue.clock import ManualClock
from codeblue.db import Base, Database
from codeblue.settings import Settings

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def _pg_admin_url() -> str:
    return os.environ.get("CODEBLUE_TEST_DATABASE_URL", DEFAULT_PG)


def _pg_reachable(url: str) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(plain, connect_timeout=2):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    db.dispose()  # closing the last connection checkpoints the WAL into the file we copy
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str]:
    admin = _pg_admin_url()
    if not _pg_reachable(admin):
        pytest.skip("PostgreSQL is not reachable (set CODEBLUE_TEST_DATABASE_URL)")
    name = f"codeblue_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    base, _, _ = admin.rpartition("/")
    admin_db = Database(admin)
    with admin_db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{base}/{name}"
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    yield url
    with admin_db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_db.dispose()


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "codeblue.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("pg_url"))
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with database.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    database.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A session whose work is rolled back after the test; services never commit."""
    s = db.session()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The engine is driven by each test that needs it (run_once on the injected clock), never by a thread.
    return Settings(env="test", auto_migrate=False, run_engine=False, database_url=f"sqlite:///{tmp_path}/unused.db")


@pytest.fixture
def app(db: Database, clock: ManualClock, settings: Settings):
    return create_app(settings, clock=clock, db=db)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
