"""What every CLI command shares: settings, a migrated database, one unit of work, the actor."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.orm import Session

from codeblue import migrate
from codeblue.auth.actor import Actor
from codeblue.clock import SystemClock
from codeblue.db import Database
from codeblue.errors import CodeBlueError
from codeblue.policy import service as policy
from codeblue.settings import Settings

console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    errors.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fail(f"invalid settings: {exc}")


def now() -> datetime:
    return SystemClock().now()


def actor() -> Actor:
    return Actor(kind="cli", name=getpass.getuser())


@contextmanager
def unit_of_work(*, readonly: bool = False) -> Iterator[Session]:
    """Open the configured database (migrating it first), run one transaction, report domain errors."""
    config = settings()
    policy.install(config.packs_dir)
    db = Database(config.database_url)
    try:
        migrate.upgrade(db)
        with db.unit_of_work(readonly=readonly) as session:
            yield session
    except CodeBlueError as exc:
        fail(exc.message, 2)
    finally:
        db.dispose()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
