"""The outbox: every notification is a row written with the change that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from codeblue.db import Base, JSONType, UTCDateTime


class Notification(Base):
    """One message to one address. idempotency_key is unique: a retry or a second worker cannot add a twin.

    fence, when set, ties the message to an incident's escalation: once the incident is acknowledged
    or resolved the fence moves on and the message is cancelled instead of sent.

    lease_owner/lease_until: a sender has claimed the message and is delivering it with no transaction
    open; until the lease runs out nobody else takes it, after that (a crashed sender) anyone may.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), default=None,
                                                    index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    contact_method_id: Mapped[int | None] = mapped_column(ForeignKey("contact_methods.id"), default=None)
    purpose: Mapped[str] = mapped_column(String(32))  # page | notify | update | notice | reminder | chat_channel
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    ack_code: Mapped[str | None] = mapped_column(String(16), default=None, index=True)
    ack_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    fence: Mapped[int | None] = mapped_column(Integer, default=None)
    step: Mapped[int | None] = mapped_column(Integer, default=None)
    loop: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    provider_id: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(120), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
