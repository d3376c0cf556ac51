"""Prometheus Alertmanager webhook (version 4): one alert per entry of alerts[], firing or resolved."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from codeblue.alerts.adapters._fields import (
    BODY, child, first_line, link, missing, obj, opt_list, opt_obj, scalars, severity, summary, text, timestamp,
)
from codeblue.alerts.normal import NormalAlert, PayloadError
from codeblue.policy.facts import FACTS

STATUSES = {"firing": "trigger", "resolved": "resolve"}
# Per-alert URLs worth a link (Grafana adds the last four to Alertmanager's generatorURL).
LINKS = (("generatorURL", "Source"), ("silenceURL", "Silence"), ("dashboardURL", "Dashboard"),
         ("panelURL", "Panel"), ("imageURL", "Image"))
# Labels with a well-known meaning under another fact name; severity is normalised separately.
LABEL_FACTS = {"alertname": "alarm_name"}
# The facts an adapter sets itself: a label of the same name must not override them.
OWN_FACTS = ("source", "severity_hint")
COMPONENT_LABELS = ("component", "service", "job")
KEPT = ("labels", "annotations", "startsAt", "endsAt", "valueString", "values")

Extra = Callable[[Mapping[str, Any], str], dict[str, Any]]


def _label_facts(labels: Mapping[str, Any]) -> dict[str, Any]:
    facts = scalars(labels, "label.")
    for name, value in scalars(labels).items():
        if name in LABEL_FACTS:
            facts[LABEL_FACTS[name]] = value
        elif name in FACTS and name not in OWN_FACTS:
            facts[name] = value  # e.g. a label availability="down" or phi_exposure="true" reads as the fact
    return facts


def _summary(labels: Mapping[str, Any], annotations: Mapping[str, Any], fallback: str) -> str:
    candidates = [annotations.get("summary"), annotations.get("description"), labels.get("alertname")]
    for candidate in candidates:
        line = first_line(candidate) if isinstance(candidate, str) else None
        if line:
            return summary(line)
    return fallback


def _dedup_key(alert: Mapping[str, Any], labels: Mapping[str, Any], group_key: str | None, base: str) -> str:
    fingerprint = text(alert, "fingerprint", base)
    if fingerprint and fingerprint.strip():
        return fingerprint
    # No fingerprint (older senders): the group and the full label set identify an alert the same way.
    pairs = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return f"{group_key or ''}|{pairs}"


def _one(body: Mapping[str, Any], item: Any, base: str, source: str, extra: Extra | None,
         fallback: str) -> NormalAlert:
    alert = obj(item, base)
    status = (text(alert, "status", base) or text(body, "status") or "firing").strip().lower()
    if status not in STATUSES:
        raise PayloadError(f"'{child(base, 'status')}' must be firing or resolved", field=child(base, "status"))
    labels, annotations = opt_obj(alert, "labels", base), opt_obj(alert, "annotations", base)
    hint = severity(labels.get("severity"))
    facts = {"source": source, **_label_facts(labels), **(extra(alert, base) if extra else {})}
    if hint:
        facts["severity_hint"] = hint
    when = alert.get("endsAt") if status == "resolved" else alert.get("startsAt")
    component = next((labels[k] for k in COMPONENT_LABELS if isinstance(labels.get(k), str) and labels[k]), None)
    links = [one for key, label in LINKS for one in link(alert.get(key), label)]
    links += link(annotations.get("runbook_url"), "Runbook")
    return NormalAlert(
        action=STATUSES[status],  # type: ignore[arg-type]
        summary=_summary(labels, annotations, fallback),
        source=source,
        dedup_key=_dedup_key(alert, labels, text(body, "groupKey"), base),
        component=component,
        severity_hint=hint,
        occurred_at=timestamp(when) or timestamp(alert.get("startsAt")),
        facts=facts,
        links=links,
        details={k: alert[k] for k in KEPT if alert.get(k) is not None}
        | {k: body[k] for k in ("receiver", "groupKey", "externalURL") if body.get(k) is not None},
    )


def parse_alerts(payload: Any, *, source: str, extra: Extra | None = None,
                 fallback_summary: str | None = None) -> list[NormalAlert]:
    """The alerts[] of an Alertmanager-shaped webhook; Grafana reuses this with its own extra facts."""
    body = obj(payload, BODY)
    if body.get("alerts") is None:
        raise missing("alerts")
    fallback = fallback_summary or f"Alert from {source}"
    return [_one(body, item, child("alerts", i), source, extra, fallback)
            for i, item in enumerate(opt_list(body, "alerts"))]


def parse(payload: Any, options: Mapping[str, Any]) -> list[NormalAlert]:
    """Alertmanager webhook body → one alert per entry; resolved entries resolve."""
    return parse_alerts(payload, source="alertmanager")
