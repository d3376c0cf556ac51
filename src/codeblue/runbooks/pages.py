"""Playbook pages: tick checklist items, attach evidence, download it, and the readiness report."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from codeblue.deps import AppSettings, CurrentIncident, DbId, DbSession, Now, PageReader, PageResponder, ReadSession
from codeblue.errors import BadInput
from codeblue.runbooks import api, uploads, views
from codeblue.runbooks import evidence as evidence_service
from codeblue.runbooks import service as runbooks
from codeblue.web import render
from codeblue.web.routing import page_router

router = page_router()
Slug = Annotated[str, Path(max_length=64)]


def _back(ref: str, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/incidents/{ref}#{anchor}", status_code=303)


@router.post("/incidents/{ref}/checklists/{checklist_id}/items/{item_id}")
def tick(checklist_id: Slug, item_id: Slug, incident: CurrentIncident, viewer: PageResponder, session: DbSession,
         now: Now, done: Annotated[str, Form(max_length=5)] = "", note: Annotated[str, Form(max_length=2_000)] = "") -> Response:
    if done not in ("1", "0"):
        raise BadInput("say whether the item is done (done=1) or not (done=0)", details={"field": "done"})
    runbooks.tick(session, incident=incident, checklist_id=checklist_id, item_id=item_id, done=done == "1",
                  note=note.strip() or None, actor=viewer.actor, now=now)
    return _back(incident.ref, f"checklist-{checklist_id}")


async def _upload(request: Request, settings: AppSettings) -> uploads.Upload:
    return await uploads.read_page_form(request, max_bytes=settings.evidence_max_bytes)


@router.post("/incidents/{ref}/evidence")
def add_evidence(incident: CurrentIncident, viewer: PageResponder, session: DbSession, now: Now, settings: AppSettings,
                 upload: Annotated[uploads.Upload, Depends(_upload)]) -> Response:
    evidence_service.add(session, incident=incident, kind=upload.kind, name=upload.name, content=upload.content,
                         content_type=upload.content_type, url=upload.url, note=upload.note, actor=viewer.actor,
                         now=now, max_bytes=settings.evidence_max_bytes)
    return _back(incident.ref, "evidence")


@router.get("/evidence/{evidence_id}/download")
def download(evidence_id: DbId, viewer: PageReader, session: ReadSession) -> Response:
    return api.download_response(session, evidence_service.get(session, evidence_id=evidence_id), viewer.actor)


@router.get("/readiness", response_class=HTMLResponse)
def readiness(viewer: PageReader, session: ReadSession, now: Now) -> HTMLResponse:
    return render.page("readiness.html", views.readiness_page(session, viewer=viewer, now=now))
