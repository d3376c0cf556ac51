"""Users and tokens: create, look up, authenticate."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.actor import Actor
from codeblue.auth.models import ApiToken, User
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


def create_user(
    session: Session, *, email: str, name: str, role: str, now: datetime, password: str | None = None
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
    return user


def create_token(
    session: Session, *, user: User, now: datetime, role: str | None = None, name: str = "api"
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
    return token, secret


def authenticate(session: Session, *, secret: str, now: datetime) -> Actor:
    """The actor behind a bearer token, or Unauthorized."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        raise Unauthorized("the API token is not valid")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("the API token has expired")
    return Actor(kind="user", name=token.user.email, user_id=token.user_id, role=Role(token.role))
