"""Schedule rules: overrides and swaps, overlapping overrides, restricted layers, gaps, next handoffs."""

from __future__ import annotations

from datetime import time

import pytest

from codeblue.oncall.rotation import Layer, Override, TimeWindow, gaps, next_handoffs, on_call, shifts
from tests.oncall.build import US, WEEKDAYS_9_TO_5, H, local, ny, rot, sched, timeline, z

# Daily 09:00 New York from Monday 2026-03-02: the week of Monday 03-09 runs bob, cy, ann, bob, cy, ann, bob.
BASE = rot("ann bob cy", id="base")
T1, T2 = ny(2026, 3, 1), ny(2026, 3, 1, 1)  # creation times: T2 is later


def o(user, start, end, replaces=None, created_at=None):
    return Override(start, end, user, replaces=replaces, created_at=created_at)


# --- overrides ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "expected"), [
    pytest.param((o("dan", ny(2026, 3, 10, 13), ny(2026, 3, 10, 15)),), [
        ("cy", "2026-03-10 09:00", "2026-03-10 13:00"), ("dan", "2026-03-10 13:00", "2026-03-10 15:00"),
        ("cy", "2026-03-10 15:00", "2026-03-11 09:00"),  # the shift resumes after the override
        ("ann", "2026-03-11 09:00", "2026-03-12 09:00")], id="inside-a-shift"),
    pytest.param((o("dan", ny(2026, 3, 10, 20), ny(2026, 3, 11, 12)),), [
        ("cy", "2026-03-10 09:00", "2026-03-10 20:00"), ("dan", "2026-03-10 20:00", "2026-03-11 12:00"),
        ("ann", "2026-03-11 12:00", "2026-03-12 09:00")], id="spanning-a-handoff"),
    pytest.param((o("ann", ny(2026, 3, 10, 20), ny(2026, 3, 11, 12)),), [
        ("cy", "2026-03-10 09:00", "2026-03-10 20:00"), ("ann", "2026-03-10 20:00", "2026-03-12 09:00")],
        id="taking-over-early-merges-with-own-shift"),
    pytest.param((o("dan", ny(2026, 3, 10, 0), ny(2026, 3, 12, 0), replaces="ann"),), [
        ("cy", "2026-03-10 09:00", "2026-03-11 09:00"),  # swap does not touch cy
        ("dan", "2026-03-11 09:00", "2026-03-12 00:00"), ("ann", "2026-03-12 00:00", "2026-03-12 09:00")],
        id="swap-only-while-the-replaced-person-is-on-call"),
    pytest.param((o("eve", ny(2026, 3, 10, 12), ny(2026, 3, 10, 16), created_at=T2),
                  o("dan", ny(2026, 3, 10, 10), ny(2026, 3, 10, 14), created_at=T1)), [
        ("cy", "2026-03-10 09:00", "2026-03-10 10:00"), ("dan", "2026-03-10 10:00", "2026-03-10 12:00"),
        ("eve", "2026-03-10 12:00", "2026-03-10 16:00"), ("cy", "2026-03-10 16:00", "2026-03-11 09:00"),
        ("ann", "2026-03-11 09:00", "2026-03-12 09:00")], id="overlapping-latest-created-wins"),
    pytest.param((o("eve", ny(2026, 3, 10, 12), ny(2026, 3, 10, 16), created_at=T1),
                  o("dan", ny(2026, 3, 10, 10), ny(2026, 3, 10, 14), created_at=T2)), [
        ("cy", "2026-03-10 09:00", "2026-03-10 10:00"), ("dan", "2026-03-10 10:00", "2026-03-10 14:00"),
        ("eve", "2026-03-10 14:00", "2026-03-10 16:00"), ("cy", "2026-03-10 16:00", "2026-03-11 09:00"),
        ("ann", "2026-03-11 09:00", "2026-03-12 09:00")], id="overlapping-older-shows-where-newer-ends"),
    pytest.param((o("dan", ny(2026, 3, 10, 10), ny(2026, 3, 10, 14)),
                  o("eve", ny(2026, 3, 10, 12), ny(2026, 3, 10, 16))), [
        ("cy", "2026-03-10 09:00", "2026-03-10 10:00"), ("dan", "2026-03-10 10:00", "2026-03-10 12:00"),
        ("eve", "2026-03-10 12:00", "2026-03-10 16:00"), ("cy", "2026-03-10 16:00", "2026-03-11 09:00"),
        ("ann", "2026-03-11 09:00", "2026-03-12 09:00")], id="no-created-at-later-in-tuple-wins"),
    pytest.param((o("dan", ny(2026, 3, 10, 10), ny(2026, 3, 10, 14), replaces="cy", created_at=T1),
                  o("eve", ny(2026, 3, 10, 12), ny(2026, 3, 10, 13), created_at=T2)), [
        ("cy", "2026-03-10 09:00", "2026-03-10 10:00"), ("dan", "2026-03-10 10:00", "2026-03-10 12:00"),
        ("eve", "2026-03-10 12:00", "2026-03-10 13:00"), ("dan", "2026-03-10 13:00", "2026-03-10 14:00"),
        ("cy", "2026-03-10 14:00", "2026-03-11 09:00"), ("ann", "2026-03-11 09:00", "2026-03-12 09:00")],
        id="full-override-inside-a-swap"),
    pytest.param((o("eve", ny(2026, 3, 10, 10), ny(2026, 3, 10, 14), created_at=T1),
                  o("dan", ny(2026, 3, 10, 11), ny(2026, 3, 10, 12), replaces="cy", created_at=T2),
                  o("fay", ny(2026, 3, 10, 12), ny(2026, 3, 10, 13), replaces="eve", created_at=T2)), [
        ("cy", "2026-03-10 09:00", "2026-03-10 10:00"), ("eve", "2026-03-10 10:00", "2026-03-10 12:00"),
        ("fay", "2026-03-10 12:00", "2026-03-10 13:00"), ("eve", "2026-03-10 13:00", "2026-03-10 14:00"),
        ("cy", "2026-03-10 14:00", "2026-03-11 09:00"), ("ann", "2026-03-11 09:00", "2026-03-12 09:00")],
        id="later-swap-applies-to-whoever-earlier-overrides-left"),
])
def test_overrides__final_timeline(overrides, expected):
    assert timeline(sched(BASE, overrides=overrides), ny(2026, 3, 10, 9), ny(2026, 3, 12, 9)) == expected


@pytest.mark.parametrize(("at", "expected"), [
    pytest.param(ny(2026, 3, 10, 13) - US, ["cy"], id="just-before"),
    pytest.param(ny(2026, 3, 10, 13), ["dan"], id="start-inclusive"),
    pytest.param(ny(2026, 3, 10, 15) - US, ["dan"], id="just-before-end"),
    pytest.param(ny(2026, 3, 10, 15), ["cy"], id="end-exclusive"),
])
def test_override_edges__start_inclusive_end_exclusive(at, expected):
    assert on_call(sched(BASE, overrides=(o("dan", ny(2026, 3, 10, 13), ny(2026, 3, 10, 15)),)), at) == expected


def test_override_source_and_override_on_an_empty_schedule():
    schedule = sched(overrides=(o("dan", ny(2026, 3, 10, 13), ny(2026, 3, 10, 15)),))
    [shift] = shifts(schedule, ny(2026, 3, 10), ny(2026, 3, 11))
    assert (shift.user, shift.source) == ("dan", "override")
    assert gaps(schedule, ny(2026, 3, 10), ny(2026, 3, 11)) == [(ny(2026, 3, 10), ny(2026, 3, 10, 13)),
                                                                (ny(2026, 3, 10, 15), ny(2026, 3, 11))]


# --- layers and restrictions -------------------------------------------------------------------------

ALWAYS = rot("ann", kind="weekly", start=ny(2026, 3, 2), id="always")
DAY = Layer(rot("dee ed", id="day"), (WEEKDAYS_9_TO_5,))  # dee on even days from 03-02: 03-09 ed, 03-10 dee
LAYERED = sched(ALWAYS, DAY)


@pytest.mark.parametrize(("at", "expected"), [
    pytest.param(ny(2026, 3, 9, 10), ["ed"], id="weekday-inside-window"),
    pytest.param(ny(2026, 3, 9, 9), ["ed"], id="window-start-inclusive"),
    pytest.param(ny(2026, 3, 9, 9) - US, ["ann"], id="before-window-base-shows"),
    pytest.param(ny(2026, 3, 9, 17) - US, ["ed"], id="just-before-window-end"),
    pytest.param(ny(2026, 3, 9, 17), ["ann"], id="window-end-exclusive"),
    pytest.param(ny(2026, 3, 10, 12), ["dee"], id="top-layer-keeps-rotating"),
    pytest.param(ny(2026, 3, 14, 12), ["ann"], id="saturday-base"),
    pytest.param(ny(2026, 3, 6, 16, 30), ["ann"], id="friday-before-top-layer-start-is-not-applicable"),
])
def test_restricted_layer_over_24_7_base(at, expected):
    late_day = Layer(rot("dee ed", id="day", start=ny(2026, 3, 8, 9)), (WEEKDAYS_9_TO_5,))  # starts on a Sunday
    assert on_call(sched(ALWAYS, late_day), at) == expected


def test_restricted_layer__timeline_over_a_weekend():
    assert timeline(LAYERED, ny(2026, 3, 13), ny(2026, 3, 16, 12)) == [
        ("ann", "2026-03-13 00:00", "2026-03-13 09:00"), ("ed", "2026-03-13 09:00", "2026-03-13 17:00"),
        ("ann", "2026-03-13 17:00", "2026-03-16 09:00"), ("dee", "2026-03-16 09:00", "2026-03-16 12:00")]


def test_same_person_on_two_layers__one_merged_shift_naming_both_sources():
    schedule = sched(ALWAYS, Layer(rot("ann", id="day"), (WEEKDAYS_9_TO_5,)))
    [shift] = shifts(schedule, ny(2026, 3, 9), ny(2026, 3, 10))
    assert (local(shift.start), local(shift.end), shift.source) == (
        "2026-03-09 00:00", "2026-03-10 00:00", "layer:0:always+layer:1:day")


@pytest.mark.parametrize(("window", "at", "expected"), [
    pytest.param(TimeWindow((0, 1, 2, 3, 4), time(22), time(6)), ny(2026, 3, 10, 5, 59), ["top"], id="night-wraps"),
    pytest.param(TimeWindow((0, 1, 2, 3, 4), time(22), time(6)), ny(2026, 3, 14, 3), ["top"], id="friday-night"),
    pytest.param(TimeWindow((0, 1, 2, 3, 4), time(22), time(6)), ny(2026, 3, 15, 3), ["ann"], id="saturday-night"),
    pytest.param(TimeWindow((0, 1, 2, 3, 4), time(22), time(6)), ny(2026, 3, 9, 6), ["ann"], id="night-end"),
    pytest.param(TimeWindow((5, 6), time(0), time(0)), ny(2026, 3, 14, 0), ["top"], id="whole-saturday"),
    pytest.param(TimeWindow((5, 6), time(0), time(0)), ny(2026, 3, 16) - US, ["top"], id="whole-sunday"),
    pytest.param(TimeWindow((5, 6), time(0), time(0)), ny(2026, 3, 16), ["ann"], id="monday"),
])
def test_restriction_windows_past_midnight_and_whole_days(window, at, expected):
    assert on_call(sched(ALWAYS, Layer(rot("top", id="top"), (window,))), at) == expected


def test_restriction_window__from_json_like_values():
    assert TimeWindow(**{"days": ["mon", "Tuesday", 4], "start": "09:00", "end": "17:30"}) == TimeWindow(
        (0, 1, 4), time(9), time(17, 30))


# --- gaps ----------------------------------------------------------------------------------------------

def test_gaps__restricted_layer_with_nothing_below__nights_and_weekends_over_14_days():
    found = gaps(sched(DAY), ny(2026, 3, 9), ny(2026, 3, 23))
    assert [(local(a), local(b)) for a, b in found][:3] == [
        ("2026-03-09 00:00", "2026-03-09 09:00"), ("2026-03-09 17:00", "2026-03-10 09:00"),
        ("2026-03-10 17:00", "2026-03-11 09:00")]
    assert ("2026-03-13 17:00", "2026-03-16 09:00") in [(local(a), local(b)) for a, b in found]
    assert len(found) == 11 and sum((b - a for a, b in found), 0 * H) == 256 * H  # 336 h less 10 days x 8 h


def test_gaps__restriction_follows_local_time_across_dst():
    # 09:00-17:00 is 14:00-22:00 UTC on Friday (EST) but 13:00-21:00 UTC on Monday (EDT).
    assert gaps(sched(DAY), ny(2026, 3, 6), ny(2026, 3, 9, 12)) == [
        (z(2026, 3, 6, 5), z(2026, 3, 6, 14)), (z(2026, 3, 6, 22), z(2026, 3, 9, 13))]
    assert gaps(LAYERED, ny(2026, 3, 6), ny(2026, 3, 20)) == []


def test_gaps__override_fills_a_gap_and_empty_schedule_is_all_gap():
    cover = o("nina", ny(2026, 3, 9, 17), ny(2026, 3, 10, 9))
    assert gaps(sched(DAY, overrides=(cover,)), ny(2026, 3, 9, 9), ny(2026, 3, 10, 17)) == []
    assert gaps(sched(), ny(2026, 3, 9), ny(2026, 3, 10)) == [(ny(2026, 3, 9), ny(2026, 3, 10))]
    assert on_call(sched(), ny(2026, 3, 9)) == []


# --- next handoffs -------------------------------------------------------------------------------------

def handoffs(schedule, after, count):
    return [(local(h.at), list(h.from_users), list(h.to_users)) for h in next_handoffs(schedule, after, count)]


def test_next_handoffs__across_layers_and_overrides():
    schedule = sched(ALWAYS, DAY, overrides=(
        o("frank", ny(2026, 3, 10, 12), ny(2026, 3, 10, 13)),
        o("ed", ny(2026, 3, 9, 10), ny(2026, 3, 9, 11)),  # ed is on call then anyway: no handoff
    ))
    assert handoffs(schedule, ny(2026, 3, 9, 8), 6) == [
        ("2026-03-09 09:00", ["ann"], ["ed"]), ("2026-03-09 17:00", ["ed"], ["ann"]),
        ("2026-03-10 09:00", ["ann"], ["dee"]), ("2026-03-10 12:00", ["dee"], ["frank"]),
        ("2026-03-10 13:00", ["frank"], ["dee"]), ("2026-03-10 17:00", ["dee"], ["ann"])]


@pytest.mark.parametrize(("after", "expected"), [
    pytest.param(ny(2026, 3, 9, 9), ("2026-03-09 17:00", ["ed"], ["ann"]), id="strictly-after-a-handoff"),
    pytest.param(ny(2026, 3, 9, 9) - US, ("2026-03-09 09:00", ["ann"], ["ed"]), id="just-before-a-handoff"),
])
def test_next_handoffs__strictly_after(after, expected):
    assert handoffs(LAYERED, after, 1) == [expected]


def test_next_handoffs__into_and_out_of_a_gap():
    assert handoffs(sched(DAY), ny(2026, 3, 13, 16), 2) == [
        ("2026-03-13 17:00", ["ed"], []), ("2026-03-16 09:00", [], ["dee"])]
    assert handoffs(sched(DAY), ny(2026, 3, 13, 16), 0) == []


def test_next_handoffs__from_a_handoff_instant_finds_the_one_a_whole_period_later():
    # Regression: the search window's seam fell exactly on the next handoff and skipped it.
    assert handoffs(sched(BASE), ny(2026, 3, 9, 9), 2) == [
        ("2026-03-10 09:00", ["bob"], ["cy"]), ("2026-03-11 09:00", ["cy"], ["ann"])]
