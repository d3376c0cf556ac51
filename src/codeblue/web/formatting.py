"""How times and durations read on a page: UTC stated, durations in the largest two units."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utc(value: datetime | None) -> str:
    return "—" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def duration(value: timedelta | float | int | None) -> str:
    """'2d 3h', '4h 05m', '12m 03s', '9s'; seconds as a number or a timedelta."""
    if value is None:
        return "—"
    seconds = int(abs(value.total_seconds() if isinstance(value, timedelta) else value))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"

