"""Incident routes under /api/v1/incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request

from codeblue.deps import (
    Creator,
    CurrentIncident,
    DbSession,
    Now,
    Reader,
    ReadSession,
    Responder,
    ViewedIncident,
    record_phi_read,
)
from codeblue.incidents import service as incidents
from codeblue.incidents.lifecycle import Status
from codeblue.incidents.schemas import (
    AcknowledgeIn,
    CloseIn,
    IncidentCreate,
    IncidentOut,
    IncidentPage,
    IncidentPatch,
    NoteIn,
    ResolveIn,
    TimelineEntryOut,
    incident_out,
)
from codeblue.policy.schema import SeverityId

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


def _out(incident) -> IncidentOut:
    return incident_out(incident, incidents.pack_of(incident))


@router.get("", response_model=IncidentPage)
def list_incidents(
    session: ReadSession,
    _: Reader,
    status: Status | None = None,
    severity: SeverityId | None = None,
    service: Annotated[str | None, Query(max_length=64)] = None,
    open: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> IncidentPage:
    items, total = incidents.list_incidents(
        session, status=status, severity=severity, service=service, open_only=open, limit=limit, offset=offset
    )
    return IncidentPage(items=[_out(i) for i in items], total=total, limit=limit, offset=offset)


@router.post("", response_model=IncidentOut, status_code=201)
def create_incident(data: IncidentCreate, session: DbSession, actor: Creator, now: Now) -> IncidentOut:
    return _out(incidents.create(session, data=data, actor=actor, now=now))


@router.get("/{ref}", response_model=IncidentOut)
def get_incident(request: Request, incident: ViewedIncident, actor: Reader) -> IncidentOut:
    if incident.phi_suspected:
        record_phi_read(request, actor=actor, refs=[incident.ref], what="incident")
    return _out(incident)


@router.patch("/{ref}", response_model=IncidentOut)
def update_incident(patch: IncidentPatch, incident: CurrentIncident, session: DbSession, actor: Responder,
                    now: Now) -> IncidentOut:
    return _out(incidents.update(session, incident=incident, patch=patch, actor=actor, now=now))


@router.post("/{ref}/acknowledge", response_model=IncidentOut)
def acknowledge(incident: CurrentIncident, session: DbSession, actor: Responder, now: Now,
                data: Annotated[AcknowledgeIn | None, Body()] = None) -> IncidentOut:
    note = data.note if data else None
    return _out(incidents.acknowledge(session, incident=incident, actor=actor, now=now, note=note))


@router.post("/{ref}/resolve", response_model=IncidentOut)
def resolve(incident: CurrentIncident, session: DbSession, actor: Responder, now: Now,
            data: Annotated[ResolveIn | None, Body()] = None) -> IncidentOut:
    data = data or ResolveIn()
    return _out(incidents.resolve(session, incident=incident, actor=actor, now=now, note=data.note,
                                  override_reason=data.override_reason))


@router.post("/{ref}/close", response_model=IncidentOut)
def close(incident: CurrentIncident, session: DbSession, actor: Responder, now: Now,
          data: Annotated[CloseIn | None, Body()] = None) -> IncidentOut:
    """Close a resolved incident; its post-incident review must be done, unless an admin overrides."""
    data = data or CloseIn()
    return _out(incidents.transition(session, incident=incident, to=Status.CLOSED, actor=actor, now=now,
                                     note=data.note, override=data.override_reason))


@router.post("/{ref}/notes", response_model=TimelineEntryOut, status_code=201)
def add_note(data: NoteIn, incident: CurrentIncident, session: DbSession, actor: Responder,
             now: Now) -> TimelineEntryOut:
    return TimelineEntryOut.model_validate(
        incidents.add_note(session, incident=incident, text=data.text, actor=actor, now=now)
    )


@router.get("/{ref}/timeline", response_model=list[TimelineEntryOut])
def timeline(request: Request, incident: ViewedIncident, session: ReadSession, actor: Reader) -> list[TimelineEntryOut]:
    if incident.phi_suspected:
        record_phi_read(request, actor=actor, refs=[incident.ref], what="timeline")
    return [TimelineEntryOut.model_validate(e) for e in incidents.timeline(session, incident=incident)]
