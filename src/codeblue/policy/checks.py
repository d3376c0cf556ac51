"""Checks across a pack's parts that a single field cannot make: references, completeness."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from codeblue.policy.schema import SEVERITY_IDS, Pack

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str


def _duplicates(ids: list[str]) -> set[str]:
    return {i for i, n in Counter(ids).items() if n > 1}


def check_pack(pack: Pack) -> list[Problem]:
    """Every reference must name something the pack defines; every id must be unique."""
    problems: list[Problem] = []
    sev_ids = [s.id for s in pack.severities]
    for missing in [s for s in SEVERITY_IDS if s not in sev_ids]:
        problems.append(Problem(("severities",), f"severity {missing} is missing; a pack defines P0, P1, P2 and P3"))
    for i, sev in enumerate(pack.severities):
        if sev.id in _duplicates(sev_ids) and sev_ids.index(sev.id) != i:
            problems.append(Problem(("severities", i, "id"), f"severity {sev.id} is defined twice"))

    for name, items in (
        ("incident_types", pack.incident_types),
        ("classification", pack.classification),
        ("checklists", pack.checklists),
        ("templates", pack.templates),
        ("contacts", pack.contacts),
        ("services", pack.services),
    ):
        ids = [item.id for item in items]
        for i, item in enumerate(items):
            if item.id in _duplicates(ids) and ids.index(item.id) != i:
                problems.append(Problem((name, i, "id"), f"{name} id '{item.id}' is defined twice"))

    type_ids = {t.id for t in pack.incident_types}
    checklist_ids = {c.id for c in pack.checklists}
    contact_ids = {c.id for c in pack.contacts}
    template_ids = {t.id for t in pack.templates}

    if pack.default_type not in type_ids:
        problems.append(Problem(("default_type",), f"default_type '{pack.default_type}' is not an incident type of this pack"))
    for i, rule in enumerate(pack.classification):
        if rule.type is not None and rule.type not in type_ids:
            problems.append(Problem(("classification", i, "type"), f"rule '{rule.id}' names unknown incident type '{rule.type}'"))
    for i, itype in enumerate(pack.incident_types):
        for j, cid in enumerate(itype.checklists):
            if cid not in checklist_ids:
                problems.append(Problem(("incident_types", i, "checklists", j), f"incident type '{itype.id}' names unknown checklist '{cid}'"))
        for j, who in enumerate(itype.notify):
            if who not in contact_ids:
                problems.append(Problem(("incident_types", i, "notify", j), f"incident type '{itype.id}' notifies unknown contact '{who}'"))
    for j, who in enumerate(pack.compliance.notify_on_phi):
        if who not in contact_ids:
            problems.append(Problem(("compliance", "notify_on_phi", j), f"notify_on_phi names unknown contact '{who}'"))
    for i, sev in enumerate(pack.severities):
        for j, who in enumerate(sev.stakeholders):
            if who not in contact_ids:
                problems.append(Problem(("severities", i, "stakeholders", j), f"severity {sev.id} names unknown contact '{who}'"))
    for i, step in enumerate(pack.escalation.steps):
        for j, target in enumerate(step.targets):
            if target not in contact_ids:
                problems.append(Problem(("escalation", "steps", i, "targets", j), f"escalation step {i + 1} targets unknown contact '{target}'"))
    if pack.review is not None and pack.review.template not in template_ids:
        problems.append(Problem(("review", "template"), f"review template '{pack.review.template}' is not a template of this pack"))
    return problems
