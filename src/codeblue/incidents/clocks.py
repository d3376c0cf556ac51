"""An incident's clocks: acknowledgement against its severity's target, the next status update, the customer notice.

Pure functions of the incident's times and an explicit now; the page shows what they say and a small
script keeps the countdown ticking between server renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

State = Literal["running", "overdue", "met", "missed", "unknown", "stopped", "sent", "waived", "not_owed"]


@dataclass(frozen=True)
class Clock:
    label: str
    state: State
    due_at: datetime | None = None
    done_at: datetime | None = None
    target: timedelta | None = None
    note: str = ""

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"

    @property
    def ticking(self) -> bool:
        """Whether the countdown moves with time (the script keeps it current)."""
        return self.state in ("running", "overdue")


def acknowledgement(*, detected_at: datetime, acknowledged_at: datetime | None, target: timedelta,
                    resolved: bool, now: datetime) -> Clock:
    """Time to acknowledge against the response target: counting down, overdue, met or missed."""
    due = detected_at + target
    if acknowledged_at is not None:
        state: State = "met" if acknowledged_at <= due else "missed"
        return Clock("Acknowledge", state, due_at=due, done_at=acknowledged_at, target=target)
    if resolved:
        return Clock("Acknowledge", "stopped", due_at=due, target=target, note="resolved without acknowledgement")
    return Clock("Acknowledge", "overdue" if now >= due else "running", due_at=due, target=target)


def status_update(*, acknowledged_at: datetime | None, last_update_at: datetime | None, cadence: timedelta,
                  open_: bool, now: datetime) -> Clock:
    """The next status update: due one cadence after the last one, or after acknowledgement when none was posted.

    Before acknowledgement nobody owns the updates yet, so the time is not known and the page says so
    rather than inventing one.
    """
    if not open_:
        return Clock("Next status update", "stopped", target=cadence, note="incident is no longer open")
    anchor = last_update_at or acknowledged_at
    if anchor is None:
        return Clock("Next status update", "unknown", target=cadence, note="due once the incident is acknowledged")
    due = anchor + cadence
    return Clock("Next status update", "overdue" if now >= due else "running", due_at=due, target=cadence)


def customer_notice(*, status: str | None, due_at: datetime | None, closed_at: datetime | None, reason: str,
                    now: datetime) -> Clock:
    """The customer notice: counting down to its deadline, overdue, sent, waived, or not owed."""
    label = "Customer notice"
    if status is None:
        return Clock(label, "unknown", note="not timed for this incident")
    if status == "owed" and due_at is not None:
        return Clock(label, "overdue" if now >= due_at else "running", due_at=due_at, note=reason)
    if status in ("sent", "waived"):
        return Clock(label, status, due_at=due_at, done_at=closed_at, note=reason)  # type: ignore[arg-type]
    return Clock(label, "not_owed", note=reason)
