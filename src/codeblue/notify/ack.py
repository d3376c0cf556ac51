"""Acknowledging from the page itself: a signed link, or an SMS reply 'ACK <code>'."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.actor import Actor
from codeblue.auth.models import User
from codeblue.auth.permissions import Role
from codeblue.errors import Conflict, NotFound
from codeblue.incidents import service as incidents
from codeblue.incidents.lifecycle import Status
from codeblue.incidents.models import Incident
from codeblue.notify import links
from codeblue.notify.models import Notification

CODE_LIFETIME = timedelta(hours=24)


def _actor(session: Session, row: Notification) -> Actor:
    user = session.get(User, row.user_id) if row.user_id else None
    if user is None:
        return Actor(kind="integration", name=f"{row.channel}:{row.address}")
    return Actor(kind="user", name=user.email, user_id=user.id, role=Role.RESPONDER)


def by_token(session: Session, *, token: str, secret: str, now: datetime) -> Notification:
    try:
        notification_id = links.verify(token, secret=secret, now=now)
    except links.BadLink as exc:
        raise NotFound(str(exc)) from None
    row = session.get(Notification, notification_id)
    if row is None or row.incident_id is None:
        raise NotFound("this acknowledge link is not valid")
    return row


def acknowledge(session: Session, *, row: Notification, now: datetime, via: str) -> Incident:
    """Acknowledge the page's incident once; a second use of the same page is refused."""
    if row.ack_used_at is not None:
        raise Conflict(f"this page was already used to acknowledge, at {row.ack_used_at:%Y-%m-%d %H:%M:%S} UTC")
    incident = session.get(Incident, row.incident_id)
    if incident.status != Status.TRIGGERED:
        raise Conflict(f"{incident.ref} is already {incident.status}; nothing to acknowledge")
    row.ack_used_at = now
    return incidents.acknowledge(session, incident=incident, actor=_actor(session, row), now=now, via=via)


def by_sms_reply(session: Session, *, sender: str, body: str, now: datetime) -> Notification:
    """The page an 'ACK <code>' reply answers: same code, sent to the number the reply comes from."""
    words = body.strip().split()
    if len(words) != 2 or words[0].upper() != "ACK" or not words[1].isdigit():
        raise NotFound("reply 'ACK <code>' with the code from the page")
    row = session.scalar(
        select(Notification).where(Notification.ack_code == words[1], Notification.address == sender,
                                   Notification.created_at > now - CODE_LIFETIME)
        .order_by(Notification.id.desc()).limit(1)
    )
    if row is None:
        raise NotFound(f"no recent page to {sender} has the code {words[1]}")
    return row
