"""From a breach case's facts to the notices it owes: pure functions over the deadline report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from codeblue.compliance.deadlines import (
    CITE_SUBSTITUTE,
    HHS_CONTEMPORANEOUS_AT_LEAST,
    SUBSTITUTE_NOTES,
    BreachFacts,
    DeadlineReport,
)

# Days before a notice falls due that compliance officers are reminded; each notice may set its own.
DEFAULT_REMINDER_DAYS = (30, 14, 7, 3, 1)
NOT_A_BREACH = ("low_probability", "exception")


@dataclass(frozen=True)
class Facts:
    """The case's facts as the calculator takes them, and what was assumed to get there."""

    facts: BreachFacts
    assumptions: tuple[str, ...]


def facts_for(case: Any) -> Facts:
    """BreachFacts from a breach case (anything with its attributes); raises InvalidFacts on contradictions."""
    per_state = {str(k): v for k, v in (case.individuals_per_state or {}).items()}
    assumptions: list[str] = []
    individuals = case.individuals_total
    if individuals is None:
        # Not counted yet: the earlier HHS deadline (contemporaneous, >= 500) is the safe one to track.
        individuals = max(HHS_CONTEMPORANEOUS_AT_LEAST, sum(v for v in per_state.values() if isinstance(v, int)))
        assumptions.append("affected individuals not counted yet: HHS notice tracked as for 500 or more "
                           "(contemporaneous), the earlier deadline")
    own = dict(actual_knowledge=case.actual_knowledge_on, reasonable_diligence=case.reasonable_diligence_on)
    if case.entity_role == "business_associate":
        # We are the business associate: our discovery starts the clock of our notice to the covered entity.
        dates = [d for d in own.values() if d]
        ba = dict(ba_discovered=min(dates) if dates else None, ba_relationship=case.ba_relationship,
                  ba_notified_ce=case.ba_notified_ce_on)
        if case.ba_relationship is None:
            assumptions.append("relationship to the covered entity not given: treated as its agent, the "
                               "conservative default (45 CFR 164.410)")
    else:
        ba = dict(ba_discovered=case.ba_discovered_on, ba_relationship=case.ba_relationship,
                  ba_notified_ce=case.ba_notified_ce_on) if case.ba_discovered_on else {}
    facts = BreachFacts(
        individuals=individuals, per_state=per_state, insufficient_contact=case.insufficient_contact or 0,
        encrypted=case.encrypted, key_compromised=case.key_compromised, destroyed=case.destroyed,
        le_oral=case.le_oral_on, le_written=case.le_written_on, le_written_until=case.le_written_until,
        licensed_facility=case.licensed_facility,
        **(own if case.entity_role != "business_associate" else {}), **ba,
    )
    return Facts(facts, tuple(assumptions))


@dataclass(frozen=True)
class Planned:
    """One notice to track: `key` stays the same when the deadlines are computed again."""

    key: str
    kind: str
    recipient: str
    due: date | None
    base_due: date | None
    citation: str
    state: str | None = None
    note: str = ""


def plan(report: DeadlineReport, *, entity_role: str, deceased: int = 0) -> list[Planned]:
    """Every notice the report calls for; a business associate owes only its notice to the covered entity."""
    if not report.notice_required:
        return []
    ba = report.business_associate
    if entity_role == "business_associate":
        if ba is None:
            return []
        return [Planned("business_associate", "business_associate", "Covered entity (from us, its business "
                        "associate): identity of each affected individual where possible", ba.due, ba.base_due,
                        ba.citation, note=f"relationship: {ba.relationship}"
                        + (" (assumed)" if ba.relationship_assumed else ""))]
    out: list[Planned] = []
    i = report.individuals
    note = "first-class mail, or email if the individual agreed (164.404(d)(1))"
    if deceased:
        note += (f"; {deceased} deceased: next of kin or personal representative where the address is known "
                 "(164.404(d)(1)(ii))")
    out.append(Planned("individuals", "individuals", "Affected individuals", i.due, i.base_due, i.citation,
                       note=note))
    if report.substitute_notice:
        out.append(Planned("substitute", "substitute", "Substitute notice", i.due, i.base_due, CITE_SUBSTITUTE,
                           note=SUBSTITUTE_NOTES[report.substitute_notice]))
    h = report.hhs
    if h.mode == "contemporaneous":
        out.append(Planned("hhs", "hhs", "HHS (breach portal), with the individual notice", h.due, h.base_due,
                           h.citation, note=f"{HHS_CONTEMPORANEOUS_AT_LEAST} or more individuals"))
    else:
        out.append(Planned("hhs", "hhs", "HHS annual log of breaches under 500", h.due, h.base_due, h.citation,
                           note="within 60 days after the end of the calendar year of discovery"))
    for m in report.media:
        out.append(Planned(f"media:{m.state}", "media", f"Prominent media outlets serving {m.state}", m.due,
                           m.base_due, m.citation, state=m.state, note=f"{m.residents} residents (more than 500)"))
    if ba is not None:
        out.append(Planned("business_associate", "business_associate",
                           "Business associate to us (covered entity)", ba.due, ba.base_due, ba.citation,
                           note=f"relationship: {ba.relationship}" + (" (assumed)" if ba.relationship_assumed else "")))
    for s in report.states:
        out.append(Planned(f"state:{s.state}:{s.citation}"[:200], "state_individuals",
                           f"{s.state} residents ({s.rule})", s.due, None, s.citation, state=s.state,
                           note=s.note or ""))
        for reg in s.regulators:
            out.append(Planned(f"regulator:{s.state}:{s.citation}:{reg.name}"[:200], "state_regulator",
                               f"{s.state}: {reg.name}", reg.due, None, reg.citation, state=s.state,
                               note=reg.note or ""))
    return out
