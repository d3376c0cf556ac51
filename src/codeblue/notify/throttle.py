"""Throttles: at most N messages a minute to one destination, N set per contact method."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from codeblue.notify.models import Notification
from codeblue.oncall.models import ContactMethod

WINDOW = timedelta(minutes=1)


def limit_for(session: Session, row: Notification, *, default: int) -> int:
    """The message's contact method's own limit per minute, else the configured default; 0 is no limit."""
    method = session.get(ContactMethod, row.contact_method_id) if row.contact_method_id else None
    if method is None or method.throttle_per_minute is None:
        return default
    return method.throttle_per_minute


def exceeded(session: Session, *, row: Notification, now: datetime, default: int) -> bool:
    """Whether the destination has had its limit of messages in the last minute; the caller delays, never drops."""
    limit = limit_for(session, row, default=default)
    if limit <= 0:
        return False
    recent = session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.address == row.address, Notification.channel == row.channel,
               Notification.status == "sent", Notification.sent_at > now - WINDOW)
    )
    return (recent or 0) >= limit
