"""Classification: a pure function from alert facts to severity, type and the reason why."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from codeblue.policy.schema import AllOf, AnyOf, Condition, FactCondition, NotOf, Pack


@dataclass(frozen=True)
class Classification:
    severity: str
    type: str
    reason: str
    rule_id: str | None
    phi_suspected: bool = False
    user_facing: bool | None = None


_MISSING = object()


def _lookup(facts: Mapping[str, Any], name: str) -> Any:
    """A fact by name; dotted names reach into nested mappings."""
    if name in facts:
        return facts[name]
    node: Any = facts
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%"))
        except ValueError:
            return None
    return None


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, str) and isinstance(actual, str):
        return actual.casefold() == expected.casefold()
    if isinstance(expected, bool) or isinstance(actual, bool):
        return _truthy(actual) == expected if isinstance(expected, bool) else actual == expected
    a, b = _number(actual), _number(expected)
    if a is not None and b is not None:
        return a == b
    return bool(actual == expected)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "on")
    return bool(value)


def _fact_holds(cond: FactCondition, facts: Mapping[str, Any]) -> bool:
    actual = _lookup(facts, cond.fact)
    if cond.op == "exists":
        return actual is not _MISSING and actual is not None
    if cond.op == "missing":
        return actual is _MISSING or actual is None
    if actual is _MISSING or actual is None:
        return False
    match cond.op:
        case "eq":
            return _same(actual, cond.value)
        case "ne":
            return not _same(actual, cond.value)
        case "in":
            return any(_same(actual, v) for v in cond.value)
        case "not_in":
            return not any(_same(actual, v) for v in cond.value)
        case "contains":
            if isinstance(actual, list | tuple | set):
                return any(_same(a, cond.value) for a in actual)
            return str(cond.value).casefold() in str(actual).casefold()
        case "matches":
            return re.search(str(cond.value), str(actual)) is not None
    a, b = _number(actual), _number(cond.value)
    if a is None or b is None:
        return False
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[cond.op]


def holds(cond: Condition, facts: Mapping[str, Any]) -> bool:
    """Whether a rule's condition is true of these facts."""
    match cond:
        case AllOf():
            return all(holds(c, facts) for c in cond.all)
        case AnyOf():
            return any(holds(c, facts) for c in cond.any)
        case NotOf():
            return not holds(cond.not_, facts)
        case FactCondition():
            return _fact_holds(cond, facts)
    raise TypeError(f"not a condition: {cond!r}")


def classify(pack: Pack, facts: Mapping[str, Any]) -> Classification:
    """The first rule that holds decides; a type's default severity fills a rule without one."""
    for rule in pack.classification:
        if not holds(rule.when, facts):
            continue
        itype = pack.incident_type(rule.type or pack.default_type)
        severity = rule.severity or (itype.default_severity if itype else None) or pack.default_severity
        return Classification(
            severity=severity,
            type=rule.type or pack.default_type,
            reason=rule.reason,
            rule_id=rule.id,
            phi_suspected=rule.phi_suspected or bool(itype and itype.phi_suspected),
            user_facing=rule.user_facing,
        )
    return Classification(
        severity=pack.default_severity,
        type=pack.default_type,
        reason=f"no classification rule matched; the pack's default {pack.default_severity}",
        rule_id=None,
    )
