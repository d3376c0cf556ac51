"""Audit entries and verification results as the API shows them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from codeblue.audit.models import AuditEntry
from codeblue.audit.service import Verification


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    actor_user_id: int | None = None
    action: str
    subject_type: str
    subject_id: str
    before: Any
    after: Any
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


class ProblemOut(BaseModel):
    kind: Literal["edited", "inserted", "deleted"]
    seq: int
    entry_id: int | None
    message: str


class VerificationOut(BaseModel):
    ok: bool
    entries: int
    head_seq: int | None
    head_hash: str | None
    problem: ProblemOut | None


def entry_out(e: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        seq=e.seq, at=e.at, actor=e.actor, actor_user_id=e.actor_user_id, action=e.action, subject_type=e.subject_type, subject_id=e.subject_id,
        before=None if e.before_json is None else json.loads(e.before_json),
        after=None if e.after_json is None else json.loads(e.after_json), prev_hash=e.prev_hash, hash=e.hash,
    )


def verification_out(v: Verification) -> VerificationOut:
    p = v.problem
    return VerificationOut(ok=v.ok, entries=v.entries, head_seq=v.head_seq, head_hash=v.head_hash,
                           problem=None if p is None else ProblemOut(kind=p.kind, seq=p.seq, entry_id=p.entry_id,
                                                                     message=p.message))


def entry_line(e: AuditEntry) -> str:
    """One entry as a line of JSON Lines, with everything its hash covers, so a copy can be checked offline."""
    out = entry_out(e).model_dump(mode="json")
    out["before_json"], out["after_json"] = e.before_json, e.after_json
    return json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n"
