"""Integrations, the alerts they deliver, and every raw delivery as received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from codeblue.catalog.models import Service
from codeblue.db import Base, JSONType, UTCDateTime


class Integration(Base):
    """A sender bound to a service; its secret key is kept only as a hash."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    service: Mapped[Service] = relationship(lazy="joined")


class Delivery(Base):
    """One request as a sender made it: the raw payload is kept for the record."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)
    alert_count: Mapped[int] = mapped_column(Integer)


class Alert(Base):
    """A normalised alert; at most one open (firing) alert per integration and dedup key."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_open_dedup_key", "integration_id", "dedup_key", unique=True,
            sqlite_where=text("status = 'firing'"), postgresql_where=text("status = 'firing'"),
        ),
        Index("ix_alerts_incident_id", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), default=None)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), default=None)
    dedup_key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # firing | resolved | recorded
    summary: Mapped[str] = mapped_column(String(1024))
    source: Mapped[str] = mapped_column(String(255))
    component: Mapped[str | None] = mapped_column(String(255), default=None)
    severity_hint: Mapped[str | None] = mapped_column(String(32), default=None)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    count: Mapped[int] = mapped_column(Integer, default=1)

    integration: Mapped[Integration] = relationship(lazy="joined")
