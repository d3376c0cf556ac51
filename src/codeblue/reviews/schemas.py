"""Reviews and follow-up actions: what the API accepts and shows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from codeblue.incidents.schemas import StrictIn

Text = Annotated[str, Field(max_length=20_000)]
Priority = Literal["high", "medium", "low"]
FollowUpStatus = Literal["open", "done", "wont_do"]


def _sane_date(value: date | None) -> date | None:
    if value is not None and not date(2000, 1, 1) <= value <= date(2200, 12, 31):
        raise ValueError("must be between 2000-01-01 and 2200-12-31")
    return value


def _utc(value: datetime) -> datetime:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if not datetime(2000, 1, 2, tzinfo=UTC) <= value <= datetime(2200, 12, 31, tzinfo=UTC):
        raise ValueError("must be between 2000-01-02 and 2200-12-31")
    return value.astimezone(UTC)


Day = Annotated[date, AfterValidator(_sane_date)]
Instant = Annotated[datetime, AfterValidator(_utc)]


class Highlight(StrictIn):
    at: Instant = Field(description="UTC; a time without an offset is read as UTC")
    text: str = Field(min_length=1, max_length=2_000)


class ReviewPatch(StrictIn):
    """The review's sections; fields left out stay as they are."""

    summary: Text | None = None
    impact: Text | None = None
    timeline: list[Highlight] | None = Field(None, max_length=500, description="The timeline highlights, in full")
    actions_taken: list[Annotated[str, Field(min_length=1, max_length=2_000)]] | None = Field(None, max_length=200)
    root_cause: Text | None = None
    analysis: Text | None = None
    contributing_factors: Text | None = None
    lessons_learned: Text | None = None
    prevention: Text | None = None
    compliance_impact: Text | None = None


class FollowUpIn(StrictIn):
    title: str = Field(min_length=1, max_length=300)
    description: Text = ""
    owner: str = Field(min_length=3, max_length=254, description="Owner's email")
    due_on: Day
    priority: Priority = "medium"


class FollowUpPatch(StrictIn):
    title: str | None = Field(None, min_length=1, max_length=300)
    description: Text | None = None
    owner: str | None = Field(None, min_length=3, max_length=254)
    due_on: Day | None = None
    priority: Priority | None = None
    status: FollowUpStatus | None = None
    resolution: Text | None = Field(None, description="Why: required for won't do")


class FollowUpOut(BaseModel):
    id: int
    incident: str
    title: str
    description: str
    owner: str
    owner_name: str
    due_on: date
    priority: Priority
    status: FollowUpStatus
    overdue: bool
    resolution: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class FollowUpPage(BaseModel):
    items: list[FollowUpOut]
    total: int
    limit: int
    offset: int


class HighlightOut(BaseModel):
    at: datetime
    text: str


class ReviewOut(BaseModel):
    incident: str
    incident_title: str
    status: Literal["open", "done"]
    due_at: datetime
    overdue: bool
    severity: str
    detected_at: datetime
    resolved_at: datetime | None
    duration_seconds: int | None
    summary: str
    impact: str
    timeline: list[HighlightOut]
    actions_taken: list[str]
    root_cause: str
    analysis: str
    contributing_factors: str
    lessons_learned: str
    prevention: str
    compliance_impact: str
    follow_ups: list[FollowUpOut]
    completed_at: datetime | None
    completed_by: str | None
    created_at: datetime
    updated_at: datetime


class ReopenIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2_000)
