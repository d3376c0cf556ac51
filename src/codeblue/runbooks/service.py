"""An incident's runbook and its live checklists: attach, tick, tick by itself, guard resolution."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.alerts.models import Alert
from codeblue.auth.actor import SYSTEM, Actor
from codeblue.auth.permissions import Perm
from codeblue.errors import Conflict, NotFound
from codeblue.incidents import observers
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident, TimelineEntry
from codeblue.runbooks import render
from codeblue.runbooks.models import ChecklistItem

DONE, UNDONE, OVERRIDDEN = "checklist_item_done", "checklist_item_undone", "resolve_overridden"


def facts_of(session: Session, *, incident: Incident) -> dict[str, Any]:
    alerts = session.scalars(select(Alert.facts).where(Alert.incident_id == incident.id)
                             .order_by(Alert.first_seen_at, Alert.id))
    return render.merge_facts([f or {} for f in alerts])


def runbook(session: Session, *, incident: Incident) -> render.Runbook:
    """The runbook of the incident's current type, its commands filled from the incident's alert facts."""
    pack = incidents.pack_of(incident)
    itype = pack.incident_type(incident.type) or pack.incident_type(pack.default_type)
    if itype is None:
        raise NotFound(f"pack '{pack.pack}' has no incident type '{incident.type}' and no default type")
    return render.runbook(pack, itype, facts_of(session, incident=incident))


# --- checklists


def _wanted(incident: Incident, now: datetime) -> list[ChecklistItem]:
    """Every item the pack attaches to this incident now: the 'always' checklists and its type's."""
    pack = incidents.pack_of(incident)
    itype = pack.incident_type(incident.type)
    by_type = set(itype.checklists) if itype else set()
    rows = []
    for checklist in pack.checklists:
        if checklist.attach != "always" and checklist.id not in by_type:
            continue
        for position, item in enumerate(checklist.items):
            rows.append(ChecklistItem(
                incident_id=incident.id, checklist_id=checklist.id, checklist_name=checklist.name,
                phase=checklist.phase, item_id=item.id, text=item.text, position=position, auto=item.auto,
                required_to_resolve=list(checklist.required_to_resolve),
                attached_for="always" if checklist.attach == "always" else incident.type,
                done=False, note="", attached_at=now))
    return rows


def _stored(session: Session, incident: Incident) -> list[ChecklistItem]:
    return list(session.scalars(select(ChecklistItem).where(ChecklistItem.incident_id == incident.id)
                                .order_by(ChecklistItem.id)))


def attach(session: Session, *, incident: Incident, now: datetime) -> list[ChecklistItem]:
    """Add the items the incident's pack and current type call for; items already there keep their ticks."""
    stored = _stored(session, incident)
    have = {(r.checklist_id, r.item_id) for r in stored}
    added = [r for r in _wanted(incident, now) if (r.checklist_id, r.item_id) not in have]
    session.add_all(added)
    if added:
        session.flush()
        _catch_up(session, incident, added)
    return stored + added


def checklists(session: Session, *, incident: Incident, now: datetime) -> list[ChecklistItem]:
    """The incident's items, stored ones and (unsaved, unticked) any the pack calls for that are not yet stored."""
    stored = _stored(session, incident)
    have = {(r.checklist_id, r.item_id) for r in stored}
    return stored + [r for r in _wanted(incident, now) if (r.checklist_id, r.item_id) not in have]


def _find(rows: list[ChecklistItem], checklist_id: str, item_id: str, incident: Incident) -> ChecklistItem:
    row = next((r for r in rows if r.checklist_id == checklist_id and r.item_id == item_id), None)
    if row is None:
        lists = sorted({r.checklist_id for r in rows})
        if checklist_id not in lists:
            raise NotFound(f"{incident.ref} has no checklist '{checklist_id}'; it has: {', '.join(lists)}")
        items = [r.item_id for r in rows if r.checklist_id == checklist_id]
        raise NotFound(f"checklist '{checklist_id}' of {incident.ref} has no item '{item_id}'; it has: "
                       f"{', '.join(items)}")
    return row


def tick(session: Session, *, incident: Incident, checklist_id: str, item_id: str, done: bool, actor: Actor,
         now: datetime, note: str | None = None) -> ChecklistItem:
    """Tick or untick one item; who and when go on the timeline. Ticking a ticked item changes nothing."""
    actor.require(Perm.INCIDENT_RESPOND)
    row = _find(attach(session, incident=incident, now=now), checklist_id, item_id, incident)
    if row.done == done:
        return row
    _set(session, incident, row, done=done, actor=actor, now=now, note=note or "", auto=False)
    return row


def _set(session: Session, incident: Incident, row: ChecklistItem, *, done: bool, actor: Actor, now: datetime,
         note: str, auto: bool) -> None:
    row.done, row.note = done, note
    row.done_at, row.done_by = (now, actor.label) if done else (None, None)
    if auto:
        return  # the entry that ticked it is on the timeline already; the item names it and the system
    verb = "Ticked" if done else "Unticked"
    incidents.record(session, incident, kind=DONE if done else UNDONE, actor=actor, now=now,
                     summary=f"{verb} '{row.text}' ({row.checklist_name})" + (f": {note}" if note else ""),
                     data={"checklist": row.checklist_id, "item": row.item_id, "done": done, "note": note})


# --- items the system ticks itself


def auto_checks(entry: TimelineEntry, incident: Incident) -> set[str]:
    """The pack's `auto:` facts a timeline entry shows (see AutoCheck in policy/schema.py)."""
    kind, data = entry.kind, entry.data or {}
    by_person = entry.actor_user_id is not None or entry.actor.startswith("cli:")
    seen: set[str] = set()
    if kind == "acknowledged":
        seen.add("acknowledged")
    if kind == "status_changed":
        if data.get("from") == "triggered" and incident.acknowledged_at is not None:
            seen.add("acknowledged")  # a person moving work on from triggered has seen it
        if data.get("to") == "investigating":
            seen.add("investigation_started")
    if (kind == "severity_changed" and data.get("manual")) or kind == "severity_kept":
        seen.add("severity_set")  # kept: an alert's suggestion left a person's severity as it was
    if kind == "classified" and data.get("severity_by_person") and by_person:
        seen.add("severity_set")  # given by the person who opened the incident
    if kind == "chat_channel_created":
        seen.add("channel_created")
    if kind == "stakeholders_notified":
        seen.add("stakeholders_notified")
    if kind == "status_update":
        seen.add("status_update_posted")
    if kind == "role_assigned" and data.get("role") == "commander":
        seen.add("commander_assigned")
    if kind == "resolved":
        # Resolving opens the post-incident review with its due date (reviews.open_for): it is scheduled.
        seen.update({"resolved", "review_scheduled"})
    if kind == "review_scheduled":
        seen.add("review_scheduled")
    return seen


def _tick_seen(session: Session, incident: Incident, rows: list[ChecklistItem], entry: TimelineEntry) -> None:
    seen = auto_checks(entry, incident)
    if not seen:
        return
    for row in rows:
        if row.auto in seen and not row.done:
            _set(session, incident, row, done=True, actor=SYSTEM, now=entry.at, auto=True,
                 note=f"seen on the timeline: {entry.summary}"[:2_000])


def _catch_up(session: Session, incident: Incident, rows: list[ChecklistItem]) -> None:
    """Items attached late (a type change) are ticked for what the timeline already shows."""
    if not any(r.auto for r in rows):
        return
    for entry in incidents.timeline(session, incident=incident):
        _tick_seen(session, incident, [r for r in rows if not r.done], entry)


def _observe(session: Session, incident: Incident, entry: TimelineEntry) -> None:
    if entry.kind in (DONE, UNDONE, OVERRIDDEN):
        return
    if entry.kind in ("created", "type_changed"):
        attach(session, incident=incident, now=entry.at)
        return
    if not auto_checks(entry, incident):
        return
    _tick_seen(session, incident, [r for r in _stored(session, incident) if r.auto and not r.done], entry)


# --- resolving


def open_required(rows: list[ChecklistItem], severity: str) -> list[ChecklistItem]:
    """Items of checklists required to resolve at this severity that are not done."""
    return [r for r in rows if severity in (r.required_to_resolve or []) and not r.done]


def check_resolve(session: Session, *, incident: Incident, actor: Actor, now: datetime,
                  override: str | None) -> None:
    """A P0/P1 (per the pack) resolves only with its recovery verification done, or an override with a reason.

    People are refused; an automatic resolution goes through and the timeline records the open items."""
    missing = open_required(attach(session, incident=incident, now=now), incident.severity)
    if not missing:
        return
    items = [{"checklist": r.checklist_id, "item": r.item_id, "text": r.text} for r in missing]
    names = "; ".join(f"'{r.text}'" for r in missing)
    automatic = actor.kind not in ("user", "cli")
    if automatic:
        # An integration or the engine resolving (auto-resolve) is never refused: a sender's delivery must not
        # fail on a checklist. The record says what was open.
        override = f"resolved automatically by {actor.label}"
    if not (override or "").strip():
        raise Conflict(f"{incident.ref} ({incident.severity}) cannot be resolved: {len(missing)} item(s) of "
                       f"{missing[0].checklist_name} are not done: {names}. Tick them, or resolve with an "
                       "override reason", details={"open_items": items})
    incidents.record(session, incident, kind=OVERRIDDEN, actor=actor, now=now,
                     summary=f"Resolved with {len(missing)} required checklist item(s) open "
                             f"({'automatic' if automatic else 'override'}): {override}",
                     data={"reason": override, "open_items": items, "automatic": automatic})


observers.on_entry("runbooks.checklists", _observe)
observers.on_resolve("runbooks.checklists", check_resolve)
