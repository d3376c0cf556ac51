"""iCalendar export of a schedule's shifts, for subscribing from a calendar app."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

from icalendar import Calendar, Event

from codeblue.oncall.localtime import utc
from codeblue.oncall.schedule import Schedule, shifts

PRODID = "-//Code Blue//On-call schedules//EN"
# A shift already running at `start` is exported from its real start (if within this), so its UID stays
# the same as the export window slides forward day by day.
LOOKBACK = timedelta(days=31)
NO_NAMES: Mapping[str, str] = MappingProxyType({})


def uid(schedule_id: str, user: str, start: datetime) -> str:
    """A UID that stays the same for the same schedule, person and shift start (emails are hashed out)."""
    key = f"{schedule_id}\x00{user}\x00{utc(start, 'start').isoformat()}"
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@oncall.codeblue"


def to_ical(schedule: Schedule, start: datetime, end: datetime, *, user: str | None = None,
            names: Mapping[str, str] = NO_NAMES, stamp: datetime | None = None) -> bytes:
    """A VCALENDAR with one VEVENT per shift overlapping [start, end) (only `user`'s if given)."""
    # `names` maps users to display names. DTSTAMP is `stamp`, default `start`, not the clock: the output
    # stays a pure function of the arguments.
    lo, hi = utc(start, "start"), utc(end, "end")
    if hi <= lo:
        raise ValueError(f"end {hi.isoformat()} must be after start {lo.isoformat()}")
    dtstamp = utc(stamp, "stamp") if stamp is not None else lo
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    title = f"On call: {schedule.id}" if user is None else f"On call: {names.get(user, user)} ({schedule.id})"
    cal.add("x-wr-calname", title)
    for shift in shifts(schedule, lo - LOOKBACK, hi):
        if shift.end <= lo or (user is not None and shift.user != user):
            continue
        event = Event()
        event.add("uid", uid(schedule.id, shift.user, shift.start))
        event.add("dtstamp", dtstamp)
        event.add("dtstart", shift.start)
        event.add("dtend", shift.end)
        event.add("summary", f"On call: {names.get(shift.user, shift.user)} ({schedule.id})")
        event.add("transp", "TRANSPARENT")  # being on call does not make anyone busy
        cal.add_component(event)
    return cal.to_ical()
