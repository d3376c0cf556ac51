"""Communications requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class StrictIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UpdateIn(StrictIn):
    status: str = Field(min_length=1, max_length=200, description="Current status, in words")
    actions: str = Field(min_length=1, max_length=5_000, description="Actions completed")
    next_steps: str = Field(min_length=1, max_length=5_000)
    eta: str | None = Field(None, max_length=200, description="When it should be fixed, if known")


class UpdateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    status: str
    actions: str
    next_steps: str
    eta: str
    subject: str
    body: str
    posted_by: str
    posted_at: datetime


class UpdateList(BaseModel):
    items: list[UpdateOut]
    next_update_due_at: datetime | None
    cadence_seconds: int


class PreviewIn(StrictIn):
    template: str = Field(min_length=1, max_length=64, description="Template id of the incident's pack")
    fields: dict[str, Any] | None = Field(None, description="Values for some names, e.g. {\"update\": {\"eta\": …}}")


class PreviewOut(BaseModel):
    template: str
    name: str
    subject: str
    body: str


class ChannelOut(BaseModel):
    provider: str
    id: str
    name: str
    url: str
    created_at: datetime
