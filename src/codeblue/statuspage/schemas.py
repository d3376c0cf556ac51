"""Customer notices, public posts and the status page: what the API accepts and shows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from codeblue.incidents.schemas import StrictIn

State = Literal["investigating", "identified", "monitoring", "resolved"]
Impact = Literal["degraded", "partial_outage", "major_outage"]
ComponentState = Literal["operational", "degraded", "partial_outage", "major_outage"]
Short = Annotated[str, Field(min_length=1, max_length=500)]


class CustomerFields(StrictIn):
    """What the commander writes for customers; the only incident-specific text a customer template sees."""

    description: Short = Field(description="what customers experience, e.g. 'delays joining video visits'")
    affected_functionality: Short
    update_frequency: Short = "30 minutes"
    impact: Annotated[str, Field(max_length=500)] = ""
    eta: Annotated[str, Field(max_length=200)] = "to be confirmed"
    state: State = "investigating"
    component_impact: Impact | None = Field(None, description="the component's state on the page; "
                                                              "default from the severity")
    title: Annotated[str, Field(max_length=300)] = Field("", description="the public incident title; "
                                                                        "default '<service> service disruption'")


class WaiveIn(StrictIn):
    reason: Annotated[str, Field(min_length=3, max_length=2_000)]


class StatusPostIn(StrictIn):
    """A later public update, written as customers will read it."""

    state: State
    body: Annotated[str, Field(min_length=1, max_length=5_000)]
    impact: Impact | None = None


class PreviewOut(BaseModel):
    template: str
    subject: str
    body: str


class PostOut(BaseModel):
    id: int
    state: State
    impact: Impact
    subject: str
    body: str
    posted_at: datetime


class NoticeOut(BaseModel):
    incident: str
    status: Literal["owed", "not_owed", "sent", "waived"]
    clock: Literal["due", "overdue", "sent", "waived", "not_owed"]
    mode: str
    severity: str
    reason: str
    owed_since: datetime | None
    due_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    waive_reason: str | None
    final_post_offered: bool = Field(description="the incident is resolved and the page does not say so yet")
    posts: list[PostOut]


class PublicPost(BaseModel):
    state: State
    body: str
    posted_at: datetime


class PublicIncident(BaseModel):
    id: str
    title: str
    component: str
    state: State
    impact: Impact
    opened_at: datetime
    resolved_at: datetime | None
    posts: list[PublicPost]


class PublicComponent(BaseModel):
    name: str
    state: ComponentState


class PublicDay(BaseModel):
    day: str
    components: dict[str, ComponentState]


class StatusOut(BaseModel):
    generated_at: datetime
    overall: ComponentState
    components: list[PublicComponent]
    active_incidents: list[PublicIncident]
    history: list[PublicDay]
    past_incidents: list[PublicIncident]
