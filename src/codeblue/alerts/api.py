"""Sender endpoints (PagerDuty Events v2, webhooks), integrations and alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from starlette.concurrency import run_in_threadpool

from codeblue.alerts import adapters, heartbeats, ingest
from codeblue.alerts import integrations as integrations_service
from codeblue.alerts import queries
from codeblue.alerts.models import Integration
from codeblue.alerts.schemas import (
    AlertOut,
    IntegrationCreate,
    IntegrationCreated,
    IntegrationOut,
    IngestResult,
    OutcomeOut,
)
from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm
from codeblue.deps import AppSettings, DbSession, Now, Reader, ReadSession, authorized, record_phi_read
from codeblue.errors import CodeBlueError, NotFound

router = APIRouter(tags=["alerts"])
Admin = Annotated[Actor, authorized(Perm.ADMIN)]


def _integration_out(row, base_url: str, key: str | None = None):
    fields = dict(id=row.id, type=row.type, service=row.service.slug, name=row.name, key_prefix=row.key_prefix,
                  url=integrations_service.url_for(base_url, row.type, key or "<key>"), options=row.options,
                  enabled=row.enabled, created_at=row.created_at)
    return IntegrationCreated(**fields, key=key) if key else IntegrationOut(**fields)


@router.post("/api/v1/integrations", response_model=IntegrationCreated, status_code=201)
def create_integration(data: IntegrationCreate, session: DbSession, actor: Admin, now: Now,
                       settings: AppSettings) -> IntegrationCreated:
    row, key = integrations_service.create(session, type_=data.type, service=data.service, name=data.name,
                                           options=data.options, now=now, actor=actor)
    return _integration_out(row, settings.public_url, key)


@router.get("/api/v1/integrations", response_model=list[IntegrationOut])
def list_integrations(session: ReadSession, _: Reader, settings: AppSettings) -> list[IntegrationOut]:
    return [_integration_out(r, settings.public_url) for r in integrations_service.list_integrations(session)]


@router.get("/api/v1/alerts", response_model=list[AlertOut])
def list_alerts(
    request: Request, session: ReadSession, actor: Reader,
    status: Annotated[str | None, Query(pattern="^(firing|resolved|recorded)$")] = None,
    incident: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AlertOut]:
    rows = queries.list_alerts(session, status=status, incident=incident, limit=limit)
    record_phi_read(request, actor=actor, refs=queries.phi_refs(session, rows), what="alerts")
    return rows


def _pd_error(status: int, message: str, errors: list[str]) -> JSONResponse:
    return JSONResponse({"status": "invalid event", "message": message, "errors": errors}, status_code=status)


@router.post("/v2/enqueue", status_code=202, tags=["senders"])
async def pagerduty_enqueue(request: Request) -> JSONResponse:
    """PagerDuty Events API v2: existing senders point here unchanged, the routing key is the integration key."""
    pipeline = ingest.ingest_of(request)
    try:
        payload, text = await ingest.json_body(request)
    except CodeBlueError as exc:
        return _pd_error(400, "Event object is invalid", [exc.message])
    if not isinstance(payload, dict):
        return _pd_error(400, "Event object is invalid", ["Event object must be a JSON object"])
    problems = adapters.pagerduty.validate_pagerduty(payload)
    if problems:
        return _pd_error(400, "Event object is invalid", problems)
    try:
        ref = await pipeline.integration(str(payload["routing_key"]), types=("pagerduty",))
    except NotFound:
        return _pd_error(404, "Invalid routing key", ["no integration with that routing key"])
    events = ingest.parse("pagerduty", payload, ref.options, text=text)
    outcomes = await pipeline.submit(ref, events, text)
    return JSONResponse({"status": "success", "message": "Event processed", "dedup_key": outcomes[0].dedup_key},
                        status_code=202)


@router.post("/api/v1/hooks/{type_}/{key}", status_code=202, response_model=IngestResult, tags=["senders"])
async def webhook(type_: str, key: str, request: Request) -> IngestResult:
    """Alertmanager, Grafana, Datadog, EventBridge and generic JSON webhooks."""
    if type_ not in ("alertmanager", "grafana", "datadog", "eventbridge", "generic"):
        raise NotFound(ingest.UNKNOWN_KEY)
    pipeline = ingest.ingest_of(request)
    ref = await pipeline.integration(key, types=(type_,))
    payload, text = await ingest.json_body(request)
    events = ingest.parse(type_, payload, ref.options, text=text)
    outcomes = await pipeline.submit(ref, events, text) if events else []
    return IngestResult(alerts=[OutcomeOut(action=o.action, dedup_key=o.dedup_key, result=o.result,
                                           incident=o.incident) for o in outcomes])


@router.get("/api/v1/heartbeats/{key}", tags=["senders"], operation_id="heartbeat_ping_get")
@router.post("/api/v1/heartbeats/{key}", tags=["senders"], operation_id="heartbeat_ping_post")
async def heartbeat(key: str, request: Request) -> JSONResponse:
    """A health check's ping: GET or POST, any body; the key authenticates."""
    pipeline = ingest.ingest_of(request)
    ref = await pipeline.integration(key, types=("heartbeat",))
    db, now = request.app.state.db, request.app.state.clock.now()
    body = (await request.body()).decode("utf-8", "replace")[:4096]

    def record() -> str:
        with db.unit_of_work() as session:
            due = heartbeats.ping(session, integration=session.get(Integration, ref.id), now=now, body=body)
        return due.isoformat()  # the re-armed deadline reaches the engine at commit (engine/wake.py)

    return JSONResponse({"status": "ok", "next_ping_due_by": await run_in_threadpool(record)})
