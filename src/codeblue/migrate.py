"""Alembic, driven from code: one set of migrations for SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from codeblue.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK = 0x43420000  # pg_advisory_xact_lock key: "CB" and 0, migrations


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision."""
    config = alembic_config(db.url)
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            # Workers and servers starting together take turns; the later ones find the schema current.
            # (On SQLite the write transaction's lock already serialises them.)
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_current(db: Database) -> bool:
    return current_revision(db) == head_revision()
