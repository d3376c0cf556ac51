"""Sender formats: one pure parse function per integration type, decoded JSON → normalised alerts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from codeblue.alerts.adapters import alertmanager, datadog, eventbridge, generic, grafana, pagerduty, sns
from codeblue.alerts.normal import NormalAlert

Adapter = Callable[[Any, Mapping[str, Any]], list[NormalAlert]]

# Integration type → parse(payload, options); each raises PayloadError naming the field it cannot read.
ADAPTERS: dict[str, Adapter] = {
    "pagerduty": pagerduty.parse,
    "alertmanager": alertmanager.parse,
    "grafana": grafana.parse,
    "datadog": datadog.parse,
    "eventbridge": eventbridge.parse,
    "sns": sns.parse,
    "generic": generic.parse,
}

__all__ = ["ADAPTERS", "Adapter", "alertmanager", "datadog", "eventbridge", "generic", "grafana", "pagerduty", "sns"]
