"""CloudWatch alarms — the SNS Message JSON and the EventBridge "CloudWatch Alarm State Change" — as one alert.

ALARM triggers, OK resolves, INSUFFICIENT_DATA is recorded. The dedup key is the alarm ARN (both
forms carry it), so an alarm raised over SNS resolves over EventBridge too.

error_rate_pct is best effort: it is set to the latest datapoint when the alarm's metric looks like a
percentage error rate — its name (or, for a metric-math alarm, a returned expression's id/label or the
alarm name) mentions 5xx/error/fault/fail *and* rate/percent/pct/%. A plain count such as
HTTPCode_Target_5XX_Count is not a rate and sets nothing. The latest datapoint comes from the
EventBridge reasonData recentDatapoints (last is newest) or else the reason text "[66.6 (…), …]"
(first is newest). A HealthyHostCount alarm in ALARM at below one host sets availability "down".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from codeblue.alerts.adapters._fields import (
    BODY, child, missing, obj, opt_list, opt_obj, summary, text, timestamp,
)
from codeblue.alerts.normal import NormalAlert, PayloadError

STATES = {"ALARM": "trigger", "OK": "resolve", "INSUFFICIENT_DATA": "record"}
DIMENSION_FACTS = {"ServiceName": "ecs_service", "ClusterName": "ecs_cluster", "DBInstanceIdentifier": "db_instance",
                   "LoadBalancer": "load_balancer", "TargetGroup": "target_group"}
COMPONENT_DIMENSIONS = ("ServiceName", "DBInstanceIdentifier", "LoadBalancer", "FunctionName", "TableName",
                        "QueueName", "InstanceId")
ERRORS = re.compile(r"5xx|error|fault|fail", re.IGNORECASE)
RATE = re.compile(r"rate|percent|pct|%", re.IGNORECASE)
REASON_DATAPOINT = re.compile(r"\[\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*\(")
ALARM_ARN = re.compile(r"arn:aws[\w-]*:cloudwatch:([\w-]+):\d*:alarm:.+")


@dataclass
class Alarm:
    """What both alarm forms say, read into one shape."""

    name: str
    state: str
    key: str
    reason: str | None = None
    changed_at: datetime | None = None
    metric_name: str | None = None
    namespace: str | None = None
    dimensions: dict[str, str] = field(default_factory=dict)
    expression_names: list[str] = field(default_factory=list)  # metric-math ids/labels, for error-rate guessing
    datapoint: float | None = None
    threshold: float | None = None
    comparison: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _state(container: Mapping[str, Any], key: str, base: str) -> str:
    state = text(container, key, base, required=True).strip().upper()  # type: ignore[union-attr]
    if state not in STATES:
        raise PayloadError(f"'{child(base, key)}' must be ALARM, OK or INSUFFICIENT_DATA", field=child(base, key))
    return state


def _reason_datapoint(reason: str | None) -> float | None:
    match = REASON_DATAPOINT.search(reason or "")
    return float(match.group(1)) if match else None


def _is_error_rate(alarm: Alarm) -> bool:
    # A metric-math alarm compares its expression, not the metrics it reads (a rate over two counts).
    names = [*alarm.expression_names, alarm.name] if alarm.expression_names or not alarm.metric_name \
        else [alarm.metric_name]
    return any(n and ERRORS.search(n) and RATE.search(n) for n in names)


def _hosts_down(alarm: Alarm) -> bool:
    if alarm.metric_name != "HealthyHostCount" or alarm.state != "ALARM":
        return False
    if alarm.datapoint is not None:
        return alarm.datapoint < 1
    limit = alarm.threshold if alarm.threshold is not None else 0.0
    return (alarm.comparison == "LessThanThreshold" and limit <= 1) or (
        alarm.comparison == "LessThanOrEqualToThreshold" and limit < 1)


def _facts(alarm: Alarm) -> dict[str, Any]:
    facts: dict[str, Any] = {"source": "cloudwatch", "alarm_name": alarm.name}
    optional = {"metric_name": alarm.metric_name, "namespace": alarm.namespace, "metric_value": alarm.datapoint,
                "threshold": alarm.threshold}
    facts.update({k: v for k, v in optional.items() if v is not None})
    for name, value in alarm.dimensions.items():
        facts[f"dimension.{name}"] = value
        if name in DIMENSION_FACTS:
            facts[DIMENSION_FACTS[name]] = value
    if alarm.datapoint is not None and _is_error_rate(alarm):
        facts["error_rate_pct"] = alarm.datapoint
    if _hosts_down(alarm):
        facts.update(availability="down", health_check_failed=True)
    elif alarm.metric_name == "UnHealthyHostCount" and alarm.state == "ALARM":
        facts["health_check_failed"] = True
    return facts


def _console_link(alarm: Alarm) -> list[dict[str, str]]:
    match = ALARM_ARN.fullmatch(alarm.key)
    if not match:
        return []
    region = match.group(1)
    url = f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#alarmsV2:alarm/{quote(alarm.name)}"
    return [{"href": url, "text": "CloudWatch alarm"}]


def to_alert(alarm: Alarm) -> NormalAlert:
    """The alert for an alarm's state change, whichever form it came in."""
    component = next((alarm.dimensions[d] for d in COMPONENT_DIMENSIONS if d in alarm.dimensions), None)
    return NormalAlert(
        action=STATES[alarm.state],  # type: ignore[arg-type]
        summary=summary(f"{alarm.state}: {alarm.name}"),
        source="cloudwatch",
        dedup_key=alarm.key,
        component=component,
        occurred_at=alarm.changed_at,
        facts=_facts(alarm),
        links=_console_link(alarm),
        details={k: v for k, v in alarm.details.items() if v is not None},
    )


# --- the SNS form: {"AlarmName", "NewStateValue", "Trigger": {"MetricName", "Dimensions": [{name, value}]}}


def is_sns_alarm(message: Any) -> bool:
    return isinstance(message, Mapping) and "AlarmName" in message and "NewStateValue" in message


def _sns_dimensions(items: list[Any], base: str) -> dict[str, str]:
    dims = {}
    for i, item in enumerate(items):
        entry = obj(item, child(base, i))
        name = text(entry, "name", child(base, i)) or text(entry, "Name", child(base, i))
        value = text(entry, "value", child(base, i)) or text(entry, "Value", child(base, i))
        if name:
            dims[name] = value or ""
    return dims


def _sns_trigger(alarm: Alarm, trigger: Mapping[str, Any], base: str) -> None:
    alarm.metric_name, alarm.namespace = text(trigger, "MetricName", base), text(trigger, "Namespace", base)
    alarm.dimensions = _sns_dimensions(opt_list(trigger, "Dimensions", base), child(base, "Dimensions"))
    alarm.threshold, alarm.comparison = _number(trigger.get("Threshold")), text(trigger, "ComparisonOperator", base)
    for i, item in enumerate(opt_list(trigger, "Metrics", base)):  # a metric-math alarm
        where = child(child(base, "Metrics"), i)
        metric = obj(item, where)
        alarm.expression_names += [n for n in (text(metric, "Id", where), text(metric, "Label", where)) if n]
        inner = opt_obj(opt_obj(metric, "MetricStat", where), "Metric", child(where, "MetricStat"))
        inner_base = child(child(where, "MetricStat"), "Metric")
        dims = _sns_dimensions(opt_list(inner, "Dimensions", inner_base), child(inner_base, "Dimensions"))
        alarm.dimensions = {**dims, **alarm.dimensions}


def from_sns_alarm(message: Any, base: str = "Message") -> NormalAlert:
    """A CloudWatch alarm notification as SNS delivers it in Message (already decoded from JSON)."""
    body = obj(message, base)
    name = text(body, "AlarmName", base, required=True)
    arn, account, region = text(body, "AlarmArn", base), text(body, "AWSAccountId", base), text(body, "Region", base)
    alarm = Alarm(
        name=name, state=_state(body, "NewStateValue", base),  # type: ignore[arg-type]
        key=arn or f"cloudwatch:{account}:{region}:{name}",
        reason=text(body, "NewStateReason", base), changed_at=timestamp(body.get("StateChangeTime")),
    )
    _sns_trigger(alarm, opt_obj(body, "Trigger", base), child(base, "Trigger"))
    alarm.datapoint = _reason_datapoint(alarm.reason)
    alarm.details = {"reason": alarm.reason, "description": text(body, "AlarmDescription", base),
                     "previous_state": text(body, "OldStateValue", base), "region": region, "account": account,
                     "threshold": alarm.threshold, "comparison": alarm.comparison}
    return to_alert(alarm)


# --- the EventBridge form: detail {"alarmName", "state": {"value", "reason", "reasonData"}, "configuration"}


def _reason_data(state: Mapping[str, Any]) -> Mapping[str, Any]:
    """state.reasonData, a JSON document inside a string; unreadable reads as empty (it is only a hint)."""
    raw = state.get("reasonData")
    if isinstance(raw, Mapping):
        return raw
    if not isinstance(raw, str):
        return {}
    try:
        decoded = json.loads(raw)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, Mapping) else {}


def _latest(points: Any) -> float | None:
    """The newest of reasonData's recentDatapoints (oldest first), when they are numbers."""
    numbers = [_number(p) for p in points] if isinstance(points, list) else []
    return next((n for n in reversed(numbers) if n is not None), None)


def _event_metrics(alarm: Alarm, configuration: Mapping[str, Any], base: str) -> None:
    for i, item in enumerate(opt_list(configuration, "metrics", base)):
        where = child(child(base, "metrics"), i)
        entry = obj(item, where)
        stat = opt_obj(entry, "metricStat", where)
        metric = opt_obj(stat, "metric", child(where, "metricStat"))
        metric_base = child(child(where, "metricStat"), "metric")
        if metric and alarm.metric_name is None:
            alarm.metric_name = text(metric, "name", metric_base)
            alarm.namespace = text(metric, "namespace", metric_base)
        if isinstance(metric.get("dimensions"), list):  # the SNS spelling, [{name, value}], seen from some tools
            dims = _sns_dimensions(metric["dimensions"], child(metric_base, "dimensions"))
        else:
            dims = opt_obj(metric, "dimensions", metric_base)
        alarm.dimensions.update({k: str(v) for k, v in dims.items() if isinstance(v, str | int | float)})
        if "expression" in entry:
            alarm.expression_names += [n for n in (text(entry, "id", where), text(entry, "label", where)) if n]


def from_alarm_event(event: Any, base: str = BODY) -> NormalAlert:
    """An EventBridge "CloudWatch Alarm State Change" event."""
    body = obj(event, base)
    detail_base = child(base, "detail")
    if body.get("detail") is None:
        raise missing(detail_base)
    detail = obj(body["detail"], detail_base)
    name = text(detail, "alarmName", detail_base, required=True)
    if detail.get("state") is None:
        raise missing(child(detail_base, "state"))
    state = obj(detail["state"], child(detail_base, "state"))
    resources = [r for r in opt_list(body, "resources", base) if isinstance(r, str) and ":alarm:" in r]
    account, region = text(body, "account", base), text(body, "region", base)
    alarm = Alarm(
        name=name, state=_state(state, "value", child(detail_base, "state")),  # type: ignore[arg-type]
        key=resources[0] if resources else f"cloudwatch:{account}:{region}:{name}",
        reason=text(state, "reason", child(detail_base, "state")),
        changed_at=timestamp(state.get("timestamp")) or timestamp(body.get("time")),
    )
    configuration = opt_obj(detail, "configuration", detail_base)
    _event_metrics(alarm, configuration, child(detail_base, "configuration"))
    data = _reason_data(state)
    latest = _latest(data.get("recentDatapoints"))
    alarm.datapoint = latest if latest is not None else _reason_datapoint(alarm.reason)
    alarm.threshold = _number(data.get("threshold"))
    previous = detail.get("previousState")
    alarm.details = {"reason": alarm.reason, "description": configuration.get("description"),
                     "previous_state": previous.get("value") if isinstance(previous, Mapping) else None,
                     "region": region, "account": account, "threshold": alarm.threshold}
    return to_alert(alarm)

