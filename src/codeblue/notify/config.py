"""The channels this process delivers through, built from its settings in this one place."""

from __future__ import annotations

from codeblue.notify.channels import (
    Channel,
    ChannelsConfig,
    EmailConfig,
    PagerDutyConfig,
    SlackConfig,
    TwilioConfig,
    WebhookConfig,
    build_channels,
)
from codeblue.settings import Settings


def channels_config(settings: Settings) -> ChannelsConfig:
    """Each channel's configuration, or None for a channel whose settings are absent."""
    email = None
    if settings.smtp_host:
        email = EmailConfig(
            host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username or None,
            password=settings.smtp_password.get_secret_value() or None,
            starttls=settings.smtp_security == "starttls", use_tls=settings.smtp_security == "tls",
            sender=settings.smtp_from, validate_certs=settings.smtp_validate_certs,
        )
    token = settings.slack_bot_token.get_secret_value()
    slack = SlackConfig(bot_token=token, base_url=settings.slack_api_url) if token else None
    twilio = None
    if settings.twilio_account_sid:  # the settings validator has made sure the rest is there too
        twilio = TwilioConfig(account_sid=settings.twilio_account_sid,
                              auth_token=settings.twilio_auth_token.get_secret_value(),
                              from_number=settings.twilio_from_number, base_url=settings.twilio_api_url)
    return ChannelsConfig(
        email=email, slack=slack, twilio=twilio,
        # The routing key is the contact method's address, so the forward needs no settings of its own.
        pagerduty=PagerDutyConfig(events_url=settings.pagerduty_events_url),
        webhook=WebhookConfig(signing_secret=settings.webhook_signing_secret.get_secret_value() or None),
        timeout=settings.notify_send_timeout_seconds,
    )


def channels(settings: Settings) -> dict[str, Channel]:
    return build_channels(channels_config(settings))
