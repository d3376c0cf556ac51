"""Checklist items as live rows on an incident, and the evidence attached to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from codeblue.db import Base, JSONType, UTCDateTime


class ChecklistItem(Base):
    """One item of a pack checklist on one incident; the text is kept as it read when attached."""

    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("incident_id", "checklist_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    checklist_id: Mapped[str] = mapped_column(String(64))
    checklist_name: Mapped[str] = mapped_column(String(200))
    phase: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    auto: Mapped[str | None] = mapped_column(String(32), default=None)
    required_to_resolve: Mapped[list[str]] = mapped_column(JSONType, default=list)
    attached_for: Mapped[str] = mapped_column(String(64))  # "always" or the incident type that brought it
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    done_by: Mapped[str | None] = mapped_column(String(254), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Evidence(Base):
    """A log, file, command output or link, stored once and never altered while retention applies."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("incident_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No cascade: an incident with evidence under retention cannot be deleted from under it.
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # log | file | command_output | link
    name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    url: Mapped[str | None] = mapped_column(Text, default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by: Mapped[str] = mapped_column(String(254))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retain_until: Mapped[datetime] = mapped_column(UTCDateTime)
