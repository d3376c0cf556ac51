"""Notifications: the outbox and its channels (email, SMS, voice, Slack, webhook, PagerDuty)."""
