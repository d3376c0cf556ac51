"""When reminders fire: before the deadline at each lead, at it, then on repeat while overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from codeblue.engine.reminders import Reminder, next_reminder

DUE = datetime(2026, 5, 2, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)
LEADS = [timedelta(days=d) for d in (30, 7, 1)]


@pytest.mark.parametrize(("now", "expected"), [
    pytest.param(DUE - 60 * DAY, Reminder(DUE - 30 * DAY, "upcoming"), id="first-lead"),
    pytest.param(DUE - 30 * DAY, Reminder(DUE - 7 * DAY, "upcoming"), id="strictly-after-now"),
    pytest.param(DUE - 2 * DAY, Reminder(DUE - DAY, "upcoming"), id="last-lead"),
    pytest.param(DUE - DAY, Reminder(DUE, "overdue"), id="then-the-deadline"),
    pytest.param(DUE, Reminder(DUE + DAY, "overdue"), id="then-every-day"),
    pytest.param(DUE + DAY * 3 + timedelta(hours=5), Reminder(DUE + 4 * DAY, "overdue"), id="late-engine-catches-up"),
])
def test_next_reminder__leads_then_deadline_then_repeats(now, expected):
    assert next_reminder(due_at=DUE, now=now, leads=LEADS, overdue_every=DAY) == expected


def test_next_reminder__no_repeat_means_none_after_the_deadline():
    assert next_reminder(due_at=DUE, now=DUE, leads=LEADS, overdue_every=None) is None


def test_next_reminder__leads_already_past_are_skipped_not_fired_late():
    assert next_reminder(due_at=DUE, now=DUE - timedelta(hours=1), leads=LEADS, overdue_every=DAY) == Reminder(
        DUE, "overdue")
