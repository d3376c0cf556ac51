"""Server-side web sessions: the browser holds a random secret, the table holds its hash and the CSRF token."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from codeblue.auth.models import User, WebSession
from codeblue.auth.service import hash_secret

COOKIE = "codeblue_session"
TOUCH_EVERY = timedelta(minutes=5)  # last_seen_at is kept this fresh, not rewritten on every request


def start(session: Session, *, user: User, address: str, user_agent: str, now: datetime,
          lifetime: timedelta, idle: timedelta) -> tuple[WebSession, str]:
    """A new session for the user (never a reused one, so a planted cookie is worthless); the secret is returned once."""
    session.execute(delete(WebSession).where(or_(WebSession.expires_at <= now, WebSession.last_seen_at <= now - idle)))
    secret = secrets.token_urlsafe(32)
    row = WebSession(id=hash_secret(secret), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                     address=address[:64], user_agent=user_agent[:300], created_at=now, last_seen_at=now,
                     expires_at=now + lifetime)
    row.user = user
    session.add(row)
    session.flush()
    return row, secret


def find(session: Session, *, secret: str, now: datetime, idle: timedelta) -> WebSession | None:
    """The live session behind a cookie: not past its lifetime, not idle too long, its user still active."""
    if not secret or len(secret) > 128:
        return None
    row = session.scalar(select(WebSession).where(WebSession.id == hash_secret(secret)))
    if row is None or row.expires_at <= now or row.last_seen_at <= now - idle or not row.user.active:
        return None
    return row


def needs_touch(row: WebSession, now: datetime) -> bool:
    return now - row.last_seen_at >= TOUCH_EVERY


def touch(session: Session, *, session_id: str, now: datetime) -> None:
    session.execute(update(WebSession).where(WebSession.id == session_id).values(last_seen_at=now))


def end(session: Session, *, secret: str) -> WebSession | None:
    """Sign out: the session row goes, so the cookie opens nothing even if it was copied."""
    row = session.scalar(select(WebSession).where(WebSession.id == hash_secret(secret))) if secret else None
    if row is not None:
        session.delete(row)
    return row
