"""Signing in with email and password, with back-off per account and per address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from codeblue.auth import lockout, sessions
from codeblue.auth import service as auth
from codeblue.auth.actor import Actor
from codeblue.auth.models import SignInThrottle
from codeblue.auth.security_events import record_security_event

MISMATCH = "That email and password do not match an active account."


@dataclass(frozen=True)
class Attempt:
    """Who is trying, from where."""

    email: str
    password: str
    address: str
    user_agent: str = ""


@dataclass(frozen=True)
class SignIn:
    """The new session's cookie secret, or what to tell the person and how long to wait."""

    secret: str | None = None
    problem: str | None = None
    retry_after: int = 0


@cache
def _dummy_hash() -> str:
    # Unknown emails are checked against this, so a wrong email takes as long as a wrong password.
    return auth.hash_password("no account has this password")


def sign_in(session: Session, *, attempt: Attempt, now: datetime, lifetime: timedelta, idle: timedelta) -> SignIn:
    """Check the password unless the account or address is locked; a failure is counted in this unit of work."""
    email = attempt.email.strip().lower()[:254]
    address = attempt.address[:254] or "unknown"
    wait = max(lockout.retry_after(_locked_until(session, "account", email), now),
               lockout.retry_after(_locked_until(session, "address", address), now))
    claimed = Actor(kind="user", name=email)
    if wait:
        record_security_event("sign_in_locked", actor=claimed, subject=email, outcome="locked", at=now,
                              address=address, details={"retry_after": wait}, session=session)
        return SignIn(problem=f"Too many failed sign-ins. Try again in {_wait_text(wait)}.", retry_after=wait)
    user = auth.get_user(session, email=email)
    stored = user.password_hash if user is not None and user.password_hash else None
    matches = auth.verify_password(stored or _dummy_hash(), attempt.password)
    if user is None or stored is None or not matches or not user.active:
        actor = Actor(kind="user", name=email, user_id=user.id) if user is not None else claimed
        record_security_event("sign_in_failed", actor=actor, subject=email, outcome="failed", at=now,
                              address=address, session=session)
        for limits, scope, key in ((lockout.ACCOUNT, "account", email), (lockout.ADDRESS, "address", address)):
            until = _fail(session, limits, scope, key, now)
            if until is not None:
                record_security_event("lockout", actor=actor, subject=key, subject_type=f"sign_in_{scope}",
                                      outcome="locked", at=now, address=address, session=session,
                                      details={"scope": scope, "until": until.isoformat()})
        return SignIn(problem=MISMATCH)
    if auth.password_needs_rehash(stored):
        user.password_hash = auth.hash_password(attempt.password)
    session.execute(delete(SignInThrottle).where(SignInThrottle.scope == "account", SignInThrottle.key == email))
    _, secret = sessions.start(session, user=user, address=address, user_agent=attempt.user_agent, now=now,
                               lifetime=lifetime, idle=idle)
    record_security_event("sign_in", actor=_actor(user), subject=user.email, outcome="ok", at=now,
                          address=address, details={"method": "password"}, session=session)
    return SignIn(secret=secret)


def sign_out(session: Session, *, secret: str, address: str, now: datetime) -> None:
    row = sessions.end(session, secret=secret)
    if row is not None:
        record_security_event("sign_out", actor=_actor(row.user), subject=row.user.email, outcome="ok", at=now,
                              address=address, session=session)


def sso_sign_in(session: Session, *, user, address: str, user_agent: str, now: datetime, lifetime: timedelta,
                idle: timedelta, subject: str) -> str:
    """Start a session for a person the single sign-on provider vouched for; its cookie secret."""
    _, secret = sessions.start(session, user=user, address=address[:254] or "unknown", user_agent=user_agent,
                               now=now, lifetime=lifetime, idle=idle)
    record_security_event("sign_in", actor=_actor(user), subject=user.email, outcome="ok", at=now, address=address,
                          details={"method": "oidc", "oidc_subject": subject[:200]}, session=session)
    return secret


def sso_refused(session: Session, *, reason: str, address: str, now: datetime) -> None:
    record_security_event("sign_in_failed", actor=Actor(kind="anonymous", name=address[:200] or "unknown"),
                          subject="oidc", outcome="failed", at=now, address=address,
                          details={"method": "oidc", "reason": reason}, session=session)


def _actor(user) -> Actor:
    return Actor(kind="user", name=user.email, user_id=user.id)


def _locked_until(session: Session, scope: str, key: str) -> datetime | None:
    return session.scalar(select(SignInThrottle.locked_until).where(SignInThrottle.scope == scope,
                                                                    SignInThrottle.key == key))


def _fail(session: Session, limits: lockout.Limits, scope: str, key: str, now: datetime) -> datetime | None:
    """Count one failure; until when this failure locks the account or address, or None."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    # Two failures at once on PostgreSQL must not both insert: the row is made if missing, then locked.
    session.execute(module.insert(SignInThrottle).values(scope=scope, key=key, failures=0, last_failure_at=now)
                    .on_conflict_do_nothing(index_elements=["scope", "key"]))
    query = select(SignInThrottle).where(SignInThrottle.scope == scope, SignInThrottle.key == key)
    row = session.scalar(query.with_for_update() if dialect == "postgresql" else query)
    previous = row.last_failure_at if row.failures else None
    row.failures = lockout.failures_after(limits, failures=row.failures, last_failure_at=previous, now=now)
    row.last_failure_at = now
    row.locked_until = lockout.lock_until(limits, failures=row.failures, now=now)
    return row.locked_until


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' * (seconds != 1)}"
    minutes = (seconds + 59) // 60
    return f"{minutes} minute{'s' * (minutes != 1)}"
