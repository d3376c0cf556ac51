"""The next status update's due time and what follows when it is late: pure functions, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from codeblue.comms import cadence
from codeblue.comms.cadence import Step

T = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
M = timedelta(minutes=1)


@pytest.mark.parametrize(("acked", "last", "expected"), [
    (None, None, None),
    (T, None, T + 15 * M),
    (T, T + 20 * M, T + 35 * M),
    (None, T + 20 * M, T + 35 * M),
])
def test_due_at__one_cadence_after_the_last_update_or_the_acknowledgement(acked, last, expected):
    assert cadence.due_at(acknowledged_at=acked, last_update_at=last, cadence=15 * M) == expected


@pytest.mark.parametrize(("every", "setting", "expected"), [
    (15 * M, None, timedelta(minutes=7, seconds=30)),
    (30 * M, None, 15 * M),
    (120 * M, None, 60 * M),
    (6 * M, None, 5 * M),  # half would be 3 minutes: at least 5
    (15 * M, 2 * M, 2 * M),
])
def test_margin__half_the_cadence_at_least_five_minutes_unless_set(every, setting, expected):
    assert cadence.margin(every, setting) == expected


def test_next_step__remind_at_due_escalate_after_the_margin_then_remind_every_cadence():
    due, margin, every = T + 15 * M, 7 * M, 15 * M
    walk, now = [], T
    for _ in range(5):
        step = cadence.next_step(due=due, now=now, margin=margin, every=every)
        walk.append(step)
        now = step.at
    assert walk == [Step(due, "remind"), Step(due + 7 * M, "escalate"), Step(due + 15 * M, "remind"),
                    Step(due + 30 * M, "remind"), Step(due + 45 * M, "remind")]


def test_next_step__a_margin_longer_than_the_cadence_still_escalates_once():
    due, walk, now = T, [], T - M
    for _ in range(4):
        step = cadence.next_step(due=due, now=now, margin=30 * M, every=15 * M)
        walk.append(step)
        now = step.at
    assert walk == [Step(T, "remind"), Step(T + 15 * M, "remind"), Step(T + 30 * M, "escalate"),
                    Step(T + 45 * M, "remind")]


def test_next_step__after_a_long_outage_the_next_step_is_in_the_future():
    step = cadence.next_step(due=T, now=T + 100 * M, margin=7 * M, every=15 * M)
    assert step == Step(T + 105 * M, "remind")
