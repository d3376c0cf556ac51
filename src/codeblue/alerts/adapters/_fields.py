"""Reading fields out of decoded JSON: type checks that raise PayloadError naming the field."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from codeblue.alerts.normal import PayloadError

BODY = "body"  # the field name reported when the whole payload is of the wrong type
MAX_SUMMARY = 1024


def child(base: str, key: str | int) -> str:
    """A nested field's name: child("alerts", 0) → "alerts[0]"; child("alerts[0]", "labels") → "alerts[0].labels"."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base and base != BODY else key


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list | tuple) else "object"


def wrong(field: str, expected: str, value: Any) -> PayloadError:
    return PayloadError(f"'{field}' must be {expected}, not {json_type(value)}", field=field)


def missing(field: str) -> PayloadError:
    return PayloadError(f"'{field}' is missing or blank", field=field)


def obj(value: Any, field: str) -> Mapping[str, Any]:
    """value itself, which must be a JSON object."""
    if not isinstance(value, Mapping):
        raise wrong(field, "an object", value)
    return value


def opt_obj(parent: Mapping[str, Any], key: str, base: str = BODY) -> Mapping[str, Any]:
    """parent[key] as an object; absent or null reads as empty."""
    value = parent.get(key)
    return {} if value is None else obj(value, child(base, key))


def opt_list(parent: Mapping[str, Any], key: str, base: str = BODY) -> list[Any]:
    """parent[key] as an array; absent or null reads as empty."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise wrong(child(base, key), "an array", value)
    return value


def text(parent: Mapping[str, Any], key: str, base: str = BODY, *, required: bool = False) -> str | None:
    """parent[key] as text; numbers are accepted and written out (senders disagree on ids' types)."""
    value = parent.get(key)
    name = child(base, key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if value is not None and not isinstance(value, str):
        raise wrong(name, "a string", value)
    if required and (value is None or not value.strip()):
        raise missing(name)
    return value


def is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def scalars(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The scalar entries of a mapping as facts, keys prefixed; nested values stay in details."""
    return {f"{prefix}{k}": v for k, v in values.items() if isinstance(k, str) and is_scalar(v)}


def first_line(value: str | None) -> str | None:
    """The first non-blank line, trimmed — a summary out of a message body."""
    for line in (value or "").splitlines():
        if line.strip():
            return line.strip()
    return None


def summary(value: str) -> str:
    # The receiver keeps 1024 characters, as PagerDuty does; cut here so every adapter agrees.
    return value.strip()[:MAX_SUMMARY]


def timestamp(value: Any) -> datetime | None:
    """An aware UTC time from ISO 8601, RFC 1123 or epoch seconds/milliseconds; None when unreadable.

    Lenient on purpose: a sender's odd clock format must not cost the alert; the receiver then uses
    its own receipt time. Alertmanager's "0001-01-01T00:00:00Z" (no end yet) also reads as None.
    """
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value / 1000 if abs(value) > 1e11 else value  # 1e11 s is year 5138: it must be ms
            return datetime.fromtimestamp(seconds, UTC)
        if not isinstance(value, str) or not value.strip():
            return None
        raw = value.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", raw):
            return timestamp(float(raw))
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(raw)  # "Fri, 10 Jun 2022 05:01:10 GMT" (AWS Health)
        if parsed.year <= 1:
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError, TypeError, IndexError, AttributeError):
        return None


# Senders' severity words → the vocabulary of the severity_hint fact (critical, error, warning, info).
SEVERITY_WORDS = {
    "critical": "critical", "crit": "critical", "fatal": "critical", "emergency": "critical", "page": "critical",
    "p1": "critical", "sev1": "critical",
    "error": "error", "err": "error", "high": "error", "major": "error", "p2": "error", "sev2": "error",
    "warning": "warning", "warn": "warning", "medium": "warning", "minor": "warning", "p3": "warning",
    "sev3": "warning",
    "info": "info", "informational": "info", "low": "info", "notice": "info", "none": "info", "debug": "info",
    "p4": "info", "p5": "info", "sev4": "info", "sev5": "info",
}


def severity(value: Any) -> str | None:
    """The severity_hint for a sender's word; an unknown word is kept, lower-cased, for rules to read."""
    if not isinstance(value, str) or not value.strip():
        return None
    word = value.strip().lower()
    return SEVERITY_WORDS.get(word, word)


def link(href: Any, text_: Any = None) -> list[dict[str, str]]:
    """A one-link list when href is a non-blank string, else empty — for optional URLs."""
    if not isinstance(href, str) or not href.strip():
        return []
    label = text_ if isinstance(text_, str) and text_.strip() else href
    return [{"href": href, "text": label}]
