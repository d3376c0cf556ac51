"""Grafana Alerting (unified alerting) webhook: Alertmanager's alerts[] shape plus query values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from codeblue.alerts.adapters._fields import child, first_line, obj, text
from codeblue.alerts.adapters.alertmanager import parse_alerts
from codeblue.alerts.normal import NormalAlert

# Older Grafana versions send only valueString: "[ var='B' labels={zone=us-1} value=44.2 ], [ ... ]".
VALUE_STRING = re.compile(r"var='([^']+)'[^\]]*?value=(-?[0-9.]+(?:[eE][-+]?\d+)?)")


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _value_facts(alert: Mapping[str, Any], base: str) -> dict[str, Any]:
    """Each query or expression result as a fact value.<refId>, so rules can compare the numbers."""
    values = alert.get("values")
    if values is not None:
        numbers = {k: _number(v) for k, v in obj(values, child(base, "values")).items()}
        return {f"value.{k}": v for k, v in numbers.items() if v is not None}
    found = VALUE_STRING.findall(text(alert, "valueString", base) or "")
    facts: dict[str, Any] = {}
    for ref, raw in found:
        try:
            facts[f"value.{ref}"] = float(raw)
        except ValueError:
            continue  # "1.2.3" matches the pattern but is no number; skip it, keep the alert
    return facts


def parse(payload: Any, options: Mapping[str, Any]) -> list[NormalAlert]:
    """Grafana webhook body → one alert per entry of alerts[]; resolved entries resolve."""
    title = first_line(text(obj(payload, "body"), "title")) if isinstance(payload, Mapping) else None
    return parse_alerts(payload, source="grafana", extra=_value_facts, fallback_summary=title)
