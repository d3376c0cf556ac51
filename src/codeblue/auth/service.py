"""Users and tokens: create, look up, authenticate."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from codeblue.audit import service as audit
from codeblue.auth.actor import SYSTEM, Actor
from codeblue.auth.models import ApiToken, User, WebSession
from codeblue.auth.permissions import GRANTABLE, Role
from codeblue.errors import BadInput, Conflict, NotFound, Unauthorized

TOKEN_PREFIX = "cb_"
_hasher = PasswordHasher()


def hash_secret(secret: str) -> str:
    """SHA-256 of a random, high-entropy secret; enough, unlike for passwords, to store it safely."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str = TOKEN_PREFIX) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise BadInput(f"unknown role '{value}'; one of: {', '.join(r.value for r in Role)}") from None


def get_user(session: Session, *, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def require_user(session: Session, *, email: str) -> User:
    user = get_user(session, email=email)
    if user is None:
        raise NotFound(f"no user with email '{email}'")
    return user


def _audit(session: Session, *, actor: Actor, action: str, subject_type: str, subject_id: object, now: datetime,
           before: dict | None = None, after: dict | None = None) -> None:
    audit.record(session, actor=actor, action=action, subject_type=subject_type, subject_id=subject_id, now=now,
                 before=before, after=after)


def create_user(
    session: Session, *, email: str, name: str, role: str, now: datetime, password: str | None = None,
    actor: Actor = SYSTEM,
) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise BadInput(f"'{email}' is not an email address")
    if get_user(session, email=email) is not None:
        raise Conflict(f"a user with email '{email}' exists already")
    user = User(
        email=email,
        name=name,
        role=_role(role).value,
        password_hash=hash_password(password) if password else None,
        created_at=now,
    )
    session.add(user)
    session.flush()
    _audit(session, actor=actor, action="user.created", subject_type="user", subject_id=user.email, now=now,
           after={"id": user.id, "name": user.name, "role": user.role, "password_set": password is not None})
    return user


def create_token(
    session: Session, *, user: User, now: datetime, role: str | None = None, name: str = "api",
    actor: Actor = SYSTEM,
) -> tuple[ApiToken, str]:
    """A new token for the user; the secret is returned once and never stored."""
    token_role = _role(role) if role else Role(user.role)
    if token_role not in GRANTABLE[Role(user.role)]:
        raise BadInput(
            f"user '{user.email}' has role '{user.role}' and cannot hold a '{token_role.value}' token"
        )
    secret = new_secret()
    token = ApiToken(
        user_id=user.id,
        name=name,
        role=token_role.value,
        token_hash=hash_secret(secret),
        prefix=secret[:10],
        created_at=now,
    )
    session.add(token)
    session.flush()
    _audit(session, actor=actor, action="token.created", subject_type="api_token", subject_id=token.id, now=now,
           after={"user": user.email, "name": name, "role": token.role, "prefix": token.prefix})
    return token, secret


def authenticate(session: Session, *, secret: str, now: datetime) -> Actor:
    """The actor behind a bearer token, or Unauthorized."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        raise Unauthorized("the API token is not valid")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("the API token has expired")
    return Actor(kind="user", name=token.user.email, user_id=token.user_id, role=Role(token.role))


PASSWORD_MIN, PASSWORD_MAX = 12, 1024


def set_password(session: Session, *, user: User, password: str, now: datetime, actor: Actor = SYSTEM) -> None:
    """Set a user's password and end their web sessions, so an old password's sign-ins stop too."""
    if len(password) < PASSWORD_MIN:
        raise BadInput(f"a password needs at least {PASSWORD_MIN} characters", details={"field": "password"})
    if len(password) > PASSWORD_MAX:
        raise BadInput(f"a password may have at most {PASSWORD_MAX} characters", details={"field": "password"})
    if password.strip().lower() == user.email:
        raise BadInput("a password may not be the account's email", details={"field": "password"})
    had = user.password_hash is not None
    user.password_hash = hash_password(password)
    ended = session.execute(delete(WebSession).where(WebSession.user_id == user.id)).rowcount
    _audit(session, actor=actor, action="user.password_set", subject_type="user", subject_id=user.email, now=now,
           before={"password_set": had}, after={"password_set": True, "sessions_ended": ended})


def password_needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, *, token_id: int, now: datetime, actor: Actor = SYSTEM) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now
        _audit(session, actor=actor, action="token.revoked", subject_type="api_token", subject_id=token.id, now=now,
               before={"revoked_at": None}, after={"revoked_at": now, "user": token.user.email, "name": token.name})
    return token


def require_user_by_id(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user
