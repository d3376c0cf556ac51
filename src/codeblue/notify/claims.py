"""Claiming due messages for one sender with a lease, and freeing the leases of senders that died."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from codeblue.notify.message import Message
from codeblue.notify.models import Notification
from codeblue.oncall.models import ContactMethod

THROTTLE_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Claim:
    """A message one sender holds a lease on, copied out of its row so it outlives the transaction."""

    id: int
    owner: str
    attempts: int
    idempotency_key: str
    purpose: str
    channel: str
    address: str
    subject: str
    text: str
    data: dict[str, Any]
    created_at: datetime
    incident_id: int | None
    fence: int | None
    step: int | None
    loop: int | None

    @property
    def fenced(self) -> bool:
        return self.fence is not None and self.incident_id is not None

    def message(self) -> Message:
        return Message(idempotency_key=self.idempotency_key, channel=self.channel,  # type: ignore[arg-type]
                       address=self.address, subject=self.subject, text=self.text,
                       ack_url=self.data.get("ack_url"), data=dict(self.data))


def _free(now: datetime):
    return or_(Notification.lease_until.is_(None), Notification.lease_until < now)


def claim(session: Session, *, owner: str, now: datetime, lease: timedelta, limit: int,
          throttle_per_minute: int = 0) -> list[Claim]:
    """Lease up to `limit` due messages to `owner`; on PostgreSQL other senders skip them instead of waiting.

    An expired lease is free again: its sender died or stalled, and the message goes to whoever
    claims next. Each claim counts as an attempt, so a message that kills its sender cannot loop for ever.
    """
    query = (
        select(Notification)
        .where(Notification.status == "pending", Notification.next_attempt_at <= now, _free(now))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    limits = _limits(session, rows, default=throttle_per_minute)
    busy = _recent(session, rows, now) if any(limits.values()) else Counter()
    claimed = []
    for row in rows:
        if limits[row.id] > 0:
            if busy[(row.channel, row.address)] >= limits[row.id]:
                row.next_attempt_at = now + THROTTLE_WINDOW
                continue
            busy[(row.channel, row.address)] += 1
        row.lease_owner, row.lease_until = owner, now + lease
        row.attempts += 1
        claimed.append(Claim(
            id=row.id, owner=owner, attempts=row.attempts, idempotency_key=row.idempotency_key,
            purpose=row.purpose, channel=row.channel, address=row.address, subject=row.subject, text=row.text,
            data=dict(row.data), created_at=row.created_at, incident_id=row.incident_id, fence=row.fence,
            step=row.step, loop=row.loop,
        ))
    return claimed


def _limits(session: Session, rows: list[Notification], *, default: int) -> dict[int, int]:
    """Each message's limit per minute: its contact method's own, else the configured default; 0 is none."""
    method_ids = {row.contact_method_id for row in rows if row.contact_method_id is not None}
    query = select(ContactMethod.id, ContactMethod.throttle_per_minute).where(ContactMethod.id.in_(method_ids))
    own = {id_: limit for id_, limit in session.execute(query)} if method_ids else {}
    return {row.id: default if own.get(row.contact_method_id) is None else own[row.contact_method_id]
            for row in rows}


def _recent(session: Session, rows: list[Notification], now: datetime) -> Counter:
    """Messages per (channel, address) sent in the last minute or on the wire now."""
    addresses = {row.address for row in rows}
    if not addresses:
        return Counter()
    query = (
        select(Notification.channel, Notification.address, func.count())
        .where(Notification.address.in_(addresses),
               or_(and_(Notification.status == "sent", Notification.sent_at > now - THROTTLE_WINDOW),
                   and_(Notification.status == "pending", Notification.lease_until >= now)))
        .group_by(Notification.channel, Notification.address)
    )
    return Counter({(channel, address): n for channel, address, n in session.execute(query)})


def next_due(session: Session) -> datetime | None:
    """When the next message could be claimed: its attempt time, or when the lease on it runs out."""
    when = case((and_(Notification.lease_until.is_not(None), Notification.lease_until > Notification.next_attempt_at),
                 Notification.lease_until), else_=Notification.next_attempt_at)
    return session.scalar(select(func.min(when)).where(Notification.status == "pending"))


def owner_id(host: str, token: str) -> str:
    """A lease owner names its host and process, so a restart on the same host can tell it is dead."""
    return f"{host}:{os.getpid()}:{token}"


def release_orphans(session: Session, *, host: str, alive: Callable[[int], bool], now: datetime) -> int:
    """Free the leases of dead processes on this host: a restarted server need not wait them out."""
    owners = session.scalars(
        select(Notification.lease_owner).distinct()
        .where(Notification.status == "pending", Notification.lease_until >= now,
               Notification.lease_owner.like(f"{host}:%"))
    )
    dead = []
    for owner in owners:
        _, pid, _ = owner.rsplit(":", 2)
        if pid.isdigit() and not alive(int(pid)):
            dead.append(owner)
    if not dead:
        return 0
    result = session.execute(update(Notification).where(Notification.lease_owner.in_(dead),
                                                        Notification.status == "pending")
                             .values(lease_owner=None, lease_until=None))
    return result.rowcount or 0
