"""The normalised alert every integration produces, whatever the sender's format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Action = Literal["trigger", "acknowledge", "resolve", "record"]


@dataclass(frozen=True)
class NormalAlert:
    """One event about one alert, as a sender reported it.

    action: trigger (firing), acknowledge, resolve, or record (kept for the record, pages no one —
    e.g. a CloudWatch alarm entering INSUFFICIENT_DATA).
    dedup_key: the sender's key, or None for the receiver to fingerprint the content.
    facts: named facts for classification (see codeblue.policy.facts).
    """

    action: Action
    summary: str
    source: str
    dedup_key: str | None = None
    component: str | None = None
    severity_hint: str | None = None
    occurred_at: datetime | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


class PayloadError(ValueError):
    """The payload is not of the expected format; the message names the field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
