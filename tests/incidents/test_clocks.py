"""The incident clocks as tables: acknowledgement against the target, and the next status update."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from codeblue.incidents import clocks

T = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
M = timedelta(minutes=1)


@pytest.mark.parametrize(("acked", "resolved", "now", "state", "overdue"), [
    (None, False, T + 4 * M, "running", False),
    (None, False, T + 5 * M, "overdue", True),  # due at the target exactly: overdue from then on
    (None, False, T + 90 * M, "overdue", True),
    (T + 5 * M, False, T + 90 * M, "met", False),
    (T + 5 * M + timedelta(seconds=1), False, T + 90 * M, "missed", False),
    (None, True, T + 90 * M, "stopped", False),  # resolved without anyone acknowledging: nothing to count down
])
def test_acknowledgement(acked, resolved, now, state, overdue):
    clock = clocks.acknowledgement(detected_at=T, acknowledged_at=acked, target=5 * M, resolved=resolved, now=now)
    assert (clock.state, clock.overdue, clock.due_at) == (state, overdue, T + 5 * M)
    assert clock.ticking == (state in ("running", "overdue"))


@pytest.mark.parametrize(("acked", "last", "open_", "now", "state", "due"), [
    (None, None, True, T, "unknown", None),  # nobody owns the updates before acknowledgement
    (T, None, True, T + 29 * M, "running", T + 30 * M),
    (T, None, True, T + 30 * M, "overdue", T + 30 * M),
    (T, T + 25 * M, True, T + 40 * M, "running", T + 55 * M),  # a posted update restarts the cadence
    (T, None, False, T + 90 * M, "stopped", None),
])
def test_status_update(acked, last, open_, now, state, due):
    clock = clocks.status_update(acknowledged_at=acked, last_update_at=last, cadence=30 * M, open_=open_, now=now)
    assert (clock.state, clock.due_at) == (state, due)


@pytest.mark.parametrize(("status", "due", "closed", "now", "state", "ticking"), [
    ("owed", T + 60 * M, None, T + 59 * M, "running", True),
    ("owed", T + 60 * M, None, T + 60 * M, "overdue", True),
    ("sent", T + 60 * M, T + 30 * M, T + 90 * M, "sent", False),
    ("waived", T + 60 * M, T + 10 * M, T + 90 * M, "waived", False),
    ("not_owed", None, None, T, "not_owed", False),
    (None, None, None, T, "unknown", False),  # an incident opened before notices were timed
])
def test_customer_notice_clock(status, due, closed, now, state, ticking):
    clock = clocks.customer_notice(status=status, due_at=due, closed_at=closed, reason="P1: within 1 hour", now=now)
    assert (clock.label, clock.state, clock.ticking) == ("Customer notice", state, ticking)
    assert clock.overdue == (state == "overdue")
