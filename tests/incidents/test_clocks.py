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
