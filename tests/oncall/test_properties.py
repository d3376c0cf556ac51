"""Properties over random schedules: on_call, shifts, gaps and next_handoffs tell one consistent story."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from codeblue.oncall.rotation import (
    Layer, Override, Rotation, Schedule, TimeWindow, gaps, next_handoffs, on_call, shifts,
)

# Zones with the awkward cases: 30-minute DST (Lord Howe), DST at midnight (Santiago), no DST at all.
ZONES = ["UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata"]
PEOPLE = ["ann", "bob", "cy", "dee"]
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
instants = st.integers(0, 400 * 24 * 60).map(lambda m: EPOCH + timedelta(minutes=m))
clock_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@st.composite
def rotations(draw, tz):
    kind = draw(st.sampled_from(["daily", "weekly", "hourly", "custom"]))
    unit = {"daily": timedelta(days=1), "weekly": timedelta(days=7), "hourly": timedelta(hours=1)}.get(kind)
    if kind == "custom":
        shift = timedelta(minutes=draw(st.integers(30, 4 * 24 * 60)))
    else:
        shift = draw(st.none() | st.integers(1, 3).map(lambda n: n * unit))
    return Rotation(id=draw(st.sampled_from(["a", "b"])), kind=kind, shift=shift, tz=tz, start=draw(instants),
                    participants=tuple(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4))),
                    handoff=draw(st.none() | clock_times))


windows = st.builds(TimeWindow, st.sets(st.integers(0, 6), min_size=1).map(tuple), clock_times, clock_times)


@st.composite
def schedules(draw):
    tz = draw(st.sampled_from(ZONES))
    layers = draw(st.lists(st.builds(Layer, rotations(tz), st.lists(windows, max_size=2).map(tuple)), max_size=3))
    overrides = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(instants)
        overrides.append(Override(start, start + timedelta(minutes=draw(st.integers(1, 3 * 24 * 60))),
                                  draw(st.sampled_from([*PEOPLE, "sub"])), draw(st.none() | st.sampled_from(PEOPLE)),
                                  draw(st.none() | st.sampled_from([EPOCH, EPOCH + timedelta(hours=1)]))))
    return Schedule(id="s", tz=tz, layers=tuple(layers), overrides=tuple(overrides))


@st.composite
def cases(draw):
    """A schedule, a window [lo, hi) of up to 10 days, and instants inside it."""
    schedule = draw(schedules())
    lo = draw(instants)
    hi = lo + timedelta(minutes=draw(st.integers(1, 10 * 24 * 60)))
    span = int((hi - lo).total_seconds())
    points = draw(st.lists(st.integers(0, span - 1).map(lambda s: lo + timedelta(seconds=s)), min_size=1, max_size=10))
    return schedule, lo, hi, points


def pieces(schedule, lo, hi):
    """The window as (start, end, users) pieces: shifts and gaps together, in order."""
    found = [(s.start, s.end, (s.user,)) for s in shifts(schedule, lo, hi)]
    return sorted(found + [(a, b, ()) for a, b in gaps(schedule, lo, hi)])


@settings(max_examples=150, deadline=None)
@given(cases())
def test_on_call_at_t__is_the_user_of_the_shift_containing_t(case):
    schedule, lo, hi, points = case
    timeline = shifts(schedule, lo, hi)
    # Every shift edge is a boundary worth probing on both sides, besides the random instants.
    edges = [at for s in timeline for at in (s.start, s.end - timedelta(microseconds=1)) if lo <= at < hi]
    for t in points + edges:
        assert on_call(schedule, t) == [s.user for s in timeline if s.start <= t < s.end]


@settings(max_examples=150, deadline=None)
@given(cases())
def test_shifts_and_gaps__tile_the_window_exactly(case):
    schedule, lo, hi, _ = case
    found = pieces(schedule, lo, hi)
    assert found[0][0] == lo and found[-1][1] == hi
    for (_, end, users), (start, _, next_users) in zip(found, found[1:], strict=False):
        assert end == start  # no overlap, no hole: one person (or nobody) at a time
        assert users != next_users  # adjacent pieces of the same user (or of nobody) are merged
    assert all(start < end for start, end, _ in found)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_next_handoffs__are_the_changes_in_the_timeline(case):
    schedule, lo, hi, _ = case
    found = pieces(schedule, lo, hi)
    changes = [(b[0], a[2], b[2]) for a, b in zip(found, found[1:], strict=False)]
    ahead = next_handoffs(schedule, lo, len(changes) + 1)
    assert [(h.at, h.from_users, h.to_users) for h in ahead if h.at < hi] == changes
