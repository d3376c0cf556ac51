"""The policy-pack format: a YAML file per pack, validated by these models."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

from codeblue.policy.durations import format_duration, parse_duration

Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
SeverityId = Literal["P0", "P1", "P2", "P3"]
SEVERITY_IDS: tuple[str, ...] = ("P0", "P1", "P2", "P3")
Operator = Literal[
    "eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains", "matches", "exists", "missing"
]
AutoCheck = Literal[
    "acknowledged", "severity_set", "channel_created", "stakeholders_notified",
    "investigation_started", "commander_assigned", "status_update_posted", "resolved",
    "review_scheduled",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CustomerNotice(Strict):
    """When customers must hear about an incident of this severity."""

    mode: Literal["immediate", "within", "regular_updates", "none"]
    within: Duration | None = None
    user_facing_only: bool = False
    text: str = ""

    @model_validator(mode="after")
    def _within_needs_a_period(self) -> CustomerNotice:
        if self.mode == "within" and self.within is None:
            raise ValueError("customer_notice mode 'within' needs a 'within' duration")
        if self.mode != "within" and self.within is not None:
            raise ValueError(f"customer_notice mode '{self.mode}' takes no 'within' duration")
        return self


class StepList(Strict):
    """A titled list of steps, as the seeds write them."""

    title: str
    steps: list[str] = Field(min_length=1)


class Severity(Strict):
    id: SeverityId
    name: str
    criteria: list[str] = Field(min_length=1)
    response_target: Duration
    update_cadence: Duration
    customer_notice: CustomerNotice
    review_due: Duration
    stakeholders: list[str] = []
    strategy: list[StepList] = []


class FactCondition(Strict):
    fact: str = Field(min_length=1)
    op: Operator = "eq"
    value: Any = None

    @model_validator(mode="after")
    def _value_fits_operator(self) -> FactCondition:
        if self.op in ("exists", "missing"):
            if self.value is not None:
                raise ValueError(f"operator '{self.op}' takes no value")
        elif self.value is None:
            raise ValueError(f"operator '{self.op}' needs a value")
        if self.op in ("gt", "gte", "lt", "lte") and not isinstance(self.value, int | float):
            raise ValueError(f"operator '{self.op}' needs a number, got {self.value!r}")
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"operator '{self.op}' needs a list of values")
        return self


class AllOf(Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(Strict):
    not_: Condition = Field(alias="not")


Condition = FactCondition | AllOf | AnyOf | NotOf
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


class Rule(Strict):
    """Alert facts → severity and incident type, with the reason a person reads."""

    id: Slug
    reason: str = Field(min_length=1)
    when: Condition
    severity: SeverityId | None = None
    type: str | None = None
    phi_suspected: bool = False
    user_facing: bool | None = None

    @model_validator(mode="after")
    def _decides_something(self) -> Rule:
        if self.severity is None and self.type is None and not self.phi_suspected:
            raise ValueError("a rule must set a severity, a type or phi_suspected")
        return self


class Command(Strict):
    title: str
    run: str = Field(min_length=1)


class IncidentType(Strict):
    """A scenario from the playbook and its runbook."""

    id: Slug
    name: str
    category: Literal["security", "outage", "database", "backup", "performance", "general"]
    description: str = ""
    default_severity: SeverityId | None = None
    symptoms: list[str] = []
    immediate_actions: list[str] = []
    resolution_steps: list[str] = []
    commands: list[Command] = []
    checklists: list[str] = []
    notify: list[str] = []
    phi_suspected: bool = False


class ChecklistItem(Strict):
    id: Slug
    text: str
    auto: AutoCheck | None = None


class Checklist(Strict):
    id: Slug
    name: str
    phase: Literal[
        "preparation", "detection", "investigation", "resolution", "recovery", "during", "post"
    ]
    items: list[ChecklistItem] = Field(min_length=1)
    attach: Literal["always", "by_type"] = "by_type"
    required_to_resolve: list[SeverityId] = []


class Template(Strict):
    id: Slug
    name: str
    kind: Literal["initial", "update", "resolution", "alert", "customer", "report"]
    audience: Literal["responders", "stakeholders", "customers", "reviewers"]
    subject: str | None = None
    body: str = Field(min_length=1)


class ContactMethod(Strict):
    type: Literal["email", "sms", "voice", "phone", "slack", "webhook", "pagerduty", "other"]
    address: str


class Contact(Strict):
    id: Slug
    name: str
    kind: Literal["oncall", "person", "team", "external"]
    methods: list[ContactMethod] = []


class EscalationStep(Strict):
    targets: list[str] = Field(min_length=1)
    delay: Duration | None = None  # None: the severity's response target


class Escalation(Strict):
    id: Slug
    name: str
    steps: list[EscalationStep] = Field(min_length=1)
    repeat: int = Field(0, ge=0, le=10)


class ServiceDef(Strict):
    id: Slug
    name: str
    user_facing: bool = True
    description: str = ""


class Phase(Strict):
    id: Slug
    name: str
    starts_after: Duration = timedelta(0)
    ends_after: Duration | None = None
    steps: list[StepList] = []


class Procedure(Strict):
    """A named part of the playbook that is not a scenario: detection, triage, RCA, compliance."""

    id: Slug
    name: str
    steps: list[str] = []
    commands: list[Command] = []


class ChatChannel(Strict):
    name: str
    purpose: str


class Review(Strict):
    template: str
    activities: list[StepList] = []
    documentation: list[str] = []
    follow_up_actions: list[str] = []


class Compliance(Strict):
    hipaa: bool = True
    breach_assessment: list[str] = []
    regulatory_reporting: list[str] = []
    notify_on_phi: list[str] = []  # contacts told when an incident is flagged PHI suspected


class Pack(Strict):
    """One playbook, as code."""

    pack: Slug
    name: str
    version: int = Field(ge=1)
    description: str = ""
    source: str = ""
    services: list[ServiceDef] = []
    severities: list[Severity]
    default_severity: SeverityId
    default_type: str
    auto_resolve: Literal["monitoring", "resolved", "none"] = "monitoring"
    grouping_window: Duration = timedelta(hours=1)
    incident_types: list[IncidentType] = Field(min_length=1)
    classification: list[Rule] = []
    checklists: list[Checklist] = []
    templates: list[Template] = []
    contacts: list[Contact] = []
    escalation: Escalation
    placeholders: dict[str, list[str]] = {}
    phases: list[Phase] = []
    procedures: list[Procedure] = []
    chat_channels: list[ChatChannel] = []
    detection_sources: list[str] = []
    review: Review | None = None
    compliance: Compliance = Compliance()

    def severity(self, sid: str) -> Severity:
        return next(s for s in self.severities if s.id == sid)

    def incident_type(self, tid: str) -> IncidentType | None:
        return next((t for t in self.incident_types if t.id == tid), None)

    def template(self, tid: str) -> Template | None:
        return next((t for t in self.templates if t.id == tid), None)
