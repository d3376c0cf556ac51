"""Schedules (layers of rotations plus overrides) and the pure questions asked of them at explicit instants."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from codeblue.oncall.localtime import DAY, TimeWindow, utc, zone

if TYPE_CHECKING:  # only for annotations: rotation.py re-exports this module, so a runtime import would cycle
    from codeblue.oncall.rotation import Rotation

OVERRIDE = "override"
# next_handoffs stops looking after this long without a change (a one-person schedule never hands off).
LOOKAHEAD = timedelta(days=731)
OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Layer:
    """A rotation that applies only inside `restrictions` (local windows in the schedule's zone), if any."""

    rotation: Rotation
    restrictions: tuple[TimeWindow, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "restrictions", tuple(self.restrictions))
        if not all(isinstance(w, TimeWindow) for w in self.restrictions):
            raise ValueError("layer restrictions must be TimeWindow values")


@dataclass(frozen=True)
class Override:
    """`user` is on call for [start, end): instead of anyone (replaces=None), or only instead of `replaces`."""

    start: datetime
    end: datetime
    user: str
    replaces: str | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", utc(self.start, "override start"))
        object.__setattr__(self, "end", utc(self.end, "override end"))
        if self.end <= self.start:
            raise ValueError(f"override end {self.end.isoformat()} must be after its start {self.start.isoformat()}")
        if not isinstance(self.user, str) or not self.user:
            raise ValueError("an override needs a non-empty user")
        if self.replaces is not None and (not isinstance(self.replaces, str) or not self.replaces):
            raise ValueError("override replaces must be a non-empty user or None")
        if self.created_at is not None:
            object.__setattr__(self, "created_at", utc(self.created_at, "override created_at"))


@dataclass(frozen=True)
class Schedule:
    """Layers bottom first (a later layer wins wherever it has someone); overrides apply on top of them all."""

    id: str
    tz: str
    layers: tuple[Layer, ...] = ()
    overrides: tuple[Override, ...] = ()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _ordered: tuple[Override, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("a schedule needs a non-empty id")
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "overrides", tuple(self.overrides))
        object.__setattr__(self, "_zone", zone(self.tz))
        # Applied oldest first so the latest-created override wins; a missing created_at counts as oldest
        # and ties keep tuple order.
        ordered = sorted(enumerate(self.overrides), key=lambda p: (p[1].created_at or OLDEST, p[0]))
        object.__setattr__(self, "_ordered", tuple(o for _, o in ordered))


@dataclass(frozen=True)
class Shift:
    """`user` on call for [start, end) (UTC); source is 'layer:<index>:<rotation id>' or 'override', '+'-joined."""

    user: str
    start: datetime
    end: datetime
    source: str


@dataclass(frozen=True)
class Handoff:
    """At `at` (UTC) the on-call people change from `from_users` to `to_users` (either may be empty: a gap)."""

    at: datetime
    from_users: tuple[str, ...]
    to_users: tuple[str, ...]


def on_call(schedule: Schedule, at: datetime) -> list[str]:
    """Who is on call at instant `at`; an empty list is a gap."""
    return list(_resolve(schedule, utc(at, "at"))[0])


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The final timeline in [start, end), clipped to it, ordered by start; a user's adjacent pieces merged."""
    out: list[Shift] = []
    running: dict[str, int] = {}  # user -> index in `out` of their shift that reaches the current segment
    for lo, hi, users, source in _segments(schedule, *_window(start, end)):
        running = {u: i for u, i in running.items() if u in users}
        for user in users:
            if user in running:
                piece = out[running[user]]
                out[running[user]] = replace(piece, end=hi, source=_join(piece.source, source))
            else:
                running[user] = len(out)
                out.append(Shift(user, lo, hi, source))
    return out


def gaps(schedule: Schedule, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) with nobody on call, as (start, end) UTC pairs."""
    out: list[tuple[datetime, datetime]] = []
    for lo, hi, users, _ in _segments(schedule, *_window(start, end)):
        if users:
            continue
        if out and out[-1][1] == lo:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def next_handoffs(schedule: Schedule, after: datetime, count: int) -> list[Handoff]:
    """The next `count` changes of who is on call strictly after `after` (looking at most two years ahead)."""
    t = utc(after, "after")
    if not isinstance(count, int) or count < 0:
        raise ValueError(f"count must be a non-negative integer, not {count!r}")
    current = _resolve(schedule, t)[0]
    out: list[Handoff] = []
    lo, span, limit = t, DAY, t + LOOKAHEAD
    # Growing windows: near handoffs are found cheaply, and a schedule that never changes still ends.
    while len(out) < count and lo < limit:
        hi = min(lo + span, limit)
        for at in _edges(schedule, lo, hi):
            users = _resolve(schedule, at)[0]
            if at > t and users != current:
                out.append(Handoff(at, current, users))
                current = users
                if len(out) == count:
                    break
        lo, span = hi, span * 2
    return out


def _window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    lo, hi = utc(start, "start"), utc(end, "end")
    if hi <= lo:
        raise ValueError(f"end {hi.isoformat()} must be after start {lo.isoformat()}")
    return lo, hi


def _resolve(schedule: Schedule, at: datetime) -> tuple[tuple[str, ...], str]:
    """Who is on call at UTC instant `at`, and why."""
    users: tuple[str, ...] = ()
    source = ""
    for index in range(len(schedule.layers) - 1, -1, -1):
        layer = schedule.layers[index]
        if layer.restrictions and not any(w.contains(at, schedule._zone) for w in layer.restrictions):
            continue
        who = layer.rotation.who_at(at)
        if who is not None:  # a restricted-out or not-yet-started layer lets the one below show through
            users, source = (who,), f"layer:{index}:{layer.rotation.id}"
            break
    for o in schedule._ordered:
        if not o.start <= at < o.end:
            continue
        if o.replaces is None:
            users, source = (o.user,), OVERRIDE
        elif o.replaces in users:  # a swap only bites while the person it replaces is on call
            users, source = tuple(dict.fromkeys(o.user if u == o.replaces else u for u in users)), OVERRIDE
    return users, source


def _edges(schedule: Schedule, lo: datetime, hi: datetime) -> list[datetime]:
    """Every instant in [lo, hi) where the answer of _resolve may change, sorted."""
    found: set[datetime] = set()
    for layer in schedule.layers:
        found.update(layer.rotation.edges(lo, hi))
        for window in layer.restrictions:
            found.update(window.edges(lo, hi, schedule._zone))
    for o in schedule.overrides:
        found.update(at for at in (o.start, o.end) if lo <= at < hi)
    return sorted(found)


def _segments(schedule: Schedule, lo: datetime, hi: datetime):
    """[lo, hi) cut at every edge: (start, end, users, source) pieces where nothing changes inside."""
    points = sorted({lo, *_edges(schedule, lo, hi)})
    return [(a, b, *_resolve(schedule, a)) for a, b in zip(points, [*points[1:], hi], strict=True)]


def _join(first: str, second: str) -> str:
    return first if second in first.split("+") else f"{first}+{second}"
