"""Breach-case routes: compliance officers and admins only; every read, change and refusal audited."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from codeblue.compliance import export, views
from codeblue.compliance import service as breaches
from codeblue.compliance.schemas import (
    BreachCaseOut,
    BreachCasePage,
    BreachCasePatch,
    DecisionIn,
    EvidenceIn,
    EvidenceOut,
    NoticeOut,
    NoticePatch,
)
from codeblue.deps import AuditedSession, ComplianceOfficer, Now

router = APIRouter(prefix="/api/v1", tags=["compliance"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/breach-cases", response_model=BreachCasePage)
def list_cases(actor: ComplianceOfficer, session: AuditedSession, now: Now,
               status: Literal["assessing", "decided"] | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> BreachCasePage:
    cases, total = breaches.list_cases(session, actor=actor, now=now, status=status, limit=limit, offset=offset)
    return BreachCasePage(items=[views.case_summary(c, now) for c in cases], total=total)


@router.get("/breach-cases/hhs-log", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "The annual HHS log as CSV"}})
def hhs_log(actor: ComplianceOfficer, session: AuditedSession, now: Now,
            year: Annotated[int, Query(ge=1970, le=2200, description="Calendar year of discovery")]) -> Response:
    cases = breaches.hhs_log(session, year=year, actor=actor, now=now)
    return Response(export.to_csv(views.log_row(c) for c in cases), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="hhs-breach-log-{year}.csv"'})


@router.get("/breach-cases/{case_id}", response_model=BreachCaseOut)
def get_case(case_id: Id, actor: ComplianceOfficer, session: AuditedSession, now: Now) -> BreachCaseOut:
    return views.case_out(breaches.get_case(session, case_id=case_id, actor=actor, now=now), now)


@router.get("/incidents/{ref}/breach-case", response_model=BreachCaseOut)
def case_for_incident(ref: Annotated[str, Path(max_length=32)], actor: ComplianceOfficer, session: AuditedSession,
                      now: Now) -> BreachCaseOut:
    return views.case_out(breaches.case_for_incident(session, ref=ref, actor=actor, now=now), now)


@router.patch("/breach-cases/{case_id}", response_model=BreachCaseOut)
def update_case(case_id: Id, patch: BreachCasePatch, actor: ComplianceOfficer, session: AuditedSession,
                now: Now) -> BreachCaseOut:
    return views.case_out(breaches.update_case(session, case_id=case_id, patch=patch, actor=actor, now=now), now)


@router.post("/breach-cases/{case_id}/decision", response_model=BreachCaseOut)
def decide(case_id: Id, data: DecisionIn, actor: ComplianceOfficer, session: AuditedSession,
           now: Now) -> BreachCaseOut:
    return views.case_out(breaches.decide(session, case_id=case_id, data=data, actor=actor, now=now), now)


@router.delete("/breach-cases/{case_id}", status_code=204)
def delete_case(case_id: Id, actor: ComplianceOfficer, session: AuditedSession, now: Now) -> Response:
    breaches.delete_case(session, case_id=case_id, actor=actor, now=now)
    return Response(status_code=204)


@router.get("/breach-notices/{notice_id}", response_model=NoticeOut)
def get_notice(notice_id: Id, actor: ComplianceOfficer, session: AuditedSession, now: Now) -> NoticeOut:
    return views.notice_out(breaches.get_notice(session, notice_id=notice_id, actor=actor, now=now), now)


@router.patch("/breach-notices/{notice_id}", response_model=NoticeOut)
def update_notice(notice_id: Id, patch: NoticePatch, actor: ComplianceOfficer, session: AuditedSession,
                  now: Now) -> NoticeOut:
    notice = breaches.update_notice(session, notice_id=notice_id, patch=patch, actor=actor, now=now)
    return views.notice_out(notice, now)


@router.post("/breach-notices/{notice_id}/evidence", response_model=EvidenceOut, status_code=201)
def add_evidence(notice_id: Id, data: EvidenceIn, actor: ComplianceOfficer, session: AuditedSession,
                 now: Now) -> EvidenceOut:
    e = breaches.add_evidence(session, notice_id=notice_id, data=data, actor=actor, now=now)
    return EvidenceOut(id=e.id, description=e.description, reference=e.reference, sha256=e.sha256,
                       added_by=e.added_by, created_at=e.created_at)


@router.delete("/breach-notices/{notice_id}", status_code=204)
def delete_notice(notice_id: Id, actor: ComplianceOfficer, session: AuditedSession, now: Now) -> Response:
    breaches.delete_notice(session, notice_id=notice_id, actor=actor, now=now)
    return Response(status_code=204)


@router.delete("/breach-evidence/{evidence_id}", status_code=204)
def delete_evidence(evidence_id: Id, actor: ComplianceOfficer, session: AuditedSession, now: Now) -> Response:
    breaches.delete_evidence(session, evidence_id=evidence_id, actor=actor, now=now)
    return Response(status_code=204)
