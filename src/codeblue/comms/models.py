"""Status updates posted on an incident, and the incident's chat channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from codeblue.db import Base, UTCDateTime


class StatusUpdate(Base):
    """One numbered update (#1, #2, …) of an incident, as rendered and sent."""

    __tablename__ = "status_updates"
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(200))
    actions: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text)
    eta: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    posted_by: Mapped[str] = mapped_column(String(254))
    posted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChatChannel(Base):
    """The Slack channel opened for an incident: at most one per incident."""

    __tablename__ = "incident_chat_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    provider: Mapped[str] = mapped_column(String(20), default="slack")
    channel_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
