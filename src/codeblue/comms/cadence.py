"""When the next status update is due, and what the engine does about one that is late. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from codeblue.engine.reminders import next_reminder

MIN_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Step:
    """remind: the commander (or the on-call responder) is told the update is due or still overdue;
    escalate: the manager is told it is overdue by the margin."""

    at: datetime
    action: Literal["remind", "escalate"]


def due_at(*, acknowledged_at: datetime | None, last_update_at: datetime | None,
           cadence: timedelta) -> datetime | None:
    """One cadence after the last update, or after acknowledgement; unknown before either."""
    anchor = last_update_at or acknowledged_at
    return None if anchor is None else anchor + cadence


def margin(cadence: timedelta, setting: timedelta | None = None) -> timedelta:
    """How overdue an update is before the manager hears: the setting, else half the cadence, at least 5 min."""
    return setting if setting is not None else max(cadence / 2, MIN_MARGIN)


def next_step(*, due: datetime, now: datetime, margin: timedelta, every: timedelta) -> Step:
    """The first step strictly after now: remind at due, escalate at due + margin, then remind every
    `every` while the update stays overdue."""
    reminder = next_reminder(due_at=due, now=now, leads=(), overdue_every=every)
    escalate = due + margin
    if now < escalate and (reminder is None or escalate <= reminder.at):
        return Step(escalate, "escalate")
    assert reminder is not None  # every > 0, so an overdue reminder always comes
    return Step(reminder.at, "remind")
