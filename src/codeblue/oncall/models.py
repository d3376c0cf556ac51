"""People's contact methods and rules, named contacts, schedules, escalation policies and their state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from codeblue.db import Base, JSONType, UTCDateTime


class NamedContact(Base):
    """A role or team paged by name: Engineering Manager, CTO, Security Team, Compliance Officer."""

    __tablename__ = "named_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class ContactMethod(Base):
    """Where a person or a named contact can be reached."""

    __tablename__ = "contact_methods"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("named_contacts.id", ondelete="CASCADE"), default=None,
                                                   index=True)
    type: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(500))
    label: Mapped[str] = mapped_column(String(100), default="")
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    phi_safe: Mapped[bool] = mapped_column(Boolean, default=False)
    # Messages per minute to this method; None follows the server's notify_throttle_per_minute, 0 is no limit.
    throttle_per_minute: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationRule(Base):
    """'SMS at once, voice after 3 minutes if not acknowledged': one row per method and delay."""

    __tablename__ = "notification_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contact_method_id: Mapped[int] = mapped_column(ForeignKey("contact_methods.id", ondelete="CASCADE"))
    delay_seconds: Mapped[int] = mapped_column(Integer, default=0)


class Schedule(Base):
    """An on-call schedule: layers of rotations (as data) and overrides (as rows)."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tz: Mapped[str] = mapped_column(String(64))
    layers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    overrides: Mapped[list[ScheduleOverride]] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                             order_by="ScheduleOverride.id")


class ScheduleOverride(Base):
    __tablename__ = "schedule_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    replaces_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EscalationPolicy(Base):
    """Ordered steps of targets; steps is data: [{"delay_seconds": int | null, "targets": [...]}, …]."""

    __tablename__ = "escalation_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    repeat: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServicePolicy(Base):
    """Which escalation policy pages for a service."""

    __tablename__ = "service_policies"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("escalation_policies.id"))


class Escalation(Base):
    """An incident's place in its policy. fence changes on every ack/resolve, so armed timers go stale."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("escalation_policies.id"))
    step: Mapped[int] = mapped_column(Integer, default=0)
    loop: Mapped[int] = mapped_column(Integer, default=0)
    fence: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
