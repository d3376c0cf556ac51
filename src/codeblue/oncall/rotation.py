"""Rotations (who holds the shift at an instant), plus the whole pure on-call API re-exported for callers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from codeblue.oncall.localtime import TimeWindow, local_day, utc, wall, zone
from codeblue.oncall.schedule import Handoff, Layer, Override, Schedule, Shift, gaps, next_handoffs, on_call, shifts

__all__ = [
    "Handoff", "Layer", "Override", "Rotation", "Schedule", "Shift", "TimeWindow",
    "gaps", "next_handoffs", "on_call", "shifts",
]

Kind = Literal["daily", "weekly", "hourly", "custom"]
HOUR = timedelta(hours=1)
# Each kind's unit: daily/weekly shifts must be whole local days/weeks, hourly ones whole hours.
UNIT: dict[str, timedelta] = {"daily": timedelta(days=1), "weekly": timedelta(days=7), "hourly": HOUR}


@dataclass(frozen=True, kw_only=True)
class Rotation:
    """Participants take turns in order from `start` (the first handoff) forever; nobody is on call before it."""

    id: str
    participants: tuple[str, ...]
    kind: Kind
    start: datetime
    # daily/weekly: every `shift` (default 1 day/week, whole days/weeks only) at local `handoff` in `tz`, so
    # people keep their wall-clock handoff and a shift across a DST change lasts 23 h or 25 h.
    # hourly/custom: `shift` is fixed elapsed time (hourly: whole hours, default 1 h); `handoff` is ignored.
    shift: timedelta | None = None
    tz: str = "UTC"
    handoff: time | None = None  # None: `start`'s local time of day
    # Derived once in __post_init__; not part of equality or repr.
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _fixed: bool = field(init=False, repr=False, compare=False)
    _period: timedelta = field(init=False, repr=False, compare=False)
    _day0: date = field(init=False, repr=False, compare=False)
    _at: time = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("a rotation needs a non-empty id")
        what = f"rotation {self.id!r}"
        if isinstance(self.participants, str):
            raise ValueError(f"{what}: participants must be a sequence of users, not one string")
        people = tuple(self.participants)
        if not people:
            raise ValueError(f"{what} has no participants")
        if not all(isinstance(p, str) and p for p in people):
            raise ValueError(f"{what}: every participant must be a non-empty string")
        if self.kind not in ("daily", "weekly", "hourly", "custom"):
            raise ValueError(f"{what}: kind must be daily, weekly, hourly or custom, not {self.kind!r}")
        object.__setattr__(self, "participants", people)
        object.__setattr__(self, "start", utc(self.start, f"{what} start"))
        tz = zone(self.tz)
        step = self._step(what)
        if self.handoff is not None and (not isinstance(self.handoff, time) or self.handoff.tzinfo is not None):
            raise ValueError(f"{what}: handoff must be a local time without a zone, like time(9, 0)")
        object.__setattr__(self, "_zone", tz)
        object.__setattr__(self, "_fixed", self.kind in ("hourly", "custom"))
        object.__setattr__(self, "_period", step)
        object.__setattr__(self, "_day0", local_day(self.start, tz))
        local_start = self.start.astimezone(tz).time()
        object.__setattr__(self, "_at", self.handoff if self.handoff is not None else local_start)

    def _step(self, what: str) -> timedelta:
        shift = self.shift
        if shift is None:
            if self.kind == "custom":
                raise ValueError(f"{what}: a custom rotation needs a shift length")
            return UNIT[self.kind]
        if not isinstance(shift, timedelta) or shift <= timedelta(0):
            raise ValueError(f"{what}: shift must be a positive duration, not {shift!r}")
        unit = UNIT.get(self.kind)
        if unit is not None and shift % unit:
            noun = {"daily": "days", "weekly": "weeks", "hourly": "hours"}[self.kind]
            raise ValueError(f"{what}: a {self.kind} shift must be a whole number of {noun}, not {shift}")
        return shift

    def handoff_at(self, k: int) -> datetime:
        """The UTC instant the k-th shift starts (k = 0 is `start`)."""
        if k <= 0:
            return self.start
        if self._fixed:
            return self.start + k * self._period
        # Wall-clock arithmetic on purpose: the k-th handoff is at `handoff` local time k periods later.
        return wall(self._day0 + k * self._period, self._at, self._zone)

    def index_at(self, at: datetime) -> int | None:
        """Which shift (0, 1, …) holds UTC instant `at`; None before the rotation starts."""
        if at < self.start:
            return None
        if self._fixed:
            return (at - self.start) // self._period
        # An estimate from local dates, then corrected: handoffs near midnight or DST can shift it by one.
        k = max(0, (local_day(at, self._zone) - self._day0) // self._period)
        while k > 0 and self.handoff_at(k) > at:
            k -= 1
        while self.handoff_at(k + 1) <= at:
            k += 1
        return k

    def who_at(self, at: datetime) -> str | None:
        """The participant holding UTC instant `at`, or None before the rotation starts."""
        k = self.index_at(at)
        return None if k is None else self.participants[k % len(self.participants)]

    def edges(self, lo: datetime, hi: datetime) -> Iterator[datetime]:
        """Every handoff instant in [lo, hi) (UTC); a rotation of one person only has its start."""
        if lo <= self.start < hi:
            yield self.start
        if len(self.participants) == 1:
            return  # handing off to the same person changes nothing
        k = max(1, self.index_at(lo) or 0)  # the shift holding `lo` may start exactly at `lo`
        while (at := self.handoff_at(k)) < hi:
            if at >= lo:
                yield at
            k += 1
