"""The SQLite connection settings and the checkpoint thread."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sqlalchemy import text

from codeblue import migrate
from codeblue.db import Database


def _wal_frames(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/c.db")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    db.dispose()


def test_checkpoint_thread_moves_the_log_into_the_database_file(tmp_path, caplog):
    path = tmp_path / "c.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE filler (x TEXT)"))
    before = path.stat().st_size
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO filler VALUES (:x)"), [{"x": "y" * 1000} for _ in range(2000)])
    assert path.stat().st_size == before  # the rows sit in the write-ahead log until a checkpoint
    with caplog.at_level(logging.ERROR, logger="codeblue.db"), db.checkpoints(every=0.02):
        deadline = time.monotonic() + 10
        while path.stat().st_size == before and time.monotonic() < deadline:
            time.sleep(0.02)
    assert path.stat().st_size > before + 1_000_000
    assert _wal_frames(path) > 0  # PASSIVE copies pages back without truncating the log under readers
    assert not [r for r in caplog.records if "checkpoint failed" in r.getMessage()]
    db.dispose()
