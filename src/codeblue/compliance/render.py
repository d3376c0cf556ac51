"""A deadline report as JSON-ready data or as a Rich table, with the citation beside every date."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table

from codeblue.compliance.deadlines import DeadlineReport, Notice
from codeblue.compliance.state_rules import StateDeadline, StateRules


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _notice(n: Notice) -> dict[str, Any]:
    return {"due": _iso(n.due), "base_due": _iso(n.base_due), "citation": n.citation, "delayed": n.delayed}


def _state(s: StateDeadline) -> dict[str, Any]:
    first = s.first_regulator
    return {
        "state": s.state, "due": _iso(s.due), "regulator_due": _iso(s.regulator_due), "citation": s.citation,
        "rule": s.rule, "residents": s.residents, "regulator_citation": first.citation if first else None,
        "regulators": [{"name": r.name, "due": _iso(r.due), "citation": r.citation, "note": r.note}
                       for r in s.regulators],
        "note": s.note,
    }


def to_json(r: DeadlineReport) -> dict[str, Any]:
    """The documented keys first, in order; extra detail (citations, notes) after them."""
    ba = r.business_associate
    delay = r.law_enforcement_delay
    return {
        "notice_required": r.notice_required,
        "discovery_date": _iso(r.discovery_date),
        "individuals": _notice(r.individuals),
        "hhs": {"mode": r.hhs.mode, "due": _iso(r.hhs.due), "citation": r.hhs.citation, **_notice(r.hhs)},
        "media": [{"state": m.state, **_notice(m), "residents": m.residents} for m in r.media],
        "substitute_notice": r.substitute_notice,
        "business_associate": None if ba is None else {
            **_notice(ba), "relationship": ba.relationship, "relationship_assumed": ba.relationship_assumed},
        "states": [_state(s) for s in r.states],
        "earliest_individual_due": _iso(r.earliest_individual_due),
        "earliest_individual_citation": r.earliest_individual_citation,
        "reason": r.reason,
        "discovery_basis": r.discovery_basis,
        "discovery_citation": r.discovery_citation if r.notice_required else None,
        "substitute_notice_citation": r.substitute_notice_citation if r.substitute_notice else None,
        "law_enforcement_delay": None if delay is None else {
            "basis": delay.basis, "ends": _iso(delay.ends), "citation": delay.citation},
        "states_without_rules": list(r.states_without_rules),
        "notes": list(r.notes),
    }


def _show(d: date | None) -> str:
    return d.isoformat() if d else "unknown"


def _row(table: Table, label: str, n: Notice) -> None:
    why = n.citation + ("; delayed per 45 CFR 164.412" if n.delayed else "")
    table.add_row(label, _show(n.due), _show(n.base_due), why)


def print_report(r: DeadlineReport, console: Console) -> None:
    if not r.notice_required:
        console.print(f"[bold]Notice not required:[/bold] {r.reason}", highlight=False)
        for note in r.notes:
            console.print(f"  - {note}", highlight=False)
        return
    table = Table("Notice", "Due", "Base due", "Citation", title="HIPAA breach deadlines")
    table.add_row(f"Discovery ({r.discovery_basis})", _show(r.discovery_date), "", r.discovery_citation)
    _row(table, "Individuals", r.individuals)
    _row(table, f"HHS ({r.hhs.mode})", r.hhs)
    for m in r.media:
        _row(table, f"Media {m.state} ({m.residents} residents)", m)
    if r.business_associate:
        ba = r.business_associate
        _row(table, f"Business associate -> CE ({ba.relationship}{', assumed' if ba.relationship_assumed else ''})", ba)
    for s in r.states:
        table.add_row(f"{s.state} individuals ({s.rule})", _show(s.due), "", s.citation)
        for reg in s.regulators:
            table.add_row(f"{s.state} {reg.name}", _show(reg.due), "", reg.citation)
    table.add_row("[bold]Earliest individual notice[/bold]", _show(r.earliest_individual_due), "",
                  r.earliest_individual_citation or "")
    console.print(table)
    if r.substitute_notice:
        console.print(f"Substitute notice: {r.substitute_notice} ({r.substitute_notice_citation})", highlight=False)
    if r.law_enforcement_delay:
        d = r.law_enforcement_delay
        console.print(f"Law-enforcement delay: {d.basis}, ends {d.ends.isoformat()} ({d.citation})", highlight=False)
    for note in r.notes:
        console.print(f"  - {note}", highlight=False)


def rules_to_json(rules: StateRules) -> list[dict[str, Any]]:
    return [rule.model_dump(mode="json", exclude_none=True) for rule in rules.rules]


def print_rules(rules: StateRules, console: Console) -> None:
    table = Table("State", "Rule", "Individuals", "Regulators", "Citation", title="State breach rules")
    for rule in rules.rules:
        regulators = "\n".join(
            f"{reg.name}{f' if {reg.when.describe()}' if reg.when else ''}: {reg.period.describe()}"
            for reg in rule.regulators)
        scope = [f"from {rule.effective_from.isoformat()}"] if rule.effective_from else []
        scope += ["licensed facilities only"] if rule.only_if else []
        label = rule.name + (f" ({', '.join(scope)})" if scope else "")
        table.add_row(rule.state, label, rule.individuals.describe(), regulators, rule.citation)
    console.print(table)
