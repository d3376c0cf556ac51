"""Rotation rules: wall-clock handoffs across DST, fixed-length shifts, one-person rotations, edges, bad input."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from codeblue.oncall.rotation import Override, Rotation, Schedule, TimeWindow, gaps, next_handoffs, on_call, shifts
from tests.oncall.build import LONDON, NY, US, D, H, local, ny, rot, sched, timeline, z

DAILY = sched(rot("ann bob cy"))  # daily at 09:00 New York from Monday 2026-03-02: ann, bob, cy, ann, …


# --- daily: 09:00 local every day, so the shift across a DST change is 23 h or 25 h ----------------

@pytest.mark.parametrize(("day", "user", "hours"), [
    pytest.param((2026, 3, 6), "bob", 24, id="friday-before-spring-forward"),
    pytest.param((2026, 3, 7), "cy", 23, id="across-spring-forward"),
    pytest.param((2026, 3, 8), "ann", 24, id="first-day-of-EDT"),
    pytest.param((2026, 10, 30), "cy", 24, id="friday-before-fall-back"),
    pytest.param((2026, 10, 31), "ann", 25, id="across-fall-back"),
    pytest.param((2026, 11, 1), "bob", 24, id="first-day-of-EST"),
])
def test_daily__shift_starting_at_09_local_on_day__has_user_and_length(day, user, hours):
    start = ny(*day, 9)
    [shift] = [s for s in shifts(DAILY, start, start + 2 * D) if s.start == start]
    assert (shift.user, shift.end - shift.start) == (user, timedelta(hours=hours))
    assert local(shift.end) == local(start + D)[:11] + "09:00"


@pytest.mark.parametrize("window", [(ny(2026, 3, 1), ny(2026, 3, 16)), (ny(2026, 10, 25), ny(2026, 11, 9))])
def test_daily__every_handoff_is_at_09_00_local_across_dst(window):
    handoffs = next_handoffs(DAILY, window[0], 14)
    assert len(handoffs) == 14
    assert {local(h.at)[11:] for h in handoffs} == {"09:00"}
    assert [h.to_users[0] for h in handoffs[:4]] == [h.from_users[0] for h in handoffs[1:5]]


@pytest.mark.parametrize(("at", "expected"), [
    pytest.param(ny(2026, 3, 8, 8, 59), ["cy"], id="spring-forward-morning-before-handoff"),
    pytest.param(ny(2026, 3, 8, 9), ["ann"], id="spring-forward-at-handoff"),
    pytest.param(ny(2026, 3, 8, 3, 30), ["cy"], id="just-after-the-skipped-hour"),
    pytest.param(datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=1), ["ann"], id="repeated-hour-second-time"),
    pytest.param(ny(2026, 11, 1, 9), ["bob"], id="fall-back-at-handoff"),
])
def test_daily__who_is_on_call_around_dst(at, expected):
    assert on_call(DAILY, at) == expected


@pytest.mark.parametrize(("handoff", "day", "expected_local", "hours"), [
    # 02:30 does not exist on 2026-03-08: that handoff happens just after the gap, at 03:30 EDT.
    pytest.param(time(2, 30), (2026, 3, 7), "2026-03-08 03:30", 24, id="skipped-wall-time-moves-forward"),
    pytest.param(time(2, 30), (2026, 3, 8), "2026-03-09 02:30", 23, id="day-after-the-gap"),
    # 01:30 happens twice on 2026-11-01: the handoff is at the first one (EDT).
    pytest.param(time(1, 30), (2026, 10, 31), "2026-11-01 01:30", 24, id="repeated-wall-time-first-occurrence"),
    pytest.param(time(1, 30), (2026, 11, 1), "2026-11-02 01:30", 25, id="day-after-the-repeat"),
])
def test_daily__handoff_at_a_wall_time_dst_skips_or_repeats(handoff, day, expected_local, hours):
    schedule = sched(rot("ann bob", handoff=handoff, start=ny(2026, 3, 2, handoff.hour, handoff.minute)))
    start = datetime.combine(datetime(*day).date(), handoff, tzinfo=NY)
    [shift] = [s for s in shifts(schedule, start, start + 3 * D) if s.start == start.astimezone(s.start.tzinfo)]
    assert (local(shift.end), shift.end - shift.start) == (expected_local, timedelta(hours=hours))


# --- weekly: Monday 09:00 Europe/London across the BST changes -----------------------------------

WEEKLY = sched(rot("ann bob", kind="weekly", tz="Europe/London", start=datetime(2026, 3, 16, 9, tzinfo=LONDON)),
               tz="Europe/London")


@pytest.mark.parametrize(("monday", "user", "hours", "utc_start"), [
    pytest.param((2026, 3, 16), "ann", 168, z(2026, 3, 16, 9), id="plain-GMT-week"),
    pytest.param((2026, 3, 23), "bob", 167, z(2026, 3, 23, 9), id="week-BST-starts"),
    pytest.param((2026, 3, 30), "ann", 168, z(2026, 3, 30, 8), id="first-BST-week"),
    pytest.param((2026, 10, 19), "bob", 169, z(2026, 10, 19, 8), id="week-BST-ends"),
    pytest.param((2026, 10, 26), "ann", 168, z(2026, 10, 26, 9), id="first-GMT-week"),
])
def test_weekly__hands_off_monday_09_00_london(monday, user, hours, utc_start):
    start = datetime(*monday, 9, tzinfo=LONDON)
    [shift] = [s for s in shifts(WEEKLY, start, start + 8 * D) if s.start == utc_start]
    assert (shift.user, shift.end - shift.start) == (user, timedelta(hours=hours))
    assert local(shift.end, LONDON)[11:] == "09:00" and shift.end.astimezone(LONDON).weekday() == 0


# --- hourly / custom: fixed elapsed time, so the local handoff time drifts across DST -------------

def test_custom_12h__is_fixed_elapsed_time_across_spring_forward():
    schedule = sched(rot("ann bob", kind="custom", shift=12 * H, start=ny(2026, 3, 7, 20)))
    assert timeline(schedule, ny(2026, 3, 7, 20), ny(2026, 3, 9, 21)) == [
        ("ann", "2026-03-07 20:00", "2026-03-08 09:00"),  # 12 h: 20:00 EST + 12 h = 09:00 EDT
        ("bob", "2026-03-08 09:00", "2026-03-08 21:00"),
        ("ann", "2026-03-08 21:00", "2026-03-09 09:00"),
        ("bob", "2026-03-09 09:00", "2026-03-09 21:00"),
    ]
    assert {s.end - s.start for s in shifts(schedule, ny(2026, 3, 7, 20), ny(2026, 3, 9, 21))} == {12 * H}


@pytest.mark.parametrize(("shift", "at", "expected"), [
    pytest.param(None, z(2026, 3, 8, 6, 59), ["ann"], id="hourly-default-1h"),  # 7 h after the 00:00Z start
    pytest.param(None, z(2026, 3, 8, 7), ["bob"], id="hourly-default-1h-next"),
    pytest.param(3 * H, z(2026, 3, 8, 8, 59), ["cy"], id="hourly-3h"),
    pytest.param(3 * H, z(2026, 3, 8, 9), ["ann"], id="hourly-3h-wraps"),
])
def test_hourly__hands_off_every_n_elapsed_hours(shift, at, expected):
    schedule = sched(rot("ann bob cy", kind="hourly", shift=shift, start=z(2026, 3, 8), handoff=None), tz="UTC")
    assert on_call(schedule, at) == expected


# --- other rotation rules --------------------------------------------------------------------------

def test_rotation_of_one_person__is_always_that_person():
    schedule = sched(rot("ann", kind="custom", shift=H))
    assert timeline(schedule, ny(2026, 3, 2, 9), ny(2026, 6, 1)) == [("ann", "2026-03-02 09:00", "2026-06-01 00:00")]
    assert next_handoffs(schedule, ny(2026, 3, 2, 9), 3) == []
    assert on_call(schedule, ny(2027, 1, 1)) == ["ann"]


@pytest.mark.parametrize(("at", "expected"), [
    pytest.param(ny(2026, 3, 2, 9) - US, [], id="before-start-nobody"),
    pytest.param(ny(2026, 3, 2, 9), ["ann"], id="start-inclusive"),
    pytest.param(ny(2026, 3, 3, 9) - US, ["ann"], id="end-exclusive"),
    pytest.param(ny(2026, 3, 3, 9), ["bob"], id="handoff-instant-belongs-to-next"),
    pytest.param(ny(2026, 3, 5, 9), ["ann"], id="wraps-round"),
])
def test_boundaries__start_inclusive_end_exclusive_nobody_before_start(at, expected):
    assert on_call(DAILY, at) == expected


def test_before_start__is_a_gap():
    assert gaps(DAILY, ny(2026, 3, 1), ny(2026, 3, 3)) == [(ny(2026, 3, 1), ny(2026, 3, 2, 9))]


@pytest.mark.parametrize(("kind", "start", "end", "expected"), [
    # The first shift runs from `start` to the handoff time one period after start's local date.
    pytest.param("daily", ny(2026, 3, 2, 14), ny(2026, 3, 4, 9), [
        ("ann", "2026-03-02 14:00", "2026-03-03 09:00"), ("bob", "2026-03-03 09:00", "2026-03-04 09:00")], id="daily"),
    pytest.param("weekly", ny(2026, 3, 4, 14), ny(2026, 3, 18, 9), [  # a Wednesday: hands off on Wednesdays
        ("ann", "2026-03-04 14:00", "2026-03-11 09:00"), ("bob", "2026-03-11 09:00", "2026-03-18 09:00")], id="weekly"),
])
def test_start_off_the_handoff_time__first_shift_runs_to_the_next_handoff(kind, start, end, expected):
    assert timeline(sched(rot("ann bob", kind=kind, start=start)), start, end) == expected


def test_handoff_defaults_to_start_local_time_and_daily_shift_may_span_days():
    schedule = sched(rot("ann bob", start=ny(2026, 3, 2, 7, 30), handoff=None, shift=2 * D))
    assert timeline(schedule, ny(2026, 3, 2, 7, 30), ny(2026, 3, 8, 7, 30)) == [
        ("ann", "2026-03-02 07:30", "2026-03-04 07:30"), ("bob", "2026-03-04 07:30", "2026-03-06 07:30"),
        ("ann", "2026-03-06 07:30", "2026-03-08 07:30")]


# --- bad input is a ValueError naming the problem --------------------------------------------------

def _rotation(**kw):
    base = {"id": "r", "participants": ("ann",), "kind": "daily", "start": ny(2026, 3, 2, 9), "tz": "America/New_York"}
    return Rotation(**(base | kw))


@pytest.mark.parametrize(("make", "message"), [
    pytest.param(lambda: _rotation(start=datetime(2026, 3, 2, 9)), "naive", id="naive-start"),
    pytest.param(lambda: _rotation(participants=()), "no participants", id="empty-participants"),
    pytest.param(lambda: _rotation(participants=("ann", "")), "non-empty", id="blank-participant"),
    pytest.param(lambda: _rotation(kind="custom", shift=timedelta(0)), "positive", id="zero-shift"),
    pytest.param(lambda: _rotation(kind="custom", shift=-H), "positive", id="negative-shift"),
    pytest.param(lambda: _rotation(kind="custom"), "needs a shift length", id="custom-without-shift"),
    pytest.param(lambda: _rotation(shift=36 * H), "whole number", id="daily-36h"),
    pytest.param(lambda: _rotation(kind="weekly", shift=3 * D), "whole number", id="weekly-3-days"),
    pytest.param(lambda: _rotation(kind="monthly"), "kind", id="unknown-kind"),
    pytest.param(lambda: _rotation(tz="Mars/Olympus_Mons"), "unknown time zone", id="unknown-tz"),
    pytest.param(lambda: _rotation(id=""), "id", id="empty-id"),
    pytest.param(lambda: Schedule(id="s", tz="Nowhere/At_All"), "unknown time zone", id="schedule-unknown-tz"),
    pytest.param(lambda: Override(ny(2026, 3, 2), ny(2026, 3, 2), "ann"), "after its start", id="override-empty"),
    pytest.param(lambda: Override(datetime(2026, 3, 2), ny(2026, 3, 3), "ann"), "naive", id="override-naive"),
    pytest.param(lambda: Override(ny(2026, 3, 2), ny(2026, 3, 3), ""), "user", id="override-no-user"),
    pytest.param(lambda: TimeWindow(days=(7,), start=time(9), end=time(17)), "weekday", id="window-bad-day"),
    pytest.param(lambda: TimeWindow(days=(), start=time(9), end=time(17)), "weekday", id="window-no-days"),
    pytest.param(lambda: TimeWindow(days=(0,), start="9am", end="17:00"), "local time", id="window-bad-time"),
    pytest.param(lambda: on_call(DAILY, datetime(2026, 3, 2, 9)), "naive", id="on-call-naive"),
    pytest.param(lambda: shifts(DAILY, ny(2026, 3, 3), ny(2026, 3, 3)), "after start", id="shifts-end-eq-start"),
    pytest.param(lambda: gaps(DAILY, ny(2026, 3, 3), ny(2026, 3, 2)), "after start", id="gaps-end-before-start"),
    pytest.param(lambda: next_handoffs(DAILY, ny(2026, 3, 3), -1), "count", id="negative-count"),
])
def test_bad_input__raises_value_error_naming_the_problem(make, message):
    with pytest.raises(ValueError, match=message):
        make()
