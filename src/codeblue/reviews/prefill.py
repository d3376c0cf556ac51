"""What a review starts with, from the incident's timeline: pure functions over its entries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# The seed's timeline milestones, as the lifecycle moves that mark them.
MILESTONES = {"investigating": "Investigation started", "identified": "Root cause identified",
              "monitoring": "Resolution implemented"}
KEPT = ("severity_changed", "type_changed", "role_assigned", "note", "flag_changed", "classified",
        "review_overridden")


def _note(summary: str) -> str:
    """The free text after 'Status a → b: ', if any."""
    _, sep, rest = summary.partition(": ")
    return rest if sep else ""


def highlight(entry: Any) -> str | None:
    """The line an entry contributes to the review's timeline, or None for routine entries."""
    kind, data, summary = entry.kind, entry.data or {}, entry.summary
    if kind == "created":
        return f"Incident detected: {summary}"
    if kind == "acknowledged":
        return f"Acknowledged by {entry.actor}" + (f" (via {data['via']})" if data.get("via") else "")
    if kind == "status_changed" and data.get("to") in MILESTONES:
        note = _note(summary)
        return MILESTONES[data["to"]] + (f": {note}" if note else "")
    if kind == "resolved":
        note = _note(summary)
        return "Incident resolved" + (f": {note}" if note else "")
    if kind == "status_changed":
        return summary
    if kind in KEPT:
        return summary
    return None


def highlights(entries: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"at": e.at.isoformat(), "text": text} for e in entries if (text := highlight(e))]


def actions(entries: Iterable[Any]) -> list[str]:
    """What responders wrote down as they worked: their notes, and the note they resolved with."""
    out = []
    for e in entries:
        if e.kind == "note":
            out.append(e.summary)
        elif e.kind == "resolved" and _note(e.summary):
            out.append(_note(e.summary))
    return out


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "unknown"
    hours, rest = divmod(max(0, seconds), 3600)
    minutes = rest // 60
    days, hours = divmod(hours, 24)
    parts = ([f"{days}d"] if days else []) + ([f"{hours}h"] if hours else []) + [f"{minutes}m"]
    return " ".join(parts)
