"""What a channel is asked to deliver, and how a delivery can fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ChannelName = Literal["email", "sms", "voice", "slack", "slack_webhook", "slack_channel", "webhook", "pagerduty"]


@dataclass(frozen=True)
class Message:
    """One notification to one address, already rendered PHI-safe for its channel.

    idempotency_key is stable per (incident, step, loop, contact method): a retry carries the same key,
    and channels that can pass it on (webhook header, PagerDuty dedup key) do.
    """

    idempotency_key: str
    channel: ChannelName
    address: str
    subject: str
    text: str
    ack_url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    """A delivery the remote end accepted; provider_id is its id for the message, if it gave one."""

    provider_id: str | None = None
    detail: str = ""


class DeliveryError(Exception):
    """The remote end did not accept the message; retryable says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable
