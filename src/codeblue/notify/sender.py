"""The outbox sender: delivers due messages with retries, backoff and throttles; never drops a page."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from codeblue.auth.actor import SYSTEM
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.notify import throttle
from codeblue.notify.message import DeliveryError, Message
from codeblue.notify.models import Notification
from codeblue.oncall import fence, paging

log = logging.getLogger("codeblue.notify")


def backoff(attempt: int, *, base: float, cap: float = 300.0, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with ±20 % jitter, so retries from many workers do not arrive in step."""
    jitter = (rng or random).uniform(0.8, 1.2)
    return timedelta(seconds=min(cap, base * 2 ** (attempt - 1)) * jitter)


class OutboxModule:
    """Engine module: one message per transaction, so a slow channel holds its locks for one send only."""

    name = "outbox"

    def __init__(self, channels: Mapping[str, object], *, max_attempts: int = 5, retry_base: float = 2.0,
                 throttle_per_minute: int = 20, send_timeout: float = 10.0) -> None:
        self.channels = channels
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.throttle = throttle_per_minute
        self.send_timeout = send_timeout

    def next_due(self, session: Session) -> datetime | None:
        return session.scalar(select(func.min(Notification.next_attempt_at)).where(Notification.status == "pending"))

    def _claim(self, session: Session, now: datetime) -> Notification | None:
        query = (
            select(Notification)
            .where(Notification.status == "pending", Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return session.scalar(query)

    def update(self, session: Session, now: datetime) -> int:
        row = self._claim(session, now)
        if row is None:
            return 0
        if row.fence is not None and not self._still_wanted(session, row):
            row.status, row.last_error = "cancelled", "the incident was acknowledged or resolved"
            return 1
        if self._throttled(session, row, now):
            row.next_attempt_at = now + timedelta(seconds=60)
            return 1
        row.attempts += 1
        try:
            result = self._send(row)
        except DeliveryError as exc:
            self._failed(session, row, now, str(exc), retryable=exc.retryable)
            return 1
        row.status, row.sent_at, row.provider_id, row.last_error = "sent", now, result.provider_id, None
        if row.purpose == "page" and row.incident_id is not None:
            incident = session.get(Incident, row.incident_id)
            waited = (now - row.created_at).total_seconds()
            incidents.record(session, incident, kind="page_sent", actor=SYSTEM, now=now,
                             summary=f"Page sent by {row.channel} to {row.address}",
                             data={"notification": row.id, "attempts": row.attempts, "seconds_after_queued": waited})
        return 1

    def _still_wanted(self, session: Session, row: Notification) -> bool:
        # The escalation row stays locked (PostgreSQL) or the database write-locked (SQLite) until this
        # transaction ends, so an acknowledgement commits either before this check or after the send.
        esc = fence.lock(session, row.incident_id)
        return esc is not None and esc.active and esc.fence == row.fence

    def _throttled(self, session: Session, row: Notification, now: datetime) -> bool:
        return throttle.exceeded(session, row=row, now=now, default=self.throttle)

    def _send(self, row: Notification):
        channel = self.channels.get(row.channel)
        if channel is None:
            raise DeliveryError(f"the {row.channel} channel is not configured", retryable=False)
        message = Message(idempotency_key=row.idempotency_key, channel=row.channel, address=row.address,
                          subject=row.subject, text=row.text, ack_url=row.data.get("ack_url"), data=dict(row.data))
        try:
            return asyncio.run(asyncio.wait_for(channel.send(message), timeout=self.send_timeout))
        except TimeoutError:
            raise DeliveryError(f"{row.channel} did not answer within {self.send_timeout:g} s") from None

    def _failed(self, session: Session, row: Notification, now: datetime, error: str, *, retryable: bool) -> None:
        row.last_error = error[:2000]
        if retryable and row.attempts < self.max_attempts:
            row.next_attempt_at = now + backoff(row.attempts, base=self.retry_base)
            return
        row.status = "failed"
        log.warning("notification %s failed for good after %s attempts: %s", row.id, row.attempts, error)
        if row.purpose == "page" and row.incident_id is not None:
            incident = session.get(Incident, row.incident_id)
            incidents.record(session, incident, kind="page_failed", actor=SYSTEM, now=now,
                             summary=f"Page by {row.channel} to {row.address} failed after {row.attempts} "
                                     f"attempt(s): {error}; escalating to the next step",
                             data={"notification": row.id})
            if row.fence is not None:
                paging.escalate_now(session, incident_id=row.incident_id, expected_fence=row.fence, now=now)
