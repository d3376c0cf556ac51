"""Classification: a pure function from alert facts to severity, type and the reason why."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from codeblue.policy.schema import AllOf, AnyOf, Condition, FactCondition, NotOf, Pack, Rule


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


def _value_holds(op: str, expected: Any, actual: Any) -> bool:
    if op == "exists":
        return actual is not _MISSING and actual is not None
    if op == "missing":
        return actual is _MISSING or actual is None
    if actual is _MISSING or actual is None:
        return False
    match op:
        case "eq":
            return _same(actual, expected)
        case "ne":
            return not _same(actual, expected)
        case "in":
            return any(_same(actual, v) for v in expected)
        case "not_in":
            return not any(_same(actual, v) for v in expected)
        case "contains":
            if isinstance(actual, list | tuple | set):
                return any(_same(a, expected) for a in actual)
            return str(expected).casefold() in str(actual).casefold()
        case "matches":
            return re.search(str(expected), str(actual)) is not None
    a, b = _number(actual), _number(expected)
    if a is None or b is None:
        return False
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


Predicate = Callable[[Mapping[str, Any]], bool]


def compile_condition(cond: Condition) -> Predicate:
    """The condition as a plain function of the facts: classification runs once per new alert."""
    match cond:
        case AllOf():
            parts = [compile_condition(c) for c in cond.all]
            return lambda facts: all(p(facts) for p in parts)
        case AnyOf():
            parts = [compile_condition(c) for c in cond.any]
            return lambda facts: any(p(facts) for p in parts)
        case NotOf():
            inner = compile_condition(cond.not_)
            return lambda facts: not inner(facts)
        case FactCondition():
            name, op, expected = cond.fact, cond.op, cond.value
            if "." in name:
                return lambda facts: _value_holds(op, expected, _lookup(facts, name))
            return lambda facts: _value_holds(op, expected, facts.get(name, _MISSING))
    raise TypeError(f"not a condition: {cond!r}")


def holds(cond: Condition, facts: Mapping[str, Any]) -> bool:
    """Whether a rule's condition is true of these facts."""
    return compile_condition(cond)(facts)


def referenced_facts(cond: Condition) -> set[str]:
    """Every fact name a condition reads; for a dotted name, also its top-level mapping."""
    match cond:
        case AllOf():
            return set().union(*(referenced_facts(c) for c in cond.all))
        case AnyOf():
            return set().union(*(referenced_facts(c) for c in cond.any))
        case NotOf():
            return referenced_facts(cond.not_)
    return {cond.fact, cond.fact.split(".", 1)[0]}


@dataclass
class _Compiled:
    pack: Pack
    rules: list[tuple[Rule, Predicate]]
    reads: tuple[str, ...]
    verdicts: dict[tuple[Any, ...], Classification]


CACHE_LIMIT = 4096
_compiled: dict[int, _Compiled] = {}


def _compiled_of(pack: Pack) -> _Compiled:
    # Keyed by identity and holding the pack, so an id is never reused for another pack while cached.
    hit = _compiled.get(id(pack))
    if hit is None or hit.pack is not pack:
        reads = set().union(*(referenced_facts(r.when) for r in pack.classification)) if pack.classification else set()
        hit = _compiled[id(pack)] = _Compiled(pack, [(r, compile_condition(r.when)) for r in pack.classification],
                                              tuple(sorted(reads)), {})
    return hit


def _signature(reads: tuple[str, ...], facts: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The facts a pack's rules can see, as a cache key; None when one of them is not a plain value."""
    key = []
    for name in reads:
        value = facts.get(name, _MISSING)
        if not (value is _MISSING or value is None or isinstance(value, str | int | float | bool)):
            return None
        key.append((name, type(value), value))  # the type too: 1, 1.0 and True are equal keys otherwise
    return tuple(key)


def classify(pack: Pack, facts: Mapping[str, Any]) -> Classification:
    """The first rule that holds decides; a type's default severity fills a rule without one."""
    compiled = _compiled_of(pack)
    # Alerts of one kind differ in facts no rule reads (an instance, a timestamp): classify each kind once.
    signature = _signature(compiled.reads, facts)
    if signature is not None and (hit := compiled.verdicts.get(signature)) is not None:
        return hit
    verdict = _first_match(pack, compiled.rules, facts)
    if signature is not None:
        if len(compiled.verdicts) >= CACHE_LIMIT:
            compiled.verdicts.clear()
        compiled.verdicts[signature] = verdict
    return verdict


def _first_match(pack: Pack, compiled: list[tuple[Rule, Predicate]], facts: Mapping[str, Any]) -> Classification:
    for rule, predicate in compiled:
        if not predicate(facts):
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
