"""HIPAA breach-notification deadlines (45 CFR 164.400-414) computed from the facts of one breach."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from codeblue.compliance import law_enforcement, state_rules
from codeblue.compliance.days import add_days
from codeblue.compliance.law_enforcement import LawEnforcementDelay
from codeblue.compliance.state_rules import StateDeadline, StateRules

# Citations shown beside every computed date.
CITE_DISCOVERY = "45 CFR 164.404(a)(2)"
CITE_INDIVIDUALS = "45 CFR 164.404(b)"
CITE_SUBSTITUTE = "45 CFR 164.404(d)(2)"
CITE_MEDIA = "45 CFR 164.406"
CITE_HHS_CONTEMPORANEOUS = "45 CFR 164.408(b)"
CITE_HHS_ANNUAL = "45 CFR 164.408(c)"
CITE_BUSINESS_ASSOCIATE = "45 CFR 164.410"
CITE_SAFE_HARBOR = "45 CFR 164.402 (unsecured PHI); HHS guidance on securing PHI"
CITE_RETENTION = "45 CFR 164.414, 164.530(j)"

# The numbers in the rules, in one place. "Days" are calendar days: a deadline on a weekend stays put.
NOTICE_DAYS = 60  # individuals, media, HHS (>= 500) and BA -> CE: no later than discovery + 60
HHS_CONTEMPORANEOUS_AT_LEAST = 500  # total individuals; fewer go to the annual log
MEDIA_MORE_THAN = 500  # residents of ONE state; exactly 500 does not trigger, states are never summed
SUBSTITUTE_WEB_OR_MEDIA_AT_LEAST = 10  # individuals with insufficient or out-of-date contact details

Relationship = Literal["agent", "independent"]
HhsMode = Literal["contemporaneous", "annual"]
SubstituteNotice = Literal["alternative", "web_or_media"]


class InvalidFacts(ValueError):
    """The facts contradict each other or are out of range."""


@dataclass(frozen=True, kw_only=True)
class BreachFacts:
    """What is known about one breach: dates are calendar dates, counts are people."""

    individuals: int
    discovered: date | None = None
    actual_knowledge: date | None = None
    reasonable_diligence: date | None = None
    per_state: Mapping[str, int] = field(default_factory=dict)  # residents per two-letter state code
    insufficient_contact: int = 0
    encrypted: bool = False
    key_compromised: bool = False
    destroyed: bool = False
    ba_discovered: date | None = None
    ba_relationship: Relationship | None = None  # None with a BA date: "agent" is assumed
    ba_notified_ce: date | None = None
    le_oral: date | None = None
    le_written: date | None = None
    le_written_until: date | None = None
    licensed_facility: bool = False  # licensed clinic / health facility: facility-only state rules apply

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise InvalidFacts("; ".join(problems))

    @property
    def secured(self) -> bool:
        """Safe harbor: encrypted with an uncompromised key, or destroyed."""
        return self.destroyed or (self.encrypted and not self.key_compromised)

    @property
    def statements(self) -> law_enforcement.Statements:
        return law_enforcement.Statements(self.le_oral, self.le_written, self.le_written_until)

    def problems(self) -> list[str]:
        found: list[str] = []
        for name in ("individuals", "insufficient_contact"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                found.append(f"{name} must be a whole number, 0 or more (got {value!r})")
        for state, count in self.per_state.items():
            if not (isinstance(state, str) and len(state) == 2 and state.isascii() and state.isupper()):
                found.append(f"state {state!r} must be a two-letter upper-case code such as CA")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                found.append(f"residents of {state} must be a whole number, 0 or more (got {count!r})")
        if found:
            return found  # the checks below compare numbers
        if self.insufficient_contact > self.individuals:
            found.append("insufficient_contact cannot exceed individuals")
        if sum(self.per_state.values()) > self.individuals:
            found.append(f"per-state residents add up to {sum(self.per_state.values())}, "
                         f"more than the {self.individuals} individuals affected")
        if self.key_compromised and not self.encrypted:
            found.append("key_compromised applies only to encrypted PHI")
        if (self.le_written is None) != (self.le_written_until is None):
            found.append("a written law-enforcement statement needs both its date and the end of its delay")
        elif self.le_written and self.le_written_until < self.le_written:
            found.append("the written law-enforcement delay ends before the statement was made")
        if self.ba_discovered is None and (self.ba_relationship or self.ba_notified_ce):
            found.append("a business-associate relationship or notification needs the BA discovery date")
        if self.ba_relationship not in (None, "agent", "independent"):
            found.append(f"ba_relationship must be 'agent' or 'independent' (got {self.ba_relationship!r})")
        if self.ba_discovered and self.ba_notified_ce and self.ba_notified_ce < self.ba_discovered:
            found.append("the business associate cannot notify the covered entity before discovering the breach")
        if not self.secured and not (self.discovered or self.actual_knowledge or self.reasonable_diligence
                                     or self.ba_discovered):
            found.append("a discovery date is needed (discovered, actual knowledge, reasonable diligence, "
                         "or the business associate's discovery)")
        return found


# --- Results --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Notice:
    """One notice duty: the date to show, the deadline before any law-enforcement delay, and why."""

    due: date | None
    base_due: date | None
    citation: str
    delayed: bool = False  # a law-enforcement delay (164.412) moved `due` past `base_due`


@dataclass(frozen=True, kw_only=True)
class HhsNotice(Notice):
    mode: HhsMode | None


@dataclass(frozen=True, kw_only=True)
class MediaNotice(Notice):
    state: str
    residents: int


@dataclass(frozen=True, kw_only=True)
class BusinessAssociateNotice(Notice):
    relationship: Relationship
    relationship_assumed: bool  # no relationship was given: "agent", the conservative default


@dataclass(frozen=True, kw_only=True)
class DeadlineReport:
    notice_required: bool
    reason: str | None  # why no notice is required; None when it is
    discovery_date: date | None  # None: not required, or not yet known (independent BA)
    discovery_basis: str | None
    individuals: Notice
    hhs: HhsNotice
    media: tuple[MediaNotice, ...] = ()
    substitute_notice: SubstituteNotice | None = None
    business_associate: BusinessAssociateNotice | None = None
    law_enforcement_delay: LawEnforcementDelay | None = None
    states: tuple[StateDeadline, ...] = ()
    states_without_rules: tuple[str, ...] = ()
    earliest_individual_due: date | None = None
    earliest_individual_citation: str | None = None
    notes: tuple[str, ...] = ()
    discovery_citation: str = CITE_DISCOVERY
    substitute_notice_citation: str = CITE_SUBSTITUTE


# --- The rules ------------------------------------------------------------------------------------


def _days(start: date | None, n: int) -> date | None:
    return None if start is None else add_days(start, n)


def safe_harbor_reason(facts: BreachFacts) -> str | None:
    """Why the PHI counts as secured (no notice duty), or None when it is unsecured."""
    if facts.destroyed:
        return ("the PHI was destroyed (NIST SP 800-88; redaction is not destruction), so it is secured "
                f"and no breach notice is required ({CITE_SAFE_HARBOR})")
    if facts.encrypted and not facts.key_compromised:
        return ("the PHI was encrypted (NIST SP 800-111 at rest; SP 800-52/800-77/800-113 or FIPS 140-2 in "
                "motion) and the key was not compromised, so it is secured and no breach notice is required "
                f"({CITE_SAFE_HARBOR})")
    return None


def discovery(facts: BreachFacts) -> tuple[date | None, str]:
    """The covered entity's discovery date (the earliest known candidate) and what it rests on."""
    candidates = [(d, why) for d, why in ((facts.discovered, "discovered"),
                                          (facts.actual_knowledge, "actual knowledge"),
                                          (facts.reasonable_diligence, "reasonable diligence")) if d]
    if facts.ba_discovered:
        if (facts.ba_relationship or "agent") == "agent":
            # An agent's knowledge is the covered entity's knowledge (federal common law of agency).
            candidates.append((facts.ba_discovered, "business associate's discovery, imputed (agent)"))
        elif facts.ba_notified_ce:
            candidates.append((facts.ba_notified_ce, "date the independent business associate notified the CE"))
    if not candidates:
        return None, "unknown: the independent business associate has not notified the covered entity"
    # The clock starts at the first day the breach was, or with reasonable diligence would have been, known.
    return min(candidates, key=lambda c: c[0])


def _notice(cls: type[Notice], base: date | None, facts: BreachFacts, citation: str, **extra) -> Notice:
    due = law_enforcement.delayed(base, facts.statements)
    return cls(due=due, base_due=base, citation=citation, delayed=due != base, **extra)


def hhs_annual_base(discovered: date) -> date:
    """60 days after the end of the discovery year: Feb 29 when the next year is a leap year, else Mar 1."""
    # Date arithmetic, never a hard-coded "March 1": Dec 31 + 60 days lands on Feb 29 before a leap year.
    return add_days(date(discovered.year, 12, 31), NOTICE_DAYS)


def substitute_notice(insufficient_contact: int) -> SubstituteNotice | None:
    if insufficient_contact == 0:
        return None
    return "web_or_media" if insufficient_contact >= SUBSTITUTE_WEB_OR_MEDIA_AT_LEAST else "alternative"


SUBSTITUTE_NOTES: dict[str, str] = {
    "alternative": "substitute notice by alternative written notice, telephone or other means (164.404(d)(2)(i))",
    "web_or_media": "substitute notice: conspicuous web posting for 90 days or major print/broadcast media "
                    "where they likely live, plus a toll-free number active at least 90 days (164.404(d)(2)(ii))",
}


def _not_required(reason: str) -> DeadlineReport:
    return DeadlineReport(
        notice_required=False, reason=reason, discovery_date=None, discovery_basis=None,
        individuals=Notice(due=None, base_due=None, citation=CITE_INDIVIDUALS),
        hhs=HhsNotice(due=None, base_due=None, citation="45 CFR 164.408", mode=None),
        notes=("document the decision not to notify and keep it for 6 years (" + CITE_RETENTION + ")",),
    )


def _business_associate(facts: BreachFacts, notes: list[str]) -> BusinessAssociateNotice | None:
    """BA -> CE notice (164.410): BA discovery + 60 days."""
    if facts.ba_discovered is None:
        return None
    if facts.ba_relationship is None:
        notes.append("the business associate's relationship was not given: treated as the covered entity's "
                     "agent (its discovery is the CE's discovery), the conservative default; record this choice")
    return _notice(BusinessAssociateNotice, _days(facts.ba_discovered, NOTICE_DAYS), facts, CITE_BUSINESS_ASSOCIATE,
                   relationship=facts.ba_relationship or "agent", relationship_assumed=facts.ba_relationship is None)


def _hhs(facts: BreachFacts, found: date | None, notes: list[str]) -> HhsNotice:
    """HHS notice (164.408): with the individuals at 500 or more in total, else the annual log."""
    if facts.individuals >= HHS_CONTEMPORANEOUS_AT_LEAST:
        notes.append("notify HHS contemporaneously with the individual notice (164.408(b))")
        return _notice(HhsNotice, _days(found, NOTICE_DAYS), facts, CITE_HHS_CONTEMPORANEOUS, mode="contemporaneous")
    notes.append("fewer than 500 individuals: log the breach and report it to HHS within 60 days after the end "
                 "of the calendar year of discovery (164.408(c))")
    return _notice(HhsNotice, hhs_annual_base(found) if found else None, facts, CITE_HHS_ANNUAL, mode="annual")


def compute_deadlines(facts: BreachFacts, rules: StateRules | None = None) -> DeadlineReport:
    """Every notice deadline for one breach, each with its citation; `rules` defaults to the shipped YAML."""
    reason = safe_harbor_reason(facts)
    if reason:
        return _not_required(reason)
    notes: list[str] = []
    if facts.encrypted and facts.key_compromised:
        notes.append("the PHI was encrypted but the key was compromised, so it is unsecured")

    found, basis = discovery(facts)
    if found is None:
        notes.append("the covered entity's discovery date is unknown until the independent business associate "
                     "notifies it (164.410): HIPAA deadlines cannot be computed yet")
    elif facts.ba_relationship == "independent" and not facts.ba_notified_ce:
        notes.append("the independent business associate has not notified the covered entity yet: discovery rests "
                     "on the covered entity's own knowledge")
    if (facts.ba_relationship or "agent") == "agent" and facts.ba_notified_ce:
        notes.append("the business associate is an agent: its discovery is imputed to the covered entity, so the "
                     "date it notified the covered entity does not start the clock")

    business_associate = _business_associate(facts, notes)

    delay, delay_notes = law_enforcement.summarise(facts.statements)
    notes += delay_notes

    base = _days(found, NOTICE_DAYS)
    individuals = _notice(Notice, base, facts, CITE_INDIVIDUALS)
    notes.append("60 days is an outer limit: notify without unreasonable delay (164.404(b))")

    hhs = _hhs(facts, found, notes)

    media = tuple(
        _notice(MediaNotice, base, facts, CITE_MEDIA, state=state, residents=count)
        for state, count in sorted(facts.per_state.items()) if count > MEDIA_MORE_THAN
    )

    substitute = substitute_notice(facts.insufficient_contact)
    if substitute:
        notes.append(SUBSTITUTE_NOTES[substitute])

    rules = rules if rules is not None else state_rules.builtin_rules()
    outcome = state_rules.evaluate(rules, facts.per_state, discovery=found, hhs_due=hhs.due,
                                   licensed_facility=facts.licensed_facility)
    notes += outcome.notes
    if facts.individuals and not facts.per_state:
        notes.append("no per-state resident counts were given: media notice (164.406) and state rules were not "
                     "evaluated")
    elif sum(facts.per_state.values()) < facts.individuals:
        notes.append(f"{facts.individuals - sum(facts.per_state.values())} individuals have no state given: media "
                     "and state deadlines cover only the states counted")
    if delay and outcome.deadlines:
        notes.append("state deadlines are shown without any law-enforcement delay: check each state's own "
                     "delay provision")

    earliest, earliest_citation = _earliest(individuals, outcome.deadlines)
    notes.append("keep the documentation that every notice was made on time for 6 years (" + CITE_RETENTION + ")")
    return DeadlineReport(
        notice_required=True, reason=None, discovery_date=found, discovery_basis=basis,
        individuals=individuals, hhs=hhs, media=media, substitute_notice=substitute,
        business_associate=business_associate, law_enforcement_delay=delay, states=outcome.deadlines,
        states_without_rules=outcome.without_rules, earliest_individual_due=earliest,
        earliest_individual_citation=earliest_citation, notes=tuple(notes),
    )


def _earliest(individuals: Notice, states: tuple[StateDeadline, ...]) -> tuple[date | None, str | None]:
    """The first individual-notice deadline across HIPAA and every state rule, with whose it is."""
    if individuals.due is None:
        return None, None
    dated = [(individuals.due, individuals.citation)] + [(s.due, s.citation) for s in states if s.due]
    first = min(d for d, _ in dated)
    return first, "; ".join(dict.fromkeys(c for d, c in dated if d == first))
