"""iCalendar export: parsed back with icalendar, one event per shift, UTC times, stable UIDs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from icalendar import Calendar

from codeblue.oncall.ical import to_ical
from codeblue.oncall.rotation import Override
from tests.oncall.build import D, H, ny, rot, sched, z

# Daily 09:00 New York from 2026-03-02: 03-06 bob, 03-07 cy (23 h, across spring-forward), 03-08 ann.
SCHEDULE = sched(rot("ann bob cy"))
NAMES = {"ann": "Ann Lee, RN; ICU", "bob": "Bob Stone"}


def events(body: bytes) -> list[tuple[str, datetime, datetime]]:
    found = Calendar.from_ical(body).walk("VEVENT")
    return [(str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend")) for e in found]


def uids(body: bytes) -> dict[datetime, str]:
    return {e.decoded("dtstart"): str(e["uid"]) for e in Calendar.from_ical(body).walk("VEVENT")}


def test_one_event_per_shift__utc_times_and_summary_with_names():
    body = to_ical(SCHEDULE, ny(2026, 3, 6, 9), ny(2026, 3, 9, 9), names=NAMES)
    assert events(body) == [
        ("On call: Bob Stone (ops)", z(2026, 3, 6, 14), z(2026, 3, 7, 14)),
        ("On call: cy (ops)", z(2026, 3, 7, 14), z(2026, 3, 8, 13)),  # 23 h: 09:00 EST to 09:00 EDT
        ("On call: Ann Lee, RN; ICU (ops)", z(2026, 3, 8, 13), z(2026, 3, 9, 13)),
    ]
    assert b"DTSTART:20260307T140000Z" in body and b"DTEND:20260308T130000Z" in body
    calendar = Calendar.from_ical(body)
    assert (str(calendar["version"]), str(calendar["x-wr-calname"])) == ("2.0", "On call: ops")


def test_user_filter__only_that_persons_shifts():
    body = to_ical(SCHEDULE, ny(2026, 3, 2, 9), ny(2026, 3, 9, 9), user="cy", names=NAMES)
    assert events(body) == [("On call: cy (ops)", z(2026, 3, 4, 14), z(2026, 3, 5, 14)),
                            ("On call: cy (ops)", z(2026, 3, 7, 14), z(2026, 3, 8, 13))]
    assert str(Calendar.from_ical(body)["x-wr-calname"]) == "On call: cy (ops)"


def test_overrides_show_as_the_final_timeline():
    schedule = sched(rot("ann bob cy"), overrides=(Override(ny(2026, 3, 6, 13), ny(2026, 3, 6, 15), "dee"),))
    assert [(s, a.hour, b.hour) for s, a, b in events(to_ical(schedule, ny(2026, 3, 6, 9), ny(2026, 3, 7, 9)))] == [
        ("On call: bob (ops)", 14, 18), ("On call: dee (ops)", 18, 20), ("On call: bob (ops)", 20, 14)]


def test_uid__stable_as_the_window_slides_and_the_running_shift_keeps_its_real_start():
    today = to_ical(SCHEDULE, ny(2026, 3, 6, 12), ny(2026, 3, 10))
    tomorrow = to_ical(SCHEDULE, ny(2026, 3, 7, 12), ny(2026, 3, 11))
    first = Calendar.from_ical(tomorrow).walk("VEVENT")[0]
    assert first.decoded("dtstart") == z(2026, 3, 7, 14)  # began before the window: exported whole
    shared = uids(today).keys() & uids(tomorrow).keys()
    assert len(shared) == 3 and all(uids(today)[k] == uids(tomorrow)[k] for k in shared)


def test_uid__unique_per_event_and_differs_by_schedule_and_user():
    body = to_ical(SCHEDULE, ny(2026, 3, 2, 9), ny(2026, 3, 30))
    assert len(set(uids(body).values())) == len(uids(body)) == 28
    other = to_ical(replace(SCHEDULE, id="other"), ny(2026, 3, 2, 9), ny(2026, 3, 30))
    assert not set(uids(body).values()) & set(uids(other).values())
    swapped = to_ical(sched(rot("bob ann cy")), ny(2026, 3, 2, 9), ny(2026, 3, 3, 9))
    assert uids(swapped)[z(2026, 3, 2, 14)] != uids(body)[z(2026, 3, 2, 14)]


def test_pure__same_input_same_bytes_and_dtstamp_from_arguments():
    args = (SCHEDULE, ny(2026, 3, 6, 9), ny(2026, 3, 9, 9))
    assert to_ical(*args) == to_ical(*args)
    stamps = {e.decoded("dtstamp") for e in Calendar.from_ical(to_ical(*args)).walk("VEVENT")}
    assert stamps == {z(2026, 3, 6, 14)}
    stamped = to_ical(*args, stamp=z(2026, 3, 1))
    assert {e.decoded("dtstamp") for e in Calendar.from_ical(stamped).walk("VEVENT")} == {z(2026, 3, 1)}


def test_empty_schedule__calendar_without_events():
    assert events(to_ical(sched(), ny(2026, 3, 6), ny(2026, 3, 6) + D)) == []


@pytest.mark.parametrize(("start", "end", "message"), [
    pytest.param(ny(2026, 3, 6), ny(2026, 3, 6), "after start", id="empty-window"),
    pytest.param(datetime(2026, 3, 6), ny(2026, 3, 7), "naive", id="naive-start"),
    pytest.param(ny(2026, 3, 6), ny(2026, 3, 6) - H, "after start", id="end-before-start"),
])
def test_bad_window__value_error(start, end, message):
    with pytest.raises(ValueError, match=message):
        to_ical(SCHEDULE, start, end)
