"""Heartbeats: a sender that must ping every interval; silence past interval + grace opens an alert."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, Session, mapped_column

from codeblue.alerts import service as alerts
from codeblue.alerts.models import Integration
from codeblue.alerts.normal import NormalAlert
from codeblue.db import Base, UTCDateTime
from codeblue.engine import timers
from codeblue.engine.models import Timer
from codeblue.errors import BadInput
from codeblue.policy.durations import format_duration, parse_duration

TIMER = "heartbeat"
MISSED_KEY = "heartbeat-missed"


class Heartbeat(Base):
    __tablename__ = "heartbeats"

    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), primary_key=True)
    last_ping_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


def check_options(options: dict) -> dict:
    """interval (required) and grace (default 1m), as durations such as 5m."""
    try:
        interval = parse_duration(options.get("interval", ""))
        grace = parse_duration(options.get("grace", "1m"))
    except ValueError as exc:
        raise BadInput(f"heartbeat options: {exc}", details={"field": "options.interval"}) from None
    if interval < timedelta(seconds=10):
        raise BadInput("heartbeat options.interval must be at least 10s", details={"field": "options.interval"})
    return {**options, "interval": format_duration(interval), "grace": format_duration(grace)}


def allowance(integration: Integration) -> timedelta:
    return parse_duration(integration.options["interval"]) + parse_duration(integration.options.get("grace", "1m"))


def arm(session: Session, integration: Integration, *, since: datetime, now: datetime) -> datetime:
    due = since + allowance(integration)
    timers.arm(session, kind=TIMER, subject_id=integration.id, due_at=due, now=now)
    return due


def ping(session: Session, *, integration: Integration, now: datetime, body: str = "") -> datetime:
    """Record a ping, move the deadline, and resolve the missed-heartbeat alert if one is open."""
    beat = session.get(Heartbeat, integration.id)
    if beat is None:
        beat = Heartbeat(integration_id=integration.id)
        session.add(beat)
    beat.last_ping_at = now
    if alerts.open_alert(session, integration_id=integration.id, key=MISSED_KEY) is not None:
        back = NormalAlert(action="resolve", summary=f"Heartbeat '{integration.name}' is back",
                           source="heartbeat", dedup_key=MISSED_KEY)
        alerts.ingest(session, integration=integration, alerts=[back], body=body, now=now)
    return arm(session, integration, since=now, now=now)


def on_timer(session: Session, timer: Timer, now: datetime) -> None:
    """The deadline passed: if no ping came since, open (or keep) the missed-heartbeat alert."""
    integration = session.get(Integration, timer.subject_id)
    if integration is None or not integration.enabled:
        return
    beat = session.get(Heartbeat, integration.id)
    last = beat.last_ping_at if beat else integration.created_at
    if last + allowance(integration) > now:
        return  # a ping arrived after this timer was armed; it re-armed the deadline
    since = f"since {last:%Y-%m-%d %H:%M:%S} UTC" if beat and beat.last_ping_at else "since it was created"
    missed = NormalAlert(
        action="trigger", summary=f"Heartbeat '{integration.name}' missed: no ping {since}",
        source="heartbeat", dedup_key=MISSED_KEY,
        facts={"source": "heartbeat", "health_check_failed": True, "heartbeat": integration.name},
    )
    alerts.ingest(session, integration=integration, alerts=[missed], body="", now=now)
