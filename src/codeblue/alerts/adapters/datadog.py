"""Datadog webhook: one alert from a (default or custom) payload template's fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from codeblue.alerts.adapters._fields import BODY, first_line, link, obj, severity, summary, text, timestamp, wrong
from codeblue.alerts.normal import NormalAlert

# A template variable Datadog did not render (the default template as documented, or a typo'd name).
UNRENDERED = re.compile(r"\$[A-Z][A-Z0-9_.]*")

# $ALERT_TRANSITION, lower-cased with spaces and hyphens removed → action. Anything else pages.
TRANSITIONS = {
    "triggered": "trigger", "retriggered": "trigger", "warn": "trigger", "rewarn": "trigger",
    "warning": "trigger", "renotify": "trigger", "alert": "trigger", "error": "trigger",
    "recovered": "resolve", "success": "resolve", "resolved": "resolve", "ok": "resolve",
    "nodata": "record", "renodata": "record", "muted": "record", "unmuted": "record", "info": "record",
}
# $ALERT_TYPE → action when no transition was sent.
ALERT_TYPES = {"error": "trigger", "warning": "trigger", "success": "resolve", "info": "record"}
# $ALERT_TYPE → severity_hint when no priority was sent.
TYPE_SEVERITY = {"error": "error", "warning": "warning", "info": "info", "success": "info"}
# Datadog's AWS integration tag names → the facts rules read.
TAG_FACTS = {"dbinstanceidentifier": "db_instance", "ecs_cluster": "ecs_cluster", "clustername": "ecs_cluster",
             "ecs_service": "ecs_service", "servicename": "ecs_service"}


def _field(body: Mapping[str, Any], *keys: str) -> str | None:
    """The first rendered, non-blank value among keys (unrendered "$VARS" count as absent)."""
    for key in keys:
        value = text(body, key)
        if value and value.strip() and not UNRENDERED.fullmatch(value.strip()):
            return value.strip()
    return None


def _tags(body: Mapping[str, Any]) -> dict[str, Any]:
    """"env:prod,team:x" (or a list of such strings) → tag.env, tag.team facts; a bare tag reads as true."""
    raw = body.get("tags")
    if raw is None:
        return {}
    if isinstance(raw, str):
        items = [] if UNRENDERED.fullmatch(raw.strip()) else raw.split(",")
    elif isinstance(raw, list) and all(isinstance(t, str) for t in raw):
        items = raw
    else:
        raise wrong("tags", "a comma-separated string or an array of strings", raw)
    facts: dict[str, Any] = {}
    for item in (t.strip() for t in items):
        name, sep, value = item.partition(":")
        if not name:
            continue
        facts[f"tag.{name}"] = value if sep else True
        if sep and name.lower() in TAG_FACTS:
            facts[TAG_FACTS[name.lower()]] = value
    return facts


def _action(transition: str | None, alert_type: str | None) -> str:
    if transition:
        return TRANSITIONS.get(re.sub(r"[\s_-]", "", transition.lower()), "trigger")
    return ALERT_TYPES.get((alert_type or "").lower(), "trigger")


def parse(payload: Any, options: Mapping[str, Any]) -> list[NormalAlert]:
    """Datadog webhook body → one alert; Recovered (or alert_type success) resolves, No Data records."""
    body = obj(payload, BODY)
    title, message = _field(body, "title", "alert_title", "event_title"), _field(body, "body", "text", "event_msg")
    transition, alert_type = _field(body, "alert_transition"), _field(body, "alert_type")
    hint = severity(_field(body, "priority")) or TYPE_SEVERITY.get((alert_type or "").lower())
    # The aggregation key is the same for a monitor group's trigger and its recovery; $ID is per
    # notification, so it would never let a recovery find its trigger and is not used.
    scope = _field(body, "alert_scope")
    alert_id = _field(body, "alert_id")
    dedup = _field(body, "aggregate", "aggreg_key") or (alert_id and (f"{alert_id}:{scope}" if scope else alert_id))
    facts: dict[str, Any] = {**_tags(body), "source": "datadog"}
    if hint:
        facts["severity_hint"] = hint
    for key, fact in (("alert_metric", "metric_name"), ("hostname", "host"), ("alert_status", "alert_status")):
        if value := _field(body, key):
            facts[fact] = value
    org = body.get("org")
    details = {k: v for k, v in body.items() if isinstance(v, str) and not UNRENDERED.fullmatch(v.strip())}
    if isinstance(org, Mapping):
        details["org"] = dict(org)
    return [NormalAlert(
        action=_action(transition, alert_type),  # type: ignore[arg-type]
        summary=summary(title or first_line(message) or "Datadog alert"),
        source="datadog",
        dedup_key=dedup,
        component=facts.get("tag.service") if isinstance(facts.get("tag.service"), str) else None,
        severity_hint=hint,
        occurred_at=timestamp(_field(body, "last_updated", "date")),
        facts=facts,
        links=link(_field(body, "link", "url"), "Datadog") + link(_field(body, "snapshot"), "Snapshot"),
        details=details,
    )]
