"""Incident requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from codeblue.incidents.lifecycle import Status
from codeblue.policy.schema import SeverityId

IncidentRoleName = Literal["commander", "communications", "scribe", "technical_lead", "compliance_lead"]


class StrictIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IncidentCreate(StrictIn):
    service: str = Field(min_length=1, max_length=64, description="Slug of the affected service")
    title: str = Field(min_length=1, max_length=300)
    description: str = Field("", max_length=20_000)
    severity: SeverityId | None = Field(None, description="Omit to let the service's pack classify")
    type: str | None = Field(None, max_length=64)
    user_facing: bool | None = None
    phi_suspected: bool = False
    source: Literal["api", "user_report"] = Field(
        "api", description="user_report for a person's report; the default when a reporter is named")
    reporter: str | None = Field(None, max_length=254, description="Who reported it (name, email or phone)")
    facts: dict[str, Any] = Field(default_factory=dict, description="Named facts for classification")

    @model_validator(mode="after")
    def _reporter_means_user_report(self) -> IncidentCreate:
        if self.reporter and "source" not in self.model_fields_set:
            self.source = "user_report"
        return self


class IncidentPatch(StrictIn):
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, max_length=20_000)
    status: Status | None = None
    severity: SeverityId | None = None
    type: str | None = Field(None, max_length=64)
    user_facing: bool | None = None
    phi_suspected: bool | None = None
    roles: dict[IncidentRoleName, str | None] | None = Field(
        None, description="Role → user email, or null to unassign"
    )
    reason: str | None = Field(None, max_length=2_000, description="Why; required to change severity")


class AcknowledgeIn(StrictIn):
    note: str | None = Field(None, max_length=20_000)


class ResolveIn(StrictIn):
    note: str | None = Field(None, max_length=20_000)
    override_reason: str | None = Field(None, min_length=1, max_length=2_000, description=(
        "Resolve with checklist items required to resolve (recovery verification) still open, and why"))


class CloseIn(StrictIn):
    note: str | None = Field(None, max_length=20_000)
    override_reason: str | None = Field(None, min_length=1, max_length=2_000,
                                        description="Admins only: close without a completed review, and why")


class NoteIn(StrictIn):
    text: str = Field(min_length=1, max_length=20_000)


class Person(BaseModel):
    email: str
    name: str


class Classification(BaseModel):
    rule: str | None
    reason: str


class IncidentOut(BaseModel):
    id: str
    title: str
    description: str
    service: str
    service_name: str
    pack: str
    type: str
    type_name: str
    severity: str
    severity_name: str
    status: Status
    user_facing: bool
    phi_suspected: bool
    source: str
    reporter: str | None
    classification: Classification
    roles: dict[str, Person]
    response_target_seconds: int
    acknowledge_due_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    total: int
    limit: int
    offset: int


class TimelineEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str
    actor: str
    summary: str
    data: dict[str, Any]


def incident_out(incident: Any, pack: Any) -> IncidentOut:
    """The API's view of an incident, with names and targets from its pack."""
    severity = pack.severity(incident.severity)
    itype = pack.incident_type(incident.type)
    return IncidentOut(
        id=incident.ref,
        title=incident.title,
        description=incident.description,
        service=incident.service.slug,
        service_name=incident.service.name,
        pack=pack.pack,
        type=incident.type,
        type_name=itype.name if itype else incident.type,
        severity=incident.severity,
        severity_name=severity.name,
        status=Status(incident.status),
        user_facing=incident.user_facing,
        phi_suspected=incident.phi_suspected,
        source=incident.source,
        reporter=incident.reporter,
        classification=Classification(rule=incident.classification_rule, reason=incident.classification_reason),
        roles={r.role: Person(email=r.user.email, name=r.user.name) for r in incident.roles},
        response_target_seconds=int(severity.response_target.total_seconds()),
        acknowledge_due_at=incident.detected_at + severity.response_target,
        detected_at=incident.detected_at,
        acknowledged_at=incident.acknowledged_at,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        closed_at=incident.closed_at,
        created_at=incident.created_at,
        updated_at=incident.updated_at,
    )
