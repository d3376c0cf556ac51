"""Alert pages: recent alerts, and the integrations that send them (an admin creates one; its key is shown once)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse

from codeblue.alerts import integrations as integrations_service
from codeblue.alerts import queries
from codeblue.alerts.schemas import AlertOut
from codeblue.auth.permissions import Perm
from codeblue.catalog import service as catalog
from codeblue.deps import AppSettings, DbSession, Now, PageAdmin, PageReader, ReadSession, record_phi_read
from codeblue.errors import BadInput
from codeblue.middleware import NUL_MESSAGE
from codeblue.web import render
from codeblue.web.routing import page_router
from codeblue.web.viewer import Viewer

router = page_router()


@dataclass
class AlertsPage:
    viewer: Viewer
    now: datetime
    alerts: list[AlertOut]
    status: str
    nav_current: str = "/alerts"


@dataclass(frozen=True)
class IntegrationRow:
    name: str
    type: str
    service: str
    url: str
    key_prefix: str
    enabled: bool
    created_at: datetime


@dataclass(frozen=True)
class Created:
    name: str
    url: str
    key: str
    type: str


@dataclass
class IntegrationsPage:
    viewer: Viewer
    integrations: list[IntegrationRow]
    types: tuple[str, ...]
    services: list[tuple[str, str]]
    can_create: bool
    created: Created | None = None
    nav_current: str = "/integrations"


@router.get("/alerts", response_class=HTMLResponse)
def alerts(request: Request, viewer: PageReader, session: ReadSession, now: Now,
           status: Annotated[Literal["firing", "resolved", "recorded", ""], Query()] = "") -> HTMLResponse:
    rows = queries.list_alerts(session, status=status or None, limit=200)
    record_phi_read(request, actor=viewer.actor, refs=queries.phi_refs(session, rows), what="alerts page",
                    details_shown=False)
    return render.page("alerts.html", AlertsPage(viewer=viewer, now=now, alerts=rows, status=status))


def _integrations_page(session, viewer: Viewer, base_url: str, created: Created | None = None) -> IntegrationsPage:
    rows = [IntegrationRow(name=r.name, type=r.type, service=r.service.name,
                           url=integrations_service.url_for(base_url, r.type, "<key>"), key_prefix=r.key_prefix,
                           enabled=r.enabled, created_at=r.created_at)
            for r in integrations_service.list_integrations(session)]
    return IntegrationsPage(viewer=viewer, integrations=rows, types=integrations_service.TYPES,
                            services=[(s.slug, s.name) for s in catalog.list_services(session)],
                            can_create=viewer.can(Perm.ADMIN), created=created)


@router.get("/integrations", response_class=HTMLResponse)
def integrations(viewer: PageReader, session: ReadSession, settings: AppSettings) -> HTMLResponse:
    return render.page("integrations.html", _integrations_page(session, viewer, settings.public_url))


@router.post("/integrations", response_class=HTMLResponse)
def create_integration(viewer: PageAdmin, session: DbSession, now: Now, settings: AppSettings,
                       type: Annotated[str, Form(max_length=32)],
                       service: Annotated[str, Form(max_length=64)],
                       name: Annotated[str, Form(min_length=1, max_length=200)],
                       options: Annotated[str, Form(max_length=20_000)] = "") -> HTMLResponse:
    row, key = integrations_service.create(session, type_=type, service=service, name=name.strip(),
                                           options=_options(options), now=now, actor=viewer.actor)
    created = Created(name=row.name, type=row.type, key=key,
                      url=integrations_service.url_for(settings.public_url, row.type, key))
    return render.page("integrations.html", _integrations_page(session, viewer, settings.public_url, created),
                       status=201)


def _options(text: str) -> dict:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadInput(f"options must be a JSON object: {exc}", details={"field": "options"}) from None
    if not isinstance(value, dict):
        raise BadInput("options must be a JSON object, like {\"summary\": \"$.title\"}", details={"field": "options"})
    if _has_nul(value):
        raise BadInput(NUL_MESSAGE, details={"field": "options"})
    return value


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
