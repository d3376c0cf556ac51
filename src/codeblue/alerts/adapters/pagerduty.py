"""PagerDuty Events API v2: check a request body as PagerDuty does, and turn it into one alert."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from codeblue.alerts.adapters._fields import BODY, link, scalars, summary, timestamp
from codeblue.alerts.normal import NormalAlert, PayloadError

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
INVALID = "Event object is invalid"


def _blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def _payload_problems(payload: Any, *, trigger: bool) -> list[tuple[str, str]]:
    if payload is None and not trigger:
        return []
    if payload is None:
        payload = {}  # PagerDuty then names each required field, so do we
    if not isinstance(payload, Mapping):
        return [("payload", "'payload' must be an object")]
    problems = []
    for key in ("summary", "source", "severity", "component", "group", "class", "timestamp"):
        value = payload.get(key)
        if value is not None and not isinstance(value, str):
            problems.append((f"payload.{key}", f"'payload.{key}' must be a string"))
        elif trigger and key in ("summary", "source", "severity") and _blank(value):
            problems.append((f"payload.{key}", f"'payload.{key}' is missing or blank"))
    severity = payload.get("severity")
    if isinstance(severity, str) and severity.strip() and severity.strip().lower() not in SEVERITIES:
        problems.append(("payload.severity", "'payload.severity' must be one of critical, error, warning, info"))
    return problems


def _problems(body: Any) -> list[tuple[str, str]]:
    """(field, message) for each reason PagerDuty would refuse the event, worded as PagerDuty words them."""
    if not isinstance(body, Mapping):
        return [(BODY, INVALID)]
    problems = []
    # Our routing keys may be longer than PagerDuty's 32 characters, so only presence is checked.
    if _blank(body.get("routing_key")):
        problems.append(("routing_key", "'routing_key' is missing or blank"))
    action = body.get("event_action")
    if _blank(action):
        problems.append(("event_action", "'event_action' is missing or blank"))
    elif action not in ACTIONS:
        problems.append(("event_action", "'event_action' must be one of trigger, acknowledge, resolve"))
    dedup = body.get("dedup_key")
    if dedup is not None and not isinstance(dedup, str):
        problems.append(("dedup_key", "'dedup_key' must be a string"))
    elif action in ("acknowledge", "resolve") and _blank(dedup):
        problems.append(("dedup_key", "'dedup_key' is missing or blank"))
    problems += _payload_problems(body.get("payload"), trigger=action == "trigger")
    for key in ("links", "images"):
        value = body.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, Mapping) for v in value)):
            problems.append((key, f"'{key}' must be an array of objects"))
    return problems


def validate_pagerduty(body: Any) -> list[str]:
    """PagerDuty-style error strings for an invalid Events v2 body; empty when the event is valid.

    The endpoint answers 400 {"status": "invalid event", "message": "Event object is invalid", "errors": [...]}.
    """
    return [message for _, message in _problems(body)]


def _links(body: Mapping[str, Any]) -> list[dict[str, str]]:
    out = [one for item in body.get("links") or [] for one in link(item.get("href"), item.get("text"))]
    out += [one for item in body.get("images") or [] for one in link(item.get("href"), item.get("alt"))]
    return out + link(body.get("client_url"), body.get("client"))


def parse(body: Any, options: Mapping[str, Any]) -> list[NormalAlert]:
    """One alert from an Events v2 body; an invalid body raises PayloadError with PagerDuty's first error."""
    problems = _problems(body)
    if problems:
        field, message = problems[0]
        raise PayloadError(message, field=field)
    action = body["event_action"]
    payload = body.get("payload") or {}
    custom = payload.get("custom_details")
    severity = (payload.get("severity") or "").strip().lower() or None
    # Scalar custom details become facts by their own key, so a pack can read e.g. phi_exposure;
    # the facts this adapter sets itself come last and win.
    facts: dict[str, Any] = scalars(custom) if isinstance(custom, Mapping) else {}
    facts["source"] = "pagerduty"
    if severity:
        facts["severity_hint"] = severity
    facts.update({k: payload[k] for k in ("component", "group", "class") if payload.get(k)})
    details = {k: v for k, v in payload.items() if k in ("custom_details", "group", "class") and v is not None}
    details.update({k: body[k] for k in ("client", "client_url", "images") if body.get(k) is not None})
    return [NormalAlert(
        action=action,
        summary=summary((payload.get("summary") or "").strip() or f"PagerDuty {action}: {body.get('dedup_key')}"),
        source=(payload.get("source") or "").strip() or "pagerduty",
        dedup_key=body.get("dedup_key") or None,
        component=payload.get("component") or None,
        severity_hint=severity,
        occurred_at=timestamp(payload.get("timestamp")),
        facts=facts,
        links=_links(body),
        details=details,
    )]
