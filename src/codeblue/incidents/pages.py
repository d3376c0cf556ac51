"""Incident pages: the dashboard, one incident with its actions, and their live event streams."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from codeblue.deps import (
    CurrentIncident,
    DbSession,
    Now,
    PageCommander,
    PageReader,
    PageResponder,
    ReadSession,
    ViewedIncident,
    get_db,
    record_phi_read,
)
from codeblue.auth.permissions import Perm
from codeblue.errors import BadInput
from codeblue.incidents import service as incidents
from codeblue.incidents import views
from codeblue.incidents.models import Incident
from codeblue.policy.schema import SeverityId
from codeblue.web import live, render
from codeblue.web.routing import page_router
from codeblue.web.viewer import Viewer

router = page_router()
Since = Annotated[str | None, Query(max_length=200)]
Text = Annotated[str, Form(max_length=20_000)]


def _back(ref: str) -> RedirectResponse:
    # Post, redirect, get: a reload never repeats the action, and the page shows the timeline entry.
    return RedirectResponse(f"/incidents/{ref}", status_code=303)


@router.get("/", response_class=HTMLResponse)
def dashboard(viewer: PageReader, session: ReadSession, now: Now) -> HTMLResponse:
    return render.page("dashboard.html", views.dashboard(session, viewer=viewer, now=now))


@router.get("/events/dashboard")
def dashboard_events(request: Request, viewer: PageReader, since: Since = None) -> StreamingResponse:
    db, clock = get_db(request), request.app.state.clock

    def version() -> str:
        with db.unit_of_work(readonly=True) as session:
            return views.dashboard_version(session)

    def fragments() -> dict[str, str]:
        with db.unit_of_work(readonly=True) as session:
            page = views.dashboard(session, viewer=viewer, now=clock.now())
            return {"incidents": render.html("_incidents.html", page)}

    return live.stream(request, version=version, fragments=fragments, since=since)


@router.get("/incidents/{ref}", response_class=HTMLResponse)
def incident(request: Request, incident: ViewedIncident, viewer: PageReader, session: ReadSession,
             now: Now) -> HTMLResponse:
    _phi_read(request, incident, viewer, "incident page")
    return render.page("incident.html", views.incident_page(session, incident=incident, viewer=viewer, now=now))


@router.get("/incidents/{ref}/events")
def incident_events(request: Request, incident: ViewedIncident, viewer: PageReader,
                    since: Since = None) -> StreamingResponse:
    _phi_read(request, incident, viewer, "incident page live updates")  # once per stream: it carries the page
    db, clock, incident_id = get_db(request), request.app.state.clock, incident.id
    return live.stream(request, version=lambda: _incident_version(db, incident_id),
                       fragments=lambda: _incident_fragments(db, incident_id, viewer, clock.now()), since=since)


def _phi_read(request: Request, incident: Incident, viewer: Viewer, what: str) -> None:
    if incident.phi_suspected:
        # Alert payloads are withheld from all but compliance officers and admins; the read is audited for all.
        record_phi_read(request, actor=viewer.actor, refs=[incident.ref], what=what,
                        details_shown=viewer.can(Perm.COMPLIANCE))


def _incident_version(db, incident_id: int) -> str:
    with db.unit_of_work(readonly=True) as session:
        return views.incident_version(session, incident_id)


def _incident_fragments(db, incident_id: int, viewer: Viewer, now) -> dict[str, str]:
    with db.unit_of_work(readonly=True) as session:
        found = session.get(Incident, incident_id)
        page = views.incident_page(session, incident=found, viewer=viewer, now=now)
        return {region: render.html(f"_incident_{region}.html", page)
                for region in ("header", "actions", "timeline", "alerts")}


@router.post("/incidents/{ref}/acknowledge")
def acknowledge(incident: CurrentIncident, viewer: PageResponder, session: DbSession, now: Now) -> Response:
    incidents.acknowledge(session, incident=incident, actor=viewer.actor, now=now, via="web")
    return _back(incident.ref)


@router.post("/incidents/{ref}/severity")
def change_severity(incident: CurrentIncident, viewer: PageCommander, session: DbSession, now: Now,
                    severity: Annotated[SeverityId, Form()], reason: Annotated[str, Form(max_length=2_000)] = "") -> Response:
    incidents.change_severity(session, incident=incident, severity=severity, reason=reason.strip() or None,
                              actor=viewer.actor, now=now)
    return _back(incident.ref)


@router.post("/incidents/{ref}/commander")
def assign_commander(incident: CurrentIncident, viewer: PageCommander, session: DbSession, now: Now,
                     email: Annotated[str, Form(max_length=254)] = "") -> Response:
    incidents.assign_role(session, incident=incident, role="commander", email=email.strip() or None,
                          actor=viewer.actor, now=now)
    return _back(incident.ref)


@router.post("/incidents/{ref}/notes")
def add_note(incident: CurrentIncident, viewer: PageResponder, session: DbSession, now: Now, text: Text = "") -> Response:
    if not text.strip():
        raise BadInput("write the note before posting it", details={"field": "text"})
    incidents.add_note(session, incident=incident, text=text.strip(), actor=viewer.actor, now=now)
    return _back(incident.ref)


@router.post("/incidents/{ref}/resolve")
def resolve(incident: CurrentIncident, viewer: PageResponder, session: DbSession, now: Now, note: Text = "",
            override_reason: Annotated[str, Form(max_length=2_000)] = "") -> Response:
    incidents.resolve(session, incident=incident, actor=viewer.actor, now=now, note=note.strip() or None,
                      override_reason=override_reason.strip() or None)
    return _back(incident.ref)
