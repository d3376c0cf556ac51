"""Any JSON sender: alert fields picked out of the payload by path expressions in the integration's options.

options = {"summary": "$.title", "dedup_key": "$.id", "action": "$.state",
           "action_map": {"ok": "resolve", "alerting": "trigger"}, "severity": "$.level",
           "component": "billing-api", "source": "$.origin", "occurred_at": "$.time", "link": "$.url",
           "facts": {"error_rate_pct": "$.metrics.errors"}}

A string starting with "$" is a path ("$", "$.a.b[0].c", "$['key with spaces']", "$.items[-1]"); any
other value is used as it stands, so "component": "billing-api" names a constant. Only summary is
required. A list payload gives one alert per element, each element being "$" for its own alert.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from codeblue.alerts.adapters._fields import BODY, child, is_scalar, link, severity, summary, timestamp, wrong
from codeblue.alerts.normal import NormalAlert, PayloadError

ACTIONS = ("trigger", "acknowledge", "resolve", "record")
STEP = re.compile(r"""\.([^.\[\]'"]+)|\[\s*(-?\d+)\s*\]|\[\s*(['"])(.*?)\3\s*\]""")


def compile_path(expression: str) -> list[str | int]:
    """ "$.a.b[0]['c d']" → ["a", "b", 0, "c d"]; ValueError when the text is no such path."""
    if not expression.startswith("$"):
        raise ValueError(f"{expression!r} does not start with $")
    steps: list[str | int] = []
    pos = 1
    while pos < len(expression):
        match = STEP.match(expression, pos)
        if match is None:
            raise ValueError(f"cannot read {expression!r} from {expression[pos:]!r}")
        name, index, _, quoted = match.groups()
        steps.append(int(index) if index is not None else name if name is not None else quoted)
        pos = match.end()
    return steps


def resolve(steps: list[str | int], document: Any) -> Any:
    """The value at the path, or None when any step is absent."""
    node = document
    for step in steps:
        if isinstance(node, list) and isinstance(step, str) and step.lstrip("-").isdigit():
            step = int(step)  # "$.items.0" reads like "$.items[0]"
        if isinstance(node, Mapping) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and -len(node) <= step < len(node):
            node = node[step]
        else:
            return None
    return node


def _steps(options: Mapping[str, Any], name: str, expression: Any) -> list[str | int]:
    try:
        return compile_path(expression)
    except ValueError as exc:
        raise PayloadError(f"options.{name} is not a path expression: {exc}", field=f"options.{name}") from None


def _value(options: Mapping[str, Any], name: str, document: Any, expression: Any = None) -> Any:
    """The option's value for this document: a path is followed, anything else is a constant."""
    expression = options.get(name) if expression is None else expression
    if isinstance(expression, str) and expression.startswith("$"):
        return resolve(_steps(options, name, expression), document)
    return expression


def _field_name(base: str, steps: list[str | int]) -> str:
    name = base
    for step in steps:
        name = child(name, step)
    return name


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return str(value) if is_scalar(value) else json.dumps(value, sort_keys=True, separators=(",", ":"))


def _summary(options: Mapping[str, Any], document: Any, base: str) -> str:
    expression = options.get("summary")
    if not isinstance(expression, str) or not expression.strip():
        raise PayloadError("a generic integration needs options.summary, e.g. \"$.title\"", field="options.summary")
    value = _value(options, "summary", document)
    where = _field_name(base, _steps(options, "summary", expression)) if expression.startswith("$") else base
    if value is not None and not is_scalar(value):
        raise wrong(where, "a string", value)
    if value is None or not str(value).strip():
        raise PayloadError(f"'{where}' is missing or blank (options.summary is {expression})", field=where)
    return summary(str(value))


def _action(options: Mapping[str, Any], document: Any) -> str:
    raw = _as_text(_value(options, "action", document))
    mapping = options.get("action_map") or {}
    if not isinstance(mapping, Mapping):
        raise PayloadError("options.action_map must be an object", field="options.action_map")
    if raw is None:
        return "trigger"
    lowered = {str(k).lower(): v for k, v in mapping.items()}
    action = mapping.get(raw, lowered.get(raw.strip().lower(), raw.strip().lower()))
    if action not in ACTIONS:
        if raw in mapping or raw.strip().lower() in lowered:
            raise PayloadError(f"options.action_map maps {raw!r} to {action!r}, which is not one of "
                               f"{', '.join(ACTIONS)}", field="options.action_map")
        return "trigger"  # an unmapped state pages: better a page too many than a lost alert
    return action


def _facts(options: Mapping[str, Any], document: Any) -> dict[str, Any]:
    paths = options.get("facts") or {}
    if not isinstance(paths, Mapping):
        raise PayloadError("options.facts must be an object of fact name → expression", field="options.facts")
    facts: dict[str, Any] = {"source": "generic"}
    for name, expression in paths.items():
        value = _value(options, f"facts.{name}", document, expression)
        if value is not None:
            facts[name] = value
    return facts


def _one(document: Any, base: str, options: Mapping[str, Any]) -> NormalAlert:
    facts = _facts(options, document)
    hint = severity(_as_text(_value(options, "severity", document)))
    if hint:
        facts.setdefault("severity_hint", hint)
    return NormalAlert(
        action=_action(options, document),  # type: ignore[arg-type]
        summary=_summary(options, document, base),
        source=(_as_text(_value(options, "source", document)) or "").strip() or "generic",
        dedup_key=_as_text(_value(options, "dedup_key", document)) or None,
        component=_as_text(_value(options, "component", document)) or None,
        severity_hint=hint,
        occurred_at=timestamp(_value(options, "occurred_at", document)),
        facts=facts,
        links=link(_value(options, "link", document), "Source"),
        details=dict(document) if isinstance(document, Mapping) else {"payload": document},
    )


FIELDS = ("summary", "dedup_key", "action", "severity", "component", "source", "occurred_at", "link")


def check_options(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem with a generic integration's options as (field, message), so a bad expression
    is refused when the integration is made rather than when its first alert arrives."""
    problems: list[tuple[str, str]] = []
    expression = options.get("summary")
    if not isinstance(expression, str) or not expression.strip():
        problems.append(("options.summary", "a generic integration needs options.summary, an expression such as "
                                            "\"$.title\""))
    paths = options.get("facts") or {}
    if not isinstance(paths, Mapping):
        problems.append(("options.facts", "options.facts must be an object of fact name → expression"))
        paths = {}
    named = [(name, options.get(name)) for name in FIELDS] + [(f"facts.{k}", v) for k, v in paths.items()]
    for name, value in named:
        if isinstance(value, str) and value.startswith("$"):
            try:
                compile_path(value)
            except ValueError as exc:
                problems.append((f"options.{name}", f"options.{name} is not a path expression: {exc}"))
    mapping = options.get("action_map") or {}
    if not isinstance(mapping, Mapping):
        problems.append(("options.action_map", "options.action_map must be an object"))
    else:
        for state, action in mapping.items():
            if action not in ACTIONS:
                problems.append(("options.action_map", f"options.action_map maps {state!r} to {action!r}, "
                                                       f"which is not one of {', '.join(ACTIONS)}"))
    return problems


def parse(payload: Any, options: Mapping[str, Any]) -> list[NormalAlert]:
    """Any JSON → one alert, or one per element of a list payload."""
    if isinstance(payload, list):
        return [_one(item, child("", i), options) for i, item in enumerate(payload)]
    return [_one(payload, BODY, options)]
