"""Retention of breach documentation (45 CFR 164.530(j)): 6 years from creation or last change, the later."""

from __future__ import annotations

from datetime import datetime

from codeblue.errors import RetentionHold

RETENTION_YEARS = 6
CITE_RETENTION = "45 CFR 164.530(j)"


def retained_until(*, created_at: datetime, last_changed: datetime) -> datetime:
    """The first instant the record may be deleted."""
    later = max(created_at, last_changed)
    try:
        return later.replace(year=later.year + RETENTION_YEARS)
    except ValueError:  # February 29 into a common year: March 1 keeps it the full six years
        return later.replace(year=later.year + RETENTION_YEARS, month=3, day=1)


def check_deletable(what: str, *, created_at: datetime, last_changed: datetime, now: datetime) -> None:
    """Refuse deleting `what` while its retention period runs."""
    until = retained_until(created_at=created_at, last_changed=last_changed)
    if now < until:
        raise RetentionHold(
            f"{what} must be kept until {until:%Y-%m-%d %H:%M} UTC: 6 years from the later of its creation "
            f"({created_at:%Y-%m-%d}) and its last change ({last_changed:%Y-%m-%d}) ({CITE_RETENTION}); "
            "it cannot be deleted before then",
            details={"retained_until": until.isoformat(), "citation": CITE_RETENTION},
        )
