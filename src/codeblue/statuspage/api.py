"""Customer-notice and public-post routes: /api/v1/incidents/{ref}/customer-notice, .../status-posts."""

from __future__ import annotations

from fastapi import APIRouter

from codeblue.deps import (
    AppSettings,
    Commander,
    CurrentIncident,
    DbSession,
    Now,
    Reader,
    ReadSession,
    Responder,
    ViewedIncident,
)
from codeblue.statuspage import service as notices
from codeblue.statuspage.schemas import CustomerFields, NoticeOut, PostOut, PreviewOut, StatusPostIn, WaiveIn

router = APIRouter(prefix="/api/v1", tags=["customer notices"])


@router.get("/incidents/{ref}/customer-notice", response_model=NoticeOut)
def get_notice(incident: ViewedIncident, session: ReadSession, _: Reader, now: Now) -> NoticeOut:
    return notices.view(session, incident=incident, now=now)


@router.post("/incidents/{ref}/customer-notice/preview", response_model=PreviewOut)
def preview_notice(fields: CustomerFields, incident: ViewedIncident, session: ReadSession, actor: Responder,
                   settings: AppSettings) -> PreviewOut:
    return notices.preview(session, incident=incident, fields=fields, actor=actor, links=notices.Links.of(settings))


@router.post("/incidents/{ref}/customer-notice/send", response_model=NoticeOut)
def send_notice(fields: CustomerFields, incident: CurrentIncident, session: DbSession, actor: Commander, now: Now,
                settings: AppSettings) -> NoticeOut:
    return notices.send(session, incident=incident, fields=fields, actor=actor, now=now, links=notices.Links.of(settings))


@router.post("/incidents/{ref}/customer-notice/waive", response_model=NoticeOut)
def waive_notice(data: WaiveIn, incident: CurrentIncident, session: DbSession, actor: Commander,
                 now: Now) -> NoticeOut:
    return notices.waive(session, incident=incident, reason=data.reason, actor=actor, now=now)


@router.post("/incidents/{ref}/status-posts", response_model=PostOut, status_code=201)
def post_status(data: StatusPostIn, incident: CurrentIncident, session: DbSession, actor: Commander, now: Now,
                settings: AppSettings) -> PostOut:
    return notices.post_update(session, incident=incident, data=data, actor=actor, now=now, links=notices.Links.of(settings))
