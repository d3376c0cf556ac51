"""Post-incident reviews and their follow-up actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from codeblue.auth.models import User
from codeblue.db import Base, JSONType, UTCDateTime
from codeblue.incidents.models import Incident


class Review(Base):
    """One incident's post-incident review: pre-filled when it resolves, written by the team."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Pre-filled from the incident; the team may edit each.
    summary: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    timeline: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # [{"at", "text"}]
    actions_taken: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Written by the team.
    root_cause: Mapped[str] = mapped_column(Text, default="")
    analysis: Mapped[str] = mapped_column(Text, default="")
    contributing_factors: Mapped[str] = mapped_column(Text, default="")
    lessons_learned: Mapped[str] = mapped_column(Text, default="")
    prevention: Mapped[str] = mapped_column(Text, default="")
    compliance_impact: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    completed_by: Mapped[str | None] = mapped_column(String(254), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    incident: Mapped[Incident] = relationship(lazy="joined")
    follow_ups: Mapped[list[FollowUp]] = relationship(back_populates="review", lazy="selectin",
                                                      order_by="FollowUp.id")


class FollowUp(Base):
    """An action the review assigns: owner, due date, priority, and whether it was done."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_status_due_on", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), default=None,
                                                  index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(8))  # high | medium | low
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done | wont_do
    resolution: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    incident: Mapped[Incident] = relationship(lazy="joined")
    review: Mapped[Review | None] = relationship(back_populates="follow_ups")
    owner: Mapped[User] = relationship(lazy="joined")
