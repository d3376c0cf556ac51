"""The customer-notice task of an incident, and the status page's own tables.

The public page reads only status_components, status_incidents, status_posts and the services'
names: nothing it shows can come from an incident's internal fields, alerts or timeline.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from codeblue.db import Base, UTCDateTime


class CustomerNotice(Base):
    """Whether customers are owed word of an incident, by when, and whether they had it."""

    __tablename__ = "customer_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # owed | not_owed | sent | waived
    mode: Mapped[str] = mapped_column(String(16))  # the severity's customer_notice mode when last timed
    severity: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(Text, default="")  # why owed or not, in the pack's words
    owed_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_by: Mapped[str | None] = mapped_column(String(254), default=None)
    waive_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatusComponent(Base):
    """A service as customers know it on the status page."""

    __tablename__ = "status_components"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), unique=True)
    public_name: Mapped[str] = mapped_column(String(200))
    shown: Mapped[bool] = mapped_column(Boolean, default=True)


class StatusIncident(Base):
    """One incident as the public sees it: a customer-facing title and its posts, nothing internal."""

    __tablename__ = "status_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The link back is for Code Blue's own bookkeeping; the page never follows it.
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16))  # investigating | identified | monitoring | resolved
    impact: Mapped[str] = mapped_column(String(16))  # degraded | partial_outage | major_outage
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    posts: Mapped[list[StatusPost]] = relationship(back_populates="status_incident", lazy="selectin",
                                                   order_by="StatusPost.posted_at.desc(), StatusPost.id.desc()")


class StatusPost(Base):
    """One public message: what customers read on the page and in their email."""

    __tablename__ = "status_posts"
    __table_args__ = (Index("ix_status_posts_posted_at", "posted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status_incident_id: Mapped[int] = mapped_column(ForeignKey("status_incidents.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))
    impact: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_by: Mapped[str] = mapped_column(String(254))

    status_incident: Mapped[StatusIncident] = relationship(back_populates="posts")


class Subscriber(Base):
    """An email address that asked for status updates; emailed only once it confirmed."""

    __tablename__ = "status_subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    confirm_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    confirm_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
