"""Counting periods forward from a date: calendar days, or business days (Monday to Friday)."""

from __future__ import annotations

from datetime import date, timedelta


def add_days(start: date, days: int, *, business: bool = False) -> date:
    """The date `days` days after `start`; day 1 is the day after `start` (the day itself is not counted)."""
    if not business:
        # HIPAA says calendar days: a deadline on a weekend or holiday does not move.
        return start + timedelta(days=days)
    # Business days skip Saturdays and Sundays only. Public holidays are NOT modelled (they differ by
    # state and year), so a business-day deadline that spans a holiday is shown a day early: the
    # safe direction for a deadline.
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            counted += 1
    return current
