"""On-call shapes for the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)
FIRST_YEAR, LAST_YEAR = 1970, 9000
DB_ID = Field(ge=1, le=2**31 - 1)


def _instant(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give the instant with its UTC offset, e.g. 2026-03-10T14:00:00Z")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    # Schedules are asked about years ahead (handoffs, calendars); instants near datetime's limits overflow.
    if utc is None or not FIRST_YEAR <= utc.year <= LAST_YEAR:
        raise ValueError(f"give an instant between the years {FIRST_YEAR} and {LAST_YEAR}")
    return value


Instant = Annotated[datetime, AfterValidator(_instant)]


class ContactMethodIn(BaseModel):
    model_config = Strict
    type: Literal["email", "sms", "voice", "slack", "slack_webhook", "webhook", "pagerduty"]
    address: str = Field(min_length=1, max_length=500)
    label: str = Field("", max_length=100)
    phi_safe: bool = False
    throttle_per_minute: int | None = Field(None, ge=0, le=10_000,
                                            description="Messages a minute to it; unset: the server's default; 0: none")


class ContactMethodOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    type: str
    address: str
    label: str
    verified: bool
    phi_safe: bool
    throttle_per_minute: int | None


class RuleIn(BaseModel):
    model_config = Strict
    contact_method_id: Annotated[int, DB_ID]
    delay_seconds: int = Field(0, ge=0, le=86_400)


class RotationIn(BaseModel):
    model_config = Strict
    kind: Literal["daily", "weekly", "hourly", "custom"]
    participants: list[str] = Field(min_length=1, description="User emails, in rotation order")
    start: Instant = Field(description="The first handoff, with its UTC offset")
    handoff: str = Field("09:00", pattern=r"^\d{2}:\d{2}$", description="Local wall-clock handoff time")
    shift_seconds: int | None = Field(None, ge=60, le=366 * 86_400)


class LayerIn(BaseModel):
    model_config = Strict
    rotation: RotationIn
    restrictions: list[dict[str, Any]] = []


class ScheduleIn(BaseModel):
    model_config = Strict
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    name: str = Field(min_length=1, max_length=200)
    tz: str = Field("UTC", max_length=64)
    layers: list[LayerIn] = []


class ScheduleOut(BaseModel):
    slug: str
    name: str
    tz: str
    layers: list[dict[str, Any]]


class OverrideIn(BaseModel):
    model_config = Strict
    user: str = Field(description="Email of who takes the shift")
    start: Instant
    end: Instant
    replaces: str | None = Field(None, description="Only instead of this person (a swap)")


class OnCallOut(BaseModel):
    schedule: str
    at: datetime
    on_call: list[str]
    next_handoffs: list[dict[str, Any]]


class PolicyStepIn(BaseModel):
    model_config = Strict
    delay_seconds: int | None = Field(None, ge=0, le=7 * 86_400, description="Unset: the severity's response target")
    targets: list[dict[str, str]] = Field(min_length=1)


class PolicyIn(BaseModel):
    model_config = Strict
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    name: str = Field(min_length=1, max_length=200)
    steps: list[PolicyStepIn] = Field(min_length=1)
    repeat: int = Field(0, ge=0, le=10)


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    slug: str
    name: str
    steps: list[dict[str, Any]]
    repeat: int


class BindPolicyIn(BaseModel):
    model_config = Strict
    policy: str


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    purpose: str
    channel: str
    address: str
    status: str
    attempts: int
    last_error: str | None
    step: int | None
    loop: int | None
    created_at: datetime
    sent_at: datetime | None
