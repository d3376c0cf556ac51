"""State breach-notification rules: the YAML policy schema, its loader, and the deadlines it yields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from codeblue.compliance.days import add_days

BUILTIN_FILE = Path(__file__).with_name("state_rules.yaml")
StateCode = str  # two upper-case letters, e.g. "CA"
Anchor = Literal["discovery", "individual_notice", "hhs_notice"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    """A number of days counted from an anchor date."""

    days: int = Field(ge=0)
    business_days: bool = False
    after: Anchor

    def describe(self) -> str:
        unit = "business days" if self.business_days else "days"
        return f"{self.days} {unit} after {self.after.replace('_', ' ')}"


class Threshold(_Strict):
    """How many of the state's residents trigger a duty: exactly one of more_than / at_least."""

    more_than: int | None = Field(default=None, ge=0)
    at_least: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _exactly_one(self) -> Threshold:
        if (self.more_than is None) == (self.at_least is None):
            raise ValueError("give exactly one of 'more_than' or 'at_least'")
        return self

    def met(self, residents: int) -> bool:
        return residents > self.more_than if self.more_than is not None else residents >= self.at_least

    def describe(self) -> str:
        return f"> {self.more_than}" if self.more_than is not None else f">= {self.at_least}"


class Regulator(_Strict):
    name: str = Field(min_length=1)
    when: Threshold | None = None  # None: any number of the state's residents
    period: Period
    citation: str = Field(min_length=1)
    note: str | None = None


class StateRule(_Strict):
    state: StateCode = Field(pattern=r"^[A-Z]{2}$")
    name: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    effective_from: date | None = None
    only_if: Literal["licensed_facility"] | None = None
    individuals: Period
    regulators: list[Regulator] = []
    note: str | None = None

    @model_validator(mode="after")
    def _individuals_count_from_discovery(self) -> StateRule:
        if self.individuals.after != "discovery":
            raise ValueError("individuals.after must be 'discovery'")
        return self


class StateRules(_Strict):
    version: Literal[1]
    rules: list[StateRule]

    def for_state(self, state: StateCode) -> list[StateRule]:
        return [r for r in self.rules if r.state == state]


class StateRulesError(ValueError):
    """The state-rules YAML is unreadable or does not match the schema."""


def parse_state_rules(text: str, source: str = "<text>") -> StateRules:
    """Validate state-rules YAML text; every problem is reported as 'source: where: message'."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StateRulesError(f"{source}: not valid YAML: {exc}") from None
    try:
        return StateRules.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()]
        raise StateRulesError(f"{source}: " + "; ".join(problems)) from None


def load_state_rules(path: Path | None = None) -> StateRules:
    """The rules in `path`, or the shipped state_rules.yaml."""
    path = path or BUILTIN_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StateRulesError(f"{path}: cannot read: {exc}") from None
    return parse_state_rules(text, str(path))


@lru_cache(maxsize=1)
def builtin_rules() -> StateRules:
    return load_state_rules()


# --- Evaluation -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegulatorDeadline:
    name: str
    due: date | None
    citation: str
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class StateDeadline:
    """One state rule applied to one affected state: the individual and regulator deadlines."""

    state: StateCode
    rule: str
    residents: int
    due: date | None
    citation: str
    regulators: tuple[RegulatorDeadline, ...] = ()
    note: str | None = None

    @property
    def first_regulator(self) -> RegulatorDeadline | None:
        dated = [r for r in self.regulators if r.due is not None]
        return min(dated, key=lambda r: r.due) if dated else None

    @property
    def regulator_due(self) -> date | None:
        first = self.first_regulator
        return first.due if first else None


@dataclass(frozen=True)
class StateOutcome:
    deadlines: tuple[StateDeadline, ...]
    without_rules: tuple[StateCode, ...]  # affected states with no rule on file
    notes: tuple[str, ...]


def _count(period: Period, anchors: Mapping[str, date | None]) -> date | None:
    start = anchors[period.after]
    return None if start is None else add_days(start, period.days, business=period.business_days)


def evaluate(
    rules: StateRules,
    per_state: Mapping[StateCode, int],
    *,
    discovery: date | None,
    hhs_due: date | None,
    licensed_facility: bool,
) -> StateOutcome:
    """Every applicable rule for every state with at least one affected resident, in state order."""
    deadlines: list[StateDeadline] = []
    without: list[StateCode] = []
    notes: list[str] = []
    for state in sorted(s for s, n in per_state.items() if n > 0):
        residents = per_state[state]
        matching = rules.for_state(state)
        if not matching:
            without.append(state)
            continue
        for rule in matching:
            if rule.only_if == "licensed_facility" and not licensed_facility:
                notes.append(f"{rule.name} applies only to licensed clinics and health facilities; "
                             f"not applied (say so with licensed_facility / --licensed-facility)")
                continue
            if rule.effective_from and discovery and discovery < rule.effective_from:
                notes.append(f"{rule.name}: the rule on file applies from {rule.effective_from.isoformat()}, "
                             f"after discovery; check the statute in force on {discovery.isoformat()}")
                continue
            due = _count(rule.individuals, {"discovery": discovery})
            anchors = {"discovery": discovery, "individual_notice": due, "hhs_notice": hhs_due}
            regulators = tuple(
                RegulatorDeadline(name=reg.name, due=_count(reg.period, anchors), citation=reg.citation,
                                  note=reg.note)
                for reg in rule.regulators
                if reg.when is None or reg.when.met(residents)
            )
            deadlines.append(StateDeadline(state=state, rule=rule.name, residents=residents, due=due,
                                           citation=rule.citation, regulators=regulators, note=rule.note))
    if without:
        notes.append(f"no state rule on file for {', '.join(without)}: check those states' statutes")
    return StateOutcome(tuple(deadlines), tuple(without), tuple(notes))
