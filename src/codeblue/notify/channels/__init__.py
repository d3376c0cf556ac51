"""Channel clients: each delivers one Message and raises DeliveryError when it cannot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from codeblue.notify.channels._http import DEFAULT_TIMEOUT
from codeblue.notify.channels.email import EmailChannel, EmailConfig
from codeblue.notify.channels.pagerduty import PagerDutyChannel, PagerDutyConfig
from codeblue.notify.channels.slack import SlackChannel, SlackConfig, SlackIncidentChannel, SlackWebhookChannel
from codeblue.notify.channels.twilio import TwilioConfig, TwilioSmsChannel, TwilioVoiceChannel
from codeblue.notify.channels.webhook import WebhookChannel, WebhookConfig
from codeblue.notify.message import Message, SendResult


@runtime_checkable
class Channel(Protocol):
    """Delivers one message: returns SendResult, or raises DeliveryError and nothing else."""

    name: str

    async def send(self, message: Message) -> SendResult: ...


@dataclass(frozen=True)
class ChannelsConfig:
    """Per-channel configuration; None means that channel is not configured."""

    email: EmailConfig | None = None
    slack: SlackConfig | None = None
    twilio: TwilioConfig | None = None
    pagerduty: PagerDutyConfig | None = None
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    timeout: float = DEFAULT_TIMEOUT


def build_channels(config: ChannelsConfig) -> dict[str, Channel]:
    """The configured channels by name; webhook and slack_webhook need no credentials, so are always there."""
    t = config.timeout
    channels: list[Channel] = [WebhookChannel(config.webhook, timeout=t), SlackWebhookChannel(timeout=t)]
    if config.email is not None:
        channels.append(EmailChannel(config.email, timeout=t))
    if config.slack is not None:
        channels += [SlackChannel(config.slack, timeout=t), SlackIncidentChannel(config.slack, timeout=t)]
    if config.twilio is not None:
        channels += [TwilioSmsChannel(config.twilio, timeout=t), TwilioVoiceChannel(config.twilio, timeout=t)]
    if config.pagerduty is not None:
        channels.append(PagerDutyChannel(config.pagerduty, timeout=t))
    return {c.name: c for c in channels}


__all__ = [
    "Channel", "ChannelsConfig", "EmailChannel", "EmailConfig", "PagerDutyChannel", "PagerDutyConfig",
    "SlackChannel", "SlackConfig", "SlackIncidentChannel", "SlackWebhookChannel", "TwilioConfig", "TwilioSmsChannel",
    "TwilioVoiceChannel", "WebhookChannel", "WebhookConfig", "build_channels",
]
