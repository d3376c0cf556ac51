"""A runbook as the responder reads it: the incident type's steps, commands filled from alert facts.

Pure functions of a pack, an incident type and the facts; no database, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from codeblue.policy.schema import Command, IncidentType, Pack

# The seeds write placeholders as [UPPER_CASE]; a JSON list or `[a, b]` in a command is not one.
PLACEHOLDER = re.compile(r"\[([A-Z][A-Z0-9_]*)\]")


@dataclass(frozen=True)
class Part:
    """A piece of a command: literal text, or a placeholder with the value that filled it (or none)."""

    text: str
    placeholder: str | None = None
    fact: str | None = None

    @property
    def filled(self) -> bool | None:
        return None if self.placeholder is None else self.fact is not None


@dataclass(frozen=True)
class FilledCommand:
    index: int
    title: str
    template: str
    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        """The command as text; a placeholder left unfilled stays as [NAME] so it cannot run by mistake."""
        return "".join(p.text for p in self.parts)

    @property
    def missing(self) -> list[str]:
        return [p.placeholder for p in self.parts if p.placeholder and p.fact is None]

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class Runbook:
    pack: str
    type: str
    type_name: str
    category: str
    description: str
    symptoms: list[str]
    immediate_actions: list[str]
    resolution_steps: list[str]
    commands: list[FilledCommand]
    facts_used: dict[str, Any] = field(default_factory=dict)


def _value(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def fill(command: Command, index: int, *, placeholders: Mapping[str, list[str]],
         facts: Mapping[str, Any]) -> FilledCommand:
    """The command split into parts, each placeholder filled from the first fact the pack names for it."""
    parts: list[Part] = []
    cursor = 0
    for match in PLACEHOLDER.finditer(command.run):
        if match.start() > cursor:
            parts.append(Part(command.run[cursor:match.start()]))
        name = match.group(1)
        found = next(((fact, _value(facts.get(fact))) for fact in placeholders.get(name, [])
                      if _value(facts.get(fact)) is not None), None)
        if found is None:
            parts.append(Part(match.group(0), placeholder=name))
        else:
            parts.append(Part(found[1], placeholder=name, fact=found[0]))
        cursor = match.end()
    if cursor < len(command.run):
        parts.append(Part(command.run[cursor:]))
    return FilledCommand(index=index, title=command.title, template=command.run, parts=tuple(parts))


def runbook(pack: Pack, itype: IncidentType, facts: Mapping[str, Any]) -> Runbook:
    """The incident type's runbook with every diagnostic command filled from the facts."""
    commands = [fill(c, i, placeholders=pack.placeholders, facts=facts) for i, c in enumerate(itype.commands)]
    used = {p.fact: facts[p.fact] for c in commands for p in c.parts if p.fact}
    return Runbook(pack=pack.pack, type=itype.id, type_name=itype.name, category=itype.category,
                   description=itype.description, symptoms=list(itype.symptoms),
                   immediate_actions=list(itype.immediate_actions), resolution_steps=list(itype.resolution_steps),
                   commands=commands, facts_used=used)


def merge_facts(alert_facts: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The incident's facts from its alerts, oldest first, so the newest alert's value wins."""
    merged: dict[str, Any] = {}
    for facts in alert_facts:
        merged.update({k: v for k, v in facts.items() if v is not None})
    return merged
