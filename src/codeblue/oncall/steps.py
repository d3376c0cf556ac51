"""Escalation steps as pure functions: what comes after a step, and how long to wait for it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def after(step: int, loop: int, *, steps: int, repeat: int) -> tuple[int, int] | None:
    """The next (step, loop), going round again `repeat` times; None once the policy is exhausted."""
    if step + 1 < steps:
        return step + 1, loop
    if loop < repeat:
        return 0, loop + 1
    return None


def wait_after(step: dict[str, Any], *, response_target: timedelta) -> timedelta:
    """How long a step waits for an acknowledgement; unset means the severity's response target."""
    seconds = step.get("delay_seconds")
    return response_target if seconds is None else timedelta(seconds=seconds)
