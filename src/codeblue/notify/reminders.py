"""Reminders to people about a deadline: one outbox row per reachable contact method of each person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.models import User
from codeblue.notify import outbox
from codeblue.oncall.models import ContactMethod


def remind(session: Session, *, users: list[User], key: str, subject: str, text: str, now: datetime,
           incident_id: int | None = None) -> list[str]:
    """Queue the reminder for each person's contact methods; the names of those it reaches."""
    reached = []
    for user in users:
        methods = [m for m in session.scalars(select(ContactMethod).where(ContactMethod.user_id == user.id))
                   if m.address and not m.address.startswith("[")]  # "[PHONE]": a seed placeholder
        for method in methods:
            outbox.enqueue(session, key=f"{key}:{method.id}"[:200], purpose="reminder", channel=method.type,
                           address=method.address, subject=subject, text=text, now=now, incident_id=incident_id,
                           user_id=user.id, contact_method_id=method.id)
        if methods:
            reached.append(user.name)
    return reached


def users_with_roles(session: Session, roles: tuple[str, ...]) -> list[User]:
    return list(session.scalars(select(User).where(User.role.in_(roles), User.active.is_(True)).order_by(User.id)))
