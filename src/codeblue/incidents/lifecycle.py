"""The incident lifecycle as data: which status may follow which."""

from __future__ import annotations

from enum import StrEnum

from codeblue.errors import InvalidTransition


class Status(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    CLOSED = "closed"


S = Status
# Work may skip ahead (a fix found at once goes straight to monitoring) and step back while the
# incident is open; a resolved incident may reopen to investigating; closed is final.
ALLOWED: dict[Status, frozenset[Status]] = {
    S.TRIGGERED: frozenset({S.ACKNOWLEDGED, S.INVESTIGATING, S.IDENTIFIED, S.MONITORING, S.RESOLVED}),
    S.ACKNOWLEDGED: frozenset({S.INVESTIGATING, S.IDENTIFIED, S.MONITORING, S.RESOLVED}),
    S.INVESTIGATING: frozenset({S.IDENTIFIED, S.MONITORING, S.RESOLVED}),
    S.IDENTIFIED: frozenset({S.INVESTIGATING, S.MONITORING, S.RESOLVED}),
    S.MONITORING: frozenset({S.INVESTIGATING, S.IDENTIFIED, S.RESOLVED}),
    S.RESOLVED: frozenset({S.INVESTIGATING, S.CLOSED}),
    S.CLOSED: frozenset(),
}
OPEN: frozenset[Status] = frozenset({S.TRIGGERED, S.ACKNOWLEDGED, S.INVESTIGATING, S.IDENTIFIED, S.MONITORING})


def parse(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        names = ", ".join(s.value for s in Status)
        raise InvalidTransition(f"unknown status '{value}'; one of: {names}") from None


def check(current: str, target: str) -> Status:
    """The target status, if the lifecycle allows the move; InvalidTransition if not."""
    src, dst = Status(current), parse(target)
    if dst not in ALLOWED[src]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[src])) or "nothing (closed is final)"
        raise InvalidTransition(
            f"cannot move an incident from '{src.value}' to '{dst.value}'; from '{src.value}' it may move to: {allowed}",
            details={"from": src.value, "to": dst.value, "allowed": sorted(s.value for s in ALLOWED[src])},
        )
    return dst


def is_open(status: str) -> bool:
    return Status(status) in OPEN
