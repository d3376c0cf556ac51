"""Breach cases, the notices they owe and the evidence that each notice was sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from codeblue.db import Base, JSONType, UTCDateTime
from codeblue.incidents.models import Incident


class BreachCase(Base):
    """The HIPAA breach assessment of one incident flagged PHI suspected (45 CFR 164.402-414)."""

    __tablename__ = "breach_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="assessing")  # assessing | decided
    opened_reason: Mapped[str] = mapped_column(Text, default="")
    # Discovery (164.404(a)(2)): both dates are kept; discovery is the earlier.
    actual_knowledge_on: Mapped[date | None] = mapped_column(Date, default=None)
    reasonable_diligence_on: Mapped[date | None] = mapped_column(Date, default=None)
    discovered_by: Mapped[str] = mapped_column(String(254), default="")
    occurred_on: Mapped[date | None] = mapped_column(Date, default=None)
    breach_type: Mapped[str] = mapped_column(String(100), default="")
    phi_location: Mapped[str] = mapped_column(String(100), default="")
    # Who we are in this breach, and the business associate's part (164.410).
    entity_role: Mapped[str] = mapped_column(String(24), default="covered_entity")
    ba_relationship: Mapped[str | None] = mapped_column(String(16), default=None)  # agent | independent
    ba_discovered_on: Mapped[date | None] = mapped_column(Date, default=None)
    ba_notified_ce_on: Mapped[date | None] = mapped_column(Date, default=None)
    licensed_facility: Mapped[bool] = mapped_column(Boolean, default=False)
    # Exceptions (164.402(1)(i)-(iii)) and the safe harbor for secured PHI.
    exception: Mapped[str | None] = mapped_column(String(8), default=None)  # i | ii | iii
    exception_notes: Mapped[str] = mapped_column(Text, default="")
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    encryption_standard: Mapped[str] = mapped_column(String(200), default="")
    key_compromised: Mapped[bool] = mapped_column(Boolean, default=False)
    destroyed: Mapped[bool] = mapped_column(Boolean, default=False)
    destruction_method: Mapped[str] = mapped_column(String(200), default="")
    # The four-factor risk assessment (164.402(2)): one narrative per factor.
    factor_nature: Mapped[str] = mapped_column(Text, default="")
    factor_recipient: Mapped[str] = mapped_column(Text, default="")
    factor_acquired: Mapped[str] = mapped_column(Text, default="")
    factor_mitigation: Mapped[str] = mapped_column(Text, default="")
    # Affected individuals.
    individuals_total: Mapped[int | None] = mapped_column(Integer, default=None)
    individuals_per_state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    deceased: Mapped[int] = mapped_column(Integer, default=0)
    insufficient_contact: Mapped[int] = mapped_column(Integer, default=0)
    # Law-enforcement delay (164.412).
    le_oral_on: Mapped[date | None] = mapped_column(Date, default=None)
    le_official: Mapped[str] = mapped_column(String(254), default="")
    le_written_on: Mapped[date | None] = mapped_column(Date, default=None)
    le_written_until: Mapped[date | None] = mapped_column(Date, default=None)
    counsel_decision: Mapped[str] = mapped_column(Text, default="")
    # The decision, signed by a named compliance officer.
    decision: Mapped[str | None] = mapped_column(String(24), default=None)  # breach | low_probability | exception
    decision_rationale: Mapped[str] = mapped_column(Text, default="")
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_by: Mapped[str] = mapped_column(String(254), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    incident: Mapped[Incident] = relationship(lazy="joined")
    notices: Mapped[list[BreachNotice]] = relationship(
        back_populates="case", lazy="selectin", cascade="all, delete-orphan",
        order_by="(BreachNotice.due_on, BreachNotice.id)")


class BreachNotice(Base):
    """One notice the breach owes (individuals, HHS, media in a state, a regulator...), tracked to its deadline."""

    __tablename__ = "breach_notices"
    __table_args__ = (UniqueConstraint("case_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("breach_cases.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))  # stable across recomputation, e.g. "media:CA"
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(300))
    state: Mapped[str | None] = mapped_column(String(2), default=None)
    due_on: Mapped[date | None] = mapped_column(Date, default=None)
    base_due_on: Mapped[date | None] = mapped_column(Date, default=None)
    citation: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | not_required
    auto_closed: Mapped[bool] = mapped_column(Boolean, default=False)  # not_required because the facts changed
    sent_on: Mapped[date | None] = mapped_column(Date, default=None)
    method: Mapped[str] = mapped_column(String(200), default="")
    sent_by: Mapped[str] = mapped_column(String(254), default="")
    reminder_days: Mapped[list[int]] = mapped_column(JSONType, default=list)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[BreachCase] = relationship(back_populates="notices")
    evidence: Mapped[list[NoticeEvidence]] = relationship(
        back_populates="notice", lazy="selectin", cascade="all, delete-orphan", order_by="NoticeEvidence.id")


class NoticeEvidence(Base):
    """Proof a notice went out: a description, a reference (tracking number, URL, file), and its SHA-256."""

    __tablename__ = "breach_notice_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("breach_notices.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(1000), default="")
    content: Mapped[str | None] = mapped_column(Text, default=None)
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    added_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    notice: Mapped[BreachNotice] = relationship(back_populates="evidence")
