"""Incident IDs: INC-YYYY-MM-DD-NNN, numbered per UTC day, unique under concurrent creation."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from codeblue.incidents.models import DaySequence


def format_ref(day: str, number: int) -> str:
    return f"INC-{day}-{number:03d}"


def next_ref(session: Session, *, now: datetime) -> str:
    """Take the next number for now's UTC day in one atomic upsert; the row lock serialises takers."""
    day = now.astimezone(UTC).strftime("%Y-%m-%d")
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(DaySequence)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": DaySequence.last + 1})
        .returning(DaySequence.last)
    )
    number = session.execute(stmt).scalar_one()
    return format_ref(day, number)
