"""Breach cases, notices and evidence: what the API accepts and shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from codeblue.incidents.schemas import StrictIn

_EARLIEST, _LATEST = date(1970, 1, 1), date(2200, 12, 31)


def _in_range(value: date | None) -> date | None:
    if value is not None and not _EARLIEST <= value <= _LATEST:
        raise ValueError(f"must be between {_EARLIEST} and {_LATEST}")
    return value


Day = Annotated[date, AfterValidator(_in_range)]
Count = Annotated[int, Field(ge=0, le=1_000_000_000)]
StateCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Text = Annotated[str, Field(max_length=20_000)]
Short = Annotated[str, Field(max_length=200)]
Decision = Literal["breach", "low_probability", "exception"]
NoticeStatus = Literal["pending", "sent", "not_required"]


class BreachCasePatch(StrictIn):
    """Any of the case's facts; fields left out stay as they are."""

    actual_knowledge_on: Day | None = Field(None, description="First day the breach was known (164.404(a)(2))")
    reasonable_diligence_on: Day | None = Field(None, description="First day it would have been known with "
                                                                  "reasonable diligence")
    discovered_by: Short | None = None
    occurred_on: Day | None = None
    breach_type: Short | None = Field(None, description="e.g. hacking/IT incident, unauthorized access, theft")
    phi_location: Short | None = Field(None, description="e.g. network server, email, EHR, laptop, paper")
    entity_role: Literal["covered_entity", "business_associate"] | None = None
    ba_relationship: Literal["agent", "independent"] | None = None
    ba_discovered_on: Day | None = None
    ba_notified_ce_on: Day | None = None
    licensed_facility: bool | None = None
    exception: Literal["i", "ii", "iii"] | None = Field(None, description="164.402(1)(i)-(iii), if one applies")
    exception_notes: Text | None = None
    encrypted: bool | None = None
    encryption_standard: Short | None = None
    key_compromised: bool | None = None
    destroyed: bool | None = None
    destruction_method: Short | None = None
    factor_nature: Text | None = Field(None, description="(i) nature and extent of the PHI")
    factor_recipient: Text | None = Field(None, description="(ii) the unauthorized person")
    factor_acquired: Text | None = Field(None, description="(iii) whether the PHI was acquired or viewed")
    factor_mitigation: Text | None = Field(None, description="(iv) the extent the risk has been mitigated")
    individuals_total: Count | None = None
    individuals_per_state: dict[StateCode, Count] | None = Field(None, max_length=60)
    deceased: Count | None = None
    insufficient_contact: Count | None = None
    le_oral_on: Day | None = None
    le_official: Short | None = None
    le_written_on: Day | None = None
    le_written_until: Day | None = None
    counsel_decision: Text | None = None


class DecisionIn(StrictIn):
    decision: Decision
    rationale: Text = Field(min_length=1)


class NoticePatch(StrictIn):
    status: NoticeStatus | None = None
    sent_on: Day | None = None
    method: Short | None = None
    sent_by: Short | None = None
    reminder_days: list[Annotated[int, Field(ge=1, le=365)]] | None = Field(None, max_length=10)


class EvidenceIn(StrictIn):
    description: Text = Field(min_length=1)
    reference: str = Field("", max_length=1000)
    content: str | None = Field(None, max_length=400_000, description="A copy of what was sent, if at hand")


class EvidenceOut(BaseModel):
    id: int
    description: str
    reference: str
    sha256: str | None
    added_by: str
    created_at: datetime


class NoticeOut(BaseModel):
    id: int
    case_id: int
    kind: str
    recipient: str
    state: str | None
    due: date | None
    base_due: date | None
    citation: str
    note: str
    status: NoticeStatus
    overdue: bool
    sent_on: date | None
    on_time: bool | None
    method: str
    sent_by: str
    reminder_days: list[int]
    escalated_at: datetime | None
    evidence: list[EvidenceOut]
    retained_until: datetime


class Discovery(BaseModel):
    actual_knowledge_on: date | None
    reasonable_diligence_on: date | None
    discovery_on: date | None
    basis: str | None
    discovered_by: str
    citation: str


class SignedDecision(BaseModel):
    decision: Decision | None
    rationale: str
    decided_by: str
    decided_at: datetime | None


class BreachCaseOut(BaseModel):
    id: int
    incident: str
    incident_title: str
    status: str
    opened_reason: str
    discovery: Discovery
    facts: dict[str, Any]
    decision: SignedDecision
    assumptions: list[str]
    deadlines: dict[str, Any] | None
    deadlines_problem: str | None
    notices: list[NoticeOut]
    created_at: datetime
    updated_at: datetime
    retained_until: datetime


class BreachCaseSummary(BaseModel):
    id: int
    incident: str
    status: str
    decision: Decision | None
    discovery_on: date | None
    next_due: date | None
    open_notices: int
    overdue_notices: int
    updated_at: datetime


class BreachCasePage(BaseModel):
    items: list[BreachCaseSummary]
    total: int
