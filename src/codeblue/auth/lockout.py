"""Back-off after failed sign-ins, per account and per network address: pure functions of the record and now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limits:
    free: int  # failures allowed before each further one locks for a while
    base: timedelta  # the first lock; each failure after it doubles the lock
    cap: timedelta
    forget_after: timedelta  # a record this long without a failure starts again from zero


# An address gets more room than an account: a hospital's staff can share one outbound address.
ACCOUNT = Limits(free=5, base=timedelta(seconds=30), cap=timedelta(minutes=15), forget_after=timedelta(hours=1))
ADDRESS = Limits(free=20, base=timedelta(seconds=30), cap=timedelta(minutes=15), forget_after=timedelta(hours=1))


def failures_after(limits: Limits, *, failures: int, last_failure_at: datetime | None, now: datetime) -> int:
    """The count once one more failure is added at `now`."""
    if last_failure_at is None or now - last_failure_at >= limits.forget_after:
        return 1
    return failures + 1


def lock_until(limits: Limits, *, failures: int, now: datetime) -> datetime | None:
    """Until when sign-ins are refused after the `failures`-th failure at `now`; None while still free."""
    if failures < limits.free:
        return None
    lock = limits.base * 2 ** min(failures - limits.free, 20)
    return now + min(lock, limits.cap)


def retry_after(locked_until: datetime | None, now: datetime) -> int:
    """Whole seconds until a lock ends; 0 when there is none."""
    if locked_until is None or locked_until <= now:
        return 0
    return max(1, int((locked_until - now).total_seconds() + 0.999))
