"""The sign-in back-off as a table: free failures, then doubling locks up to the cap, forgotten after an hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from codeblue.auth import lockout

T = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
S = timedelta(seconds=1)


@pytest.mark.parametrize(("failures", "lock"), [
    (1, None), (4, None),  # the first four failures cost nothing
    (5, 30 * S), (6, 60 * S), (7, 120 * S), (9, 480 * S),
    (10, 15 * 60 * S), (50, 15 * 60 * S),  # capped at 15 minutes
])
def test_lock_until__account(failures, lock):
    assert lockout.lock_until(lockout.ACCOUNT, failures=failures, now=T) == (None if lock is None else T + lock)


def test_lock_until__an_address_gets_twenty_free_failures():
    assert lockout.lock_until(lockout.ADDRESS, failures=19, now=T) is None
    assert lockout.lock_until(lockout.ADDRESS, failures=20, now=T) == T + 30 * S


@pytest.mark.parametrize(("failures", "last", "expected"), [
    (0, None, 1),
    (3, T - timedelta(minutes=59), 4),
    (9, T - timedelta(hours=1), 1),  # an hour without a failure: start again
])
def test_failures_after(failures, last, expected):
    assert lockout.failures_after(lockout.ACCOUNT, failures=failures, last_failure_at=last, now=T) == expected


@pytest.mark.parametrize(("until", "seconds"), [(None, 0), (T, 0), (T - S, 0), (T + S / 2, 1), (T + 90 * S, 90)])
def test_retry_after(until, seconds):
    assert lockout.retry_after(until, T) == seconds
