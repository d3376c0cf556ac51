"""Review and follow-up routes: /api/v1/incidents/{ref}/review, .../follow-ups, and /api/v1/follow-ups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

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
from codeblue.reviews import followups, views
from codeblue.reviews import service as reviews
from codeblue.reviews.schemas import (
    FollowUpIn,
    FollowUpOut,
    FollowUpPage,
    FollowUpPatch,
    FollowUpStatus,
    ReopenIn,
    ReviewOut,
    ReviewPatch,
)

router = APIRouter(prefix="/api/v1", tags=["reviews"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/incidents/{ref}/review", response_model=ReviewOut)
def get_review(incident: ViewedIncident, session: ReadSession, _: Reader, now: Now) -> ReviewOut:
    return views.review_out(reviews.get(session, incident=incident), now)


@router.patch("/incidents/{ref}/review", response_model=ReviewOut)
def update_review(patch: ReviewPatch, incident: CurrentIncident, session: DbSession, actor: Responder,
                  now: Now) -> ReviewOut:
    review = reviews.update(session, review=reviews.get(session, incident=incident), patch=patch, actor=actor, now=now)
    return views.review_out(review, now)


@router.post("/incidents/{ref}/review/complete", response_model=ReviewOut)
def complete_review(incident: CurrentIncident, session: DbSession, actor: Commander, now: Now) -> ReviewOut:
    review = reviews.complete(session, review=reviews.get(session, incident=incident), actor=actor, now=now)
    return views.review_out(review, now)


@router.post("/incidents/{ref}/review/reopen", response_model=ReviewOut)
def reopen_review(data: ReopenIn, incident: CurrentIncident, session: DbSession, actor: Commander,
                  now: Now) -> ReviewOut:
    review = reviews.reopen(session, review=reviews.get(session, incident=incident), actor=actor, now=now,
                            reason=data.reason)
    return views.review_out(review, now)


@router.get("/incidents/{ref}/review/report.md", response_class=Response,
            responses={200: {"content": {"text/markdown": {}}, "description": "The report as Markdown"}})
def review_markdown(incident: ViewedIncident, session: ReadSession, _: Reader, settings: AppSettings) -> Response:
    text = reviews.markdown(reviews.get(session, incident=incident), base_url=settings.public_url)
    return Response(text, media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{incident.ref}-review.md"'})


@router.get("/incidents/{ref}/review/report.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "The report as PDF"}})
def review_pdf(incident: ViewedIncident, session: ReadSession, _: Reader, settings: AppSettings) -> Response:
    data = reviews.pdf(reviews.get(session, incident=incident), base_url=settings.public_url)
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{incident.ref}-review.pdf"'})


@router.post("/incidents/{ref}/follow-ups", response_model=FollowUpOut, status_code=201)
def add_follow_up(data: FollowUpIn, incident: CurrentIncident, session: DbSession, actor: Responder,
                  now: Now) -> FollowUpOut:
    return views.follow_up_out(followups.create(session, incident=incident, data=data, actor=actor, now=now), now)


@router.get("/incidents/{ref}/follow-ups", response_model=FollowUpPage)
def incident_follow_ups(incident: ViewedIncident, session: ReadSession, _: Reader, now: Now,
                        status: FollowUpStatus | None = None) -> FollowUpPage:
    items, total = followups.list_all(session, now=now, status=status, incident=incident, limit=500)
    return FollowUpPage(items=[views.follow_up_out(f, now) for f in items], total=total, limit=500, offset=0)


@router.get("/follow-ups", response_model=FollowUpPage)
def list_follow_ups(session: ReadSession, _: Reader, now: Now,
                    status: Annotated[FollowUpStatus | None, Query(description="Default: open only")] = "open",
                    owner: Annotated[str | None, Query(max_length=254, description="Owner's email")] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100,
                    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> FollowUpPage:
    """Follow-up actions across incidents, overdue ones first."""
    items, total = followups.list_all(session, now=now, status=status, owner=owner, limit=limit, offset=offset)
    return FollowUpPage(items=[views.follow_up_out(f, now) for f in items], total=total, limit=limit, offset=offset)


@router.get("/follow-ups/{follow_up_id}", response_model=FollowUpOut)
def get_follow_up(follow_up_id: Id, session: ReadSession, _: Reader, now: Now) -> FollowUpOut:
    return views.follow_up_out(followups.get(session, follow_up_id=follow_up_id), now)


@router.patch("/follow-ups/{follow_up_id}", response_model=FollowUpOut)
def update_follow_up(follow_up_id: Id, patch: FollowUpPatch, session: DbSession, actor: Responder,
                     now: Now) -> FollowUpOut:
    item = followups.update(session, item=followups.get(session, follow_up_id=follow_up_id), patch=patch,
                            actor=actor, now=now)
    return views.follow_up_out(item, now)
