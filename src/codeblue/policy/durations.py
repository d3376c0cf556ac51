"""Durations written the way people write them in playbooks: 90s, 5m, 2h, 1d, 1h30m."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)([smhdw])")
_WHOLE = re.compile(r"^(?:\d+[smhdw])+$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str | int) -> timedelta:
    """Parse '15m', '2h', '1h30m', 'immediate' (zero) or a number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"a duration cannot be negative: {value}")
        return timedelta(seconds=value)
    text = str(value).strip().lower().replace(" ", "")
    if text in ("immediate", "0"):
        return timedelta(0)
    if not _WHOLE.match(text):
        raise ValueError(f"not a duration: {value!r} (write it like 90s, 15m, 2h, 1d or 1h30m)")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in _PART.findall(text)))


def format_duration(delta: timedelta) -> str:
    """The shortest form parse_duration reads back: 1h30m, 15m, 0s."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
