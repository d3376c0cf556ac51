"""Runbook, checklist, evidence and readiness requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from codeblue.runbooks import readiness, render
from codeblue.runbooks.models import ChecklistItem, Evidence


class StrictIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PartOut(BaseModel):
    text: str
    placeholder: str | None = None
    filled: bool | None = Field(None, description="null for literal text; false marks a placeholder left unfilled")
    fact: str | None = Field(None, description="the alert fact that filled the placeholder")


class CommandOut(BaseModel):
    index: int
    title: str
    template: str
    text: str = Field(description="the command with values filled in; unfilled placeholders stay as [NAME]")
    parts: list[PartOut]
    complete: bool
    missing: list[str]


class RunbookOut(BaseModel):
    incident: str
    pack: str
    type: str
    type_name: str
    category: str
    description: str
    symptoms: list[str]
    immediate_actions: list[str]
    resolution_steps: list[str]
    commands: list[CommandOut]
    facts_used: dict[str, Any]


def command_out(c: render.FilledCommand) -> CommandOut:
    return CommandOut(index=c.index, title=c.title, template=c.template, text=c.text, complete=c.complete,
                      missing=c.missing, parts=[PartOut(text=p.text, placeholder=p.placeholder, filled=p.filled,
                                                        fact=p.fact) for p in c.parts])


def runbook_out(ref: str, book: render.Runbook) -> RunbookOut:
    return RunbookOut(incident=ref, pack=book.pack, type=book.type, type_name=book.type_name, category=book.category,
                      description=book.description, symptoms=book.symptoms, immediate_actions=book.immediate_actions,
                      resolution_steps=book.resolution_steps, commands=[command_out(c) for c in book.commands],
                      facts_used=book.facts_used)


class ItemOut(BaseModel):
    id: str
    text: str
    auto: str | None
    done: bool
    done_at: datetime | None
    done_by: str | None
    note: str


class ChecklistOut(BaseModel):
    id: str
    name: str
    phase: str
    attached_for: str
    required_to_resolve: list[str]
    required_now: bool = Field(description="whether resolving at the incident's current severity needs it done")
    done: int
    total: int
    items: list[ItemOut]


def checklists_out(rows: list[ChecklistItem], severity: str) -> list[ChecklistOut]:
    out: dict[str, ChecklistOut] = {}
    for row in sorted(rows, key=lambda r: (r.id is None, r.id or 0, r.position)):
        group = out.get(row.checklist_id)
        if group is None:
            required = list(row.required_to_resolve or [])
            group = out[row.checklist_id] = ChecklistOut(
                id=row.checklist_id, name=row.checklist_name, phase=row.phase, attached_for=row.attached_for,
                required_to_resolve=required, required_now=severity in required, done=0, total=0, items=[])
        group.items.append(ItemOut(id=row.item_id, text=row.text, auto=row.auto, done=row.done, done_at=row.done_at,
                                   done_by=row.done_by, note=row.note or ""))
        group.total += 1
        group.done += int(row.done)
    for group in out.values():
        group.items.sort(key=lambda i: next(r.position for r in rows
                                            if r.checklist_id == group.id and r.item_id == i.id))
    return list(out.values())


class TickIn(StrictIn):
    done: bool
    note: str | None = Field(None, max_length=2_000)


class EvidenceIn(StrictIn):
    kind: Literal["log", "command_output", "link"] = Field(description="files are uploaded as multipart/form-data")
    name: str = Field("", max_length=300)
    text: str | None = Field(None, description="the log or command output")
    url: str | None = Field(None, max_length=2_000)
    note: str = Field("", max_length=2_000)


class EvidenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident: str
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    url: str | None
    note: str
    data: dict[str, Any]
    created_by: str
    created_at: datetime
    retain_until: datetime
    download: str


def evidence_out(row: Evidence, ref: str) -> EvidenceOut:
    return EvidenceOut(id=row.id, incident=ref, kind=row.kind, name=row.name, content_type=row.content_type,
                       size=row.size, sha256=row.sha256, url=row.url, note=row.note, data=row.data or {},
                       created_by=row.created_by, created_at=row.created_at, retain_until=row.retain_until,
                       download=f"/api/v1/evidence/{row.id}/download")


class CheckOut(BaseModel):
    id: str
    title: str
    ok: bool
    problems: list[str]


class ReadinessOut(BaseModel):
    ok: bool
    at: datetime
    checks: list[CheckOut]


def readiness_out(report: readiness.Report) -> ReadinessOut:
    return ReadinessOut(ok=report.ok, at=report.at, checks=[CheckOut(id=c.id, title=c.title, ok=c.ok,
                                                                     problems=c.problems) for c in report.checks])
