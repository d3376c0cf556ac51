"""Whether an incident owes customers a notice, and by when: a pure function of the pack and the incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from codeblue.policy.schema import Severity


@dataclass(frozen=True)
class Owed:
    owed: bool
    mode: str
    due_at: datetime | None
    reason: str


def customer_notice(severity: Severity, *, user_facing: bool, owed_since: datetime) -> Owed:
    """The notice an incident of this severity owes, counted from owed_since (detection, or the change
    that made it owed).

    "immediate" is due within the severity's own response target (CRM P0: 5 minutes, IVR P0: 15);
    "within" after its period; "regular_updates" is no separate notice (it rides on the status
    updates) and "none" owes nothing. A user_facing_only rule owes nothing when no user sees it.
    """
    rule = severity.customer_notice
    said = rule.text or rule.mode
    if rule.user_facing_only and not user_facing:
        return Owed(False, rule.mode, None, f"{severity.id}: {said}; the incident is not user-facing")
    if rule.mode == "immediate":
        return Owed(True, rule.mode, owed_since + severity.response_target, f"{severity.id}: {said}")
    if rule.mode == "within":
        return Owed(True, rule.mode, owed_since + (rule.within or timedelta(0)), f"{severity.id}: {said}")
    return Owed(False, rule.mode, None, f"{severity.id}: {said}")
