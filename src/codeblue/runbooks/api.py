"""Runbook, checklist, evidence and readiness routes under /api/v1."""

from __future__ import annotations

import base64
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm
from codeblue.deps import (
    AppSettings,
    CurrentIncident,
    DbId,
    DbSession,
    Now,
    Reader,
    ReadSession,
    Responder,
    ViewedIncident,
    authorized,
)
from codeblue.errors import Forbidden
from codeblue.incidents.models import Incident
from codeblue.runbooks import commands, readiness, uploads
from codeblue.runbooks import evidence as evidence_service
from codeblue.runbooks import service as runbooks
from codeblue.runbooks.models import Evidence
from codeblue.runbooks.schemas import (
    ChecklistOut,
    EvidenceOut,
    ReadinessOut,
    RunbookOut,
    TickIn,
    checklists_out,
    evidence_out,
    readiness_out,
    runbook_out,
)

router = APIRouter(prefix="/api/v1", tags=["runbooks"])
Slug = Annotated[str, Path(max_length=64)]
CommandIndex = Annotated[int, Path(ge=0, le=2**31 - 1)]
Admin = Annotated[Actor, authorized(Perm.ADMIN)]


async def _upload(request: Request, settings: AppSettings) -> uploads.Upload:
    return await uploads.read(request, max_bytes=settings.evidence_max_bytes)


@router.get("/incidents/{ref}/runbook", response_model=RunbookOut)
def get_runbook(incident: ViewedIncident, session: ReadSession, _: Reader) -> RunbookOut:
    return runbook_out(incident.ref, runbooks.runbook(session, incident=incident))


@router.post("/incidents/{ref}/runbook/commands/{index}/run", response_model=EvidenceOut, status_code=201)
def run_command(index: CommandIndex, incident: CurrentIncident, session: DbSession, actor: Responder, now: Now,
                settings: AppSettings) -> EvidenceOut:
    """Run one diagnostic command of the runbook (when an admin has turned it on); its output becomes evidence."""
    row = commands.run(session, incident=incident, index=index, actor=actor, now=now, settings=settings)
    return evidence_out(row, incident.ref)


@router.get("/incidents/{ref}/checklists", response_model=list[ChecklistOut])
def get_checklists(incident: ViewedIncident, session: ReadSession, _: Reader, now: Now) -> list[ChecklistOut]:
    return checklists_out(runbooks.checklists(session, incident=incident, now=now), incident.severity)


@router.post("/incidents/{ref}/checklists/{checklist_id}/items/{item_id}", response_model=list[ChecklistOut])
def tick_item(checklist_id: Slug, item_id: Slug, data: TickIn, incident: CurrentIncident, session: DbSession,
              actor: Responder, now: Now) -> list[ChecklistOut]:
    runbooks.tick(session, incident=incident, checklist_id=checklist_id, item_id=item_id, done=data.done,
                  note=data.note, actor=actor, now=now)
    return checklists_out(runbooks.checklists(session, incident=incident, now=now), incident.severity)


@router.get("/incidents/{ref}/evidence", response_model=list[EvidenceOut])
def list_evidence(incident: ViewedIncident, session: ReadSession, _: Reader) -> list[EvidenceOut]:
    return [evidence_out(e, incident.ref) for e in evidence_service.list_for(session, incident=incident)]


@router.post("/incidents/{ref}/evidence", response_model=EvidenceOut, status_code=201)
def add_evidence(incident: CurrentIncident, session: DbSession, actor: Responder, now: Now, settings: AppSettings,
                 upload: Annotated[uploads.Upload, Depends(_upload)]) -> EvidenceOut:
    """Attach a log, command output or link (JSON), or a file (multipart/form-data, field 'file')."""
    row = evidence_service.add(session, incident=incident, kind=upload.kind, name=upload.name, content=upload.content,
                               content_type=upload.content_type, url=upload.url, note=upload.note, actor=actor,
                               now=now, max_bytes=settings.evidence_max_bytes)
    return evidence_out(row, incident.ref)


def download_response(session, row: Evidence, actor: Actor) -> Response:
    """The stored bytes as an attachment, never cached, with the SHA-256 they were stored with."""
    incident = session.get(Incident, row.incident_id)
    # Evidence of an incident flagged PHI suspected may hold PHI: like its alert payloads, it is for compliance.
    if incident.phi_suspected and not actor.can(Perm.COMPLIANCE):
        raise Forbidden(f"{incident.ref} is flagged PHI suspected: its evidence is for compliance officers and admins")
    body = evidence_service.content(session, evidence=row)
    digest = base64.b64encode(bytes.fromhex(row.sha256)).decode()
    filename = row.name.replace("/", "_").replace("\\", "_") or f"evidence-{row.id}"
    return Response(body, media_type=row.content_type, headers={
        "Content-Disposition": f"attachment; filename=\"evidence-{row.id}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store",
        "X-Content-SHA256": row.sha256,
        "Repr-Digest": f"sha-256=:{digest}:",
    })


@router.get("/evidence/{evidence_id}/download")
def download_evidence(evidence_id: DbId, session: ReadSession, actor: Reader) -> Response:
    return download_response(session, evidence_service.get(session, evidence_id=evidence_id), actor)


@router.delete("/evidence/{evidence_id}", status_code=204)
def delete_evidence(evidence_id: DbId, session: DbSession, actor: Admin, now: Now) -> Response:
    """Refused with 409 while the evidence's retention period runs (six years)."""
    evidence_service.remove(session, evidence=evidence_service.get(session, evidence_id=evidence_id),
                            actor=actor, now=now)
    return Response(status_code=204)


@router.get("/readiness", response_model=ReadinessOut)
def get_readiness(session: ReadSession, _: Reader, now: Now) -> ReadinessOut:
    return readiness_out(readiness.report(readiness.load(session), now=now))
