"""Timers: every future action is a row, never an in-memory sleep."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from codeblue.db import Base, JSONType, UTCDateTime


class Timer(Base):
    """One pending action: kind + subject is unique, so re-arming moves the one timer instead of adding one."""

    __tablename__ = "timers"
    __table_args__ = (UniqueConstraint("kind", "subject_id"), Index("ix_timers_due_at", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fence: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    armed_at: Mapped[datetime] = mapped_column(UTCDateTime)
