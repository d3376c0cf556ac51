"""build_channels, the Channel protocol, and the promise that send raises only DeliveryError."""

from __future__ import annotations

from typing import Any

import pytest

from codeblue.notify.channels import (
    Channel, ChannelsConfig, EmailConfig, PagerDutyConfig, SlackConfig, TwilioConfig, WebhookConfig,
    build_channels,
)
from codeblue.notify.message import DeliveryError
from tests.notify.fakes import fail, free_port, message


def everything(port: int) -> ChannelsConfig:
    dead = f"http://127.0.0.1:{port}"
    return ChannelsConfig(
        email=EmailConfig(host="127.0.0.1", port=port, starttls=False),
        slack=SlackConfig(bot_token="xoxb-t", base_url=f"{dead}/api/"),
        twilio=TwilioConfig("AC1", "tok", "+15550001111", base_url=dead),
        pagerduty=PagerDutyConfig(events_url=f"{dead}/v2/enqueue"),
        webhook=WebhookConfig(signing_secret="s"),
        timeout=2.0,
    )


def test_only_configured_channels_are_built() -> None:
    assert sorted(build_channels(ChannelsConfig())) == ["slack_webhook", "webhook"]
    only_sms = build_channels(ChannelsConfig(twilio=TwilioConfig("AC1", "tok", "+1555")))
    assert sorted(only_sms) == ["slack_webhook", "sms", "voice", "webhook"]
    assert sorted(build_channels(everything(1))) == ["email", "pagerduty", "slack", "slack_channel", "slack_webhook",
                                                     "sms", "voice", "webhook"]


def test_every_channel_is_named_by_its_key_and_honours_the_timeout() -> None:
    for name, channel in build_channels(everything(1)).items():
        assert isinstance(channel, Channel)
        assert channel.name == name
        assert channel.timeout == 2.0  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["email", "pagerduty", "slack", "slack_channel", "slack_webhook", "sms", "voice",
                                  "webhook"])
@pytest.mark.parametrize("address", ["http://127.0.0.1:{port}/x", None])
def test_send_raises_only_delivery_error(name: str, address: Any) -> None:
    port = free_port()
    channel = build_channels(everything(port))[name]
    msg = message(channel=name, address=address.format(port=port) if address else address)
    err = fail(channel.send(msg))
    assert isinstance(err, DeliveryError)
