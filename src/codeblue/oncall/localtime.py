"""Instants and local wall-clock times: time zones, UTC normalisation, weekly local-time windows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY = timedelta(days=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def zone(name: str) -> ZoneInfo:
    """The IANA time zone called `name`; ValueError if there is none."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def utc(at: datetime, what: str) -> datetime:
    """`at` in UTC; ValueError if it is not an aware datetime (`what` names it in the message)."""
    if not isinstance(at, datetime):
        raise ValueError(f"{what} must be a datetime, not {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} is a naive datetime: give it a time zone or UTC offset")
    # Everything is compared in UTC: Python compares two datetimes sharing one tzinfo by wall clock,
    # which is wrong in the repeated hour after a fall-back.
    return at.astimezone(UTC)


def wall(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant (in UTC) when local wall-clock time `at` happens on local date `day`."""
    # fold=0: a wall time skipped by spring-forward lands just after the gap (02:30 becomes 03:30 EDT) and
    # a repeated one means its first occurrence, so every local day has exactly one such instant.
    return datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz).astimezone(UTC)


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def _clock(value: time | str, what: str) -> time:
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{what} must be a local time like '09:00', not {value!r}") from None
    if not isinstance(value, time) or value.tzinfo is not None:
        raise ValueError(f"{what} must be a local time without a zone, like '09:00'")
    return value


def _weekday(value: int | str) -> int:
    if isinstance(value, str) and value.lower() in WEEKDAYS + FULL_WEEKDAYS:
        return (WEEKDAYS + FULL_WEEKDAYS).index(value.lower()) % 7
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    raise ValueError(f"weekday must be 0-6 (Monday is 0) or a name like 'mon', not {value!r}")


@dataclass(frozen=True)
class TimeWindow:
    """Local `start`-`end` on each of `days` (0 = Monday); end < start runs past midnight, end == start is 24 h."""

    days: tuple[int, ...]
    start: time
    end: time

    def __post_init__(self) -> None:
        days = (self.days,) if isinstance(self.days, int | str) else tuple(self.days)
        if not days:
            raise ValueError("a restriction window needs at least one weekday")
        # JSON-friendly on purpose: stored layers give days by name and times as "HH:MM".
        object.__setattr__(self, "days", tuple(sorted({_weekday(d) for d in days})))
        object.__setattr__(self, "start", _clock(self.start, "restriction start"))
        object.__setattr__(self, "end", _clock(self.end, "restriction end"))

    def occurrence(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The window that opens on local date `day`, as UTC instants [open, close)."""
        close_day = day if self.end > self.start else day + DAY
        return wall(day, self.start, tz), wall(close_day, self.end, tz)

    def contains(self, at: datetime, tz: ZoneInfo) -> bool:
        """Whether UTC instant `at` falls in the window (open inclusive, close exclusive)."""
        today = local_day(at, tz)
        # A window is at most ~25 h long, so only the ones opening today or yesterday can hold `at`.
        for day in (today - DAY, today):
            if day.weekday() in self.days:
                lo, hi = self.occurrence(day, tz)
                if lo <= at < hi:
                    return True
        return False

    def edges(self, lo: datetime, hi: datetime, tz: ZoneInfo) -> Iterator[datetime]:
        """Every instant in [lo, hi) where the window opens or closes."""
        day, last = local_day(lo, tz) - DAY, local_day(hi, tz)
        while day <= last:
            if day.weekday() in self.days:
                for edge in self.occurrence(day, tz):
                    if lo <= edge < hi:
                        yield edge
            day += DAY
