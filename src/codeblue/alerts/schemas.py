"""Integration and alert shapes for the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

IntegrationType = Literal["pagerduty", "alertmanager", "grafana", "datadog", "sns", "eventbridge", "generic",
                          "heartbeat"]


class IntegrationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: IntegrationType
    service: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    options: dict[str, Any] = Field(default_factory=dict)


class IntegrationOut(BaseModel):
    id: int
    type: str
    service: str
    name: str
    key_prefix: str
    url: str
    options: dict[str, Any]
    enabled: bool
    created_at: datetime


class IntegrationCreated(IntegrationOut):
    key: str = Field(description="The secret key; shown this once only")


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    dedup_key: str
    status: str
    summary: str
    source: str
    component: str | None
    severity_hint: str | None
    facts: dict[str, Any]
    count: int
    occurred_at: datetime
    first_seen_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    incident: str | None = None


class OutcomeOut(BaseModel):
    action: str
    dedup_key: str
    result: str
    incident: str | None


class IngestResult(BaseModel):
    status: Literal["accepted"] = "accepted"
    alerts: list[OutcomeOut]
