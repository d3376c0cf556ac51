"""Audit routes: the log and its verification, for compliance officers and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from codeblue.audit import service as audit
from codeblue.audit.schemas import AuditPage, VerificationOut, entry_out, verification_out
from codeblue.deps import AuditedSession, ComplianceOfficer, Now

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=AuditPage)
def list_entries(actor: ComplianceOfficer, session: AuditedSession, now: Now,
                 subject_type: Annotated[str | None, Query(max_length=32)] = None,
                 subject_id: Annotated[str | None, Query(max_length=64)] = None,
                 action: Annotated[str | None, Query(max_length=64)] = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100,
                 offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> AuditPage:
    """Entries newest first."""
    items, total = audit.entries(session, actor=actor, now=now, subject_type=subject_type, subject_id=subject_id, action=action,
                                 limit=limit, offset=offset)
    return AuditPage(items=[entry_out(e) for e in items], total=total, limit=limit, offset=offset)


@router.get("/verify", response_model=VerificationOut)
def verify(_: ComplianceOfficer, session: AuditedSession) -> VerificationOut:
    return verification_out(audit.verify(session))
