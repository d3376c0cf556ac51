"""Recording audit entries, refusals that outlive a failed request, reading and verifying the chain."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from codeblue.audit import chain
from codeblue.audit.models import AuditEntry, AuditHead
from codeblue.auth.actor import Actor
from codeblue.db import Database

log = logging.getLogger("codeblue.audit")
_PENDING = "audit_refusals"


def _lock_head(session: Session) -> AuditHead:
    query = select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        query = query.with_for_update()  # appends take turns, so no two entries claim the same place
    head = session.scalar(query)
    if head is None:
        module = postgresql if dialect == "postgresql" else sqlite
        session.execute(module.insert(AuditHead).values(id=1, seq=0, hash=chain.GENESIS).on_conflict_do_nothing())
        head = session.scalar(query)
    return head


def _content(e: AuditEntry) -> chain.Content:
    return chain.Content(seq=e.seq, at=e.at, actor=e.actor, actor_user_id=e.actor_user_id, action=e.action,
                         subject_type=e.subject_type, subject_id=e.subject_id, before_json=e.before_json,
                         after_json=e.after_json, prev_hash=e.prev_hash)


def record(session: Session, *, actor: Actor, action: str, subject_type: str, subject_id: Any, now: datetime,
           before: Any = None, after: Any = None) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction."""
    head = _lock_head(session)
    entry = AuditEntry(
        seq=head.seq + 1, at=now, actor=actor.label[:254], actor_user_id=actor.user_id, action=action,
        subject_type=subject_type, subject_id=str(subject_id)[:64],
        before_json=None if before is None else chain.canonical(before),
        after_json=None if after is None else chain.canonical(after), prev_hash=head.hash,
    )
    entry.hash = chain.content_hash(_content(entry))
    session.add(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.flush()
    return entry


def record_refusal(session: Session, **fields: Any) -> None:
    """Audit a refused attempt: written by `unit_of_work` after the request's own work is rolled back."""
    pending = session.info.get(_PENDING)
    if pending is None:
        raise RuntimeError("record_refusal needs a session opened by codeblue.audit.service.unit_of_work")
    pending.append(fields)


@contextmanager
def unit_of_work(db: Database) -> Iterator[Session]:
    """A unit of work whose refusals are committed in one of their own, whether the work commits or not."""
    pending: list[dict[str, Any]] = []
    try:
        with db.unit_of_work() as session:
            session.info[_PENDING] = pending
            yield session
    finally:
        if pending:
            with db.unit_of_work() as session:
                for fields in pending:
                    record(session, **fields)


@dataclass(frozen=True)
class Filter:
    """Which entries to read: each field left None matches every entry; `since` is inclusive, `until` not."""

    actor: str | None = None
    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: Select) -> Select:
        if self.actor:
            query = query.where(AuditEntry.actor == self.actor)
        if self.action:
            # "auth." names a family of actions; anything else names one.
            query = query.where(AuditEntry.action.startswith(self.action, autoescape=True)
                                if self.action.endswith(".") else AuditEntry.action == self.action)
        if self.subject_type:
            query = query.where(AuditEntry.subject_type == self.subject_type)
        if self.subject_id:
            query = query.where(AuditEntry.subject_id == self.subject_id)
        if self.since is not None:
            query = query.where(AuditEntry.at >= self.since)
        if self.until is not None:
            query = query.where(AuditEntry.at < self.until)
        return query

    def described(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def entries(session: Session, *, actor: Actor, now: datetime, where: Filter = Filter(), limit: int = 100,
            offset: int = 0) -> tuple[list[AuditEntry], int]:
    """Entries newest first; reading them is itself recorded, as they hold breach-case data."""
    query = where.apply(select(AuditEntry))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset)))
    record(session, actor=actor, action="audit.read", subject_type="audit", subject_id="*", now=now,
           after={**where.described(), "seqs": [e.seq for e in rows]})
    return rows, total


def record_export(session: Session, *, actor: Actor, now: datetime, where: Filter) -> None:
    """Audit an export before it is streamed: who took which part of the log."""
    record(session, actor=actor, action="audit.exported", subject_type="audit", subject_id="*", now=now,
           after=where.described())


def export(session: Session, *, where: Filter = Filter()) -> Iterator[AuditEntry]:
    """Matching entries oldest first, in chain order, read in batches so a large log streams in little memory."""
    query = where.apply(select(AuditEntry)).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    yield from session.scalars(query)


@dataclass(frozen=True)
class Verification:
    entries: int
    head_seq: int | None
    head_hash: str | None
    problem: chain.Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(session: Session) -> Verification:
    """Walk the whole chain and name the first entry edited, inserted or deleted."""
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1))
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq, AuditEntry.id).execution_options(
        yield_per=1000))
    links = (chain.Link(seq=e.seq, id=e.id, prev_hash=e.prev_hash, hash=e.hash,
                        recomputed=chain.content_hash(_content(e))) for e in rows)
    count, problem = chain.first_problem(links, None if head is None else (head.seq, head.hash))
    return Verification(entries=count, head_seq=head.seq if head else None, head_hash=head.hash if head else None,
                        problem=problem)
