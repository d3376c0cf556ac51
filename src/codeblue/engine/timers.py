"""Arming, cancelling and claiming timers on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from codeblue.engine import wake
from codeblue.engine.models import Timer


class Busy(Exception):
    """The timer's subject is held by another transaction (an acknowledgement, say): fire it again shortly."""


def arm(session: Session, *, kind: str, subject_id: int, due_at: datetime, now: datetime, fence: int = 0,
        payload: dict[str, Any] | None = None) -> None:
    """Set the (kind, subject) timer to fire at due_at, replacing any earlier arming."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    values = {"kind": kind, "subject_id": subject_id, "due_at": due_at, "fence": fence, "attempts": 0,
              "payload": payload or {}, "armed_at": now}
    stmt = module.insert(Timer).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "subject_id"],
        set_={k: stmt.excluded[k] for k in ("due_at", "fence", "attempts", "payload", "armed_at")},
    )
    session.execute(stmt)
    wake.due(session, "timers", due_at)


def cancel(session: Session, *, kind: str, subject_id: int) -> None:
    session.execute(delete(Timer).where(Timer.kind == kind, Timer.subject_id == subject_id))


def pending(session: Session, *, kind: str, subject_id: int) -> Timer | None:
    return session.scalar(select(Timer).where(Timer.kind == kind, Timer.subject_id == subject_id))


def claim_due(session: Session, *, now: datetime, limit: int = 50) -> list[Timer]:
    """Due timers, locked for this transaction; on PostgreSQL other workers skip them instead of waiting.

    A worker that dies mid-transaction releases its locks with its connection, so its timers are
    claimed again at once by another; nothing needs a lease to expire.
    """
    query = select(Timer).where(Timer.due_at <= now).order_by(Timer.due_at, Timer.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def done(session: Session, timer: Timer) -> None:
    """Remove a fired timer unless it was re-armed meanwhile (same row, later due time)."""
    session.execute(delete(Timer).where(Timer.id == timer.id, Timer.due_at == timer.due_at,
                                        Timer.armed_at == timer.armed_at))


def done_many(session: Session, fired: list[Timer]) -> None:
    """done() for each of these timers, in one statement."""
    if not fired:
        return
    table = Timer.__table__
    stmt = delete(table).where(table.c.id == bindparam("t_id"), table.c.due_at == bindparam("t_due"),
                               table.c.armed_at == bindparam("t_armed"))
    session.execute(stmt, [{"t_id": t.id, "t_due": t.due_at, "t_armed": t.armed_at} for t in fired])


def next_due(session: Session) -> datetime | None:
    return session.scalar(select(func.min(Timer.due_at)))
