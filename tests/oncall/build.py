"""Short builders for on-call schedule tests."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from codeblue.oncall.rotation import Layer, Override, Rotation, Schedule, TimeWindow, shifts

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
H = timedelta(hours=1)
D = timedelta(days=1)
US = timedelta(microseconds=1)
WEEKDAYS_9_TO_5 = TimeWindow(days=(0, 1, 2, 3, 4), start=time(9), end=time(17))


def ny(*args: int) -> datetime:
    """A New York wall-clock instant: ny(2026, 3, 8, 9) is 09:00 local that day."""
    return datetime(*args, tzinfo=NY)


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rot(people: str, *, kind: str = "daily", start: datetime | None = None, tz: str = "America/New_York",
        shift: timedelta | None = None, handoff: time | None = time(9), id: str = "rot") -> Rotation:
    """A rotation of the space-separated `people`, by default daily at 09:00 New York from 2026-03-02."""
    return Rotation(id=id, participants=tuple(people.split()), kind=kind, shift=shift, tz=tz, handoff=handoff,
                    start=start or ny(2026, 3, 2, 9))


def sched(*layers: Rotation | Layer, overrides: tuple[Override, ...] = (), tz: str = "America/New_York") -> Schedule:
    return Schedule(id="ops", tz=tz, layers=tuple(x if isinstance(x, Layer) else Layer(x) for x in layers),
                    overrides=overrides)


def local(at: datetime, tz: ZoneInfo = NY) -> str:
    """An instant as local 'YYYY-MM-DD HH:MM' for readable expectations."""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def timeline(schedule: Schedule, start: datetime, end: datetime, tz: ZoneInfo = NY) -> list[tuple[str, str, str]]:
    return [(s.user, local(s.start, tz), local(s.end, tz)) for s in shifts(schedule, start, end)]
