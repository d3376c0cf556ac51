"""Audit routes: the log, its export and its verification, for compliance officers and admins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from codeblue.audit import service as audit
from codeblue.audit.schemas import AuditPage, VerificationOut, entry_line, entry_out, verification_out
from codeblue.deps import AuditedSession, ComplianceOfficer, Now, get_db
from codeblue.errors import BadInput

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


def _filter(
    actor: Annotated[str | None, Query(max_length=254, description="Exactly as recorded, e.g. an email")] = None,
    action: Annotated[str | None, Query(max_length=64, description="One action, or a family ending in '.'")] = None,
    subject_type: Annotated[str | None, Query(max_length=32)] = None,
    subject_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query(description="From this instant (inclusive), with an offset")] = None,
    until: Annotated[datetime | None, Query(description="Before this instant, with an offset")] = None,
) -> audit.Filter:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise BadInput(f"{name} needs a UTC offset, like 2026-03-10T14:00:00Z", details={"field": name})
    if since is not None and until is not None and until <= since:
        raise BadInput("until must be after since", details={"field": "until"})
    return audit.Filter(actor=actor, action=action, subject_type=subject_type, subject_id=subject_id, since=since,
                        until=until)


Where = Annotated[audit.Filter, Depends(_filter)]


@router.get("", response_model=AuditPage)
def list_entries(actor: ComplianceOfficer, session: AuditedSession, now: Now, where: Where,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100,
                 offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> AuditPage:
    """Entries newest first, filtered by actor, action, subject and time."""
    items, total = audit.entries(session, actor=actor, now=now, where=where, limit=limit, offset=offset)
    return AuditPage(items=[entry_out(e) for e in items], total=total, limit=limit, offset=offset)


@router.get("/export", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}}, "description": "One entry per line"}})
def export(request: Request, actor: ComplianceOfficer, session: AuditedSession, now: Now,
           where: Where) -> StreamingResponse:
    """The matching entries as JSON Lines, oldest first, with the hashes that chain them."""
    audit.record_export(session, actor=actor, now=now, where=where)
    db = get_db(request)

    def lines() -> Iterator[str]:
        # The request's session has committed and closed before the body is sent; the stream reads in its own.
        with db.unit_of_work(readonly=True) as reading:
            for entry in audit.export(reading, where=where):
                yield entry_line(entry)

    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(lines(), media_type="application/x-ndjson",
                             headers={"Content-Disposition": f'attachment; filename="codeblue-audit-{stamp}.jsonl"',
                                      "Cache-Control": "no-store"})


@router.get("/verify", response_model=VerificationOut)
def verify(_: ComplianceOfficer, session: AuditedSession) -> VerificationOut:
    return verification_out(audit.verify(session))
