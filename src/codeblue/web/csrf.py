"""CSRF tokens: a signed-in form carries its session's token; the sign-in form one bound to a pre-session cookie."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PRESESSION_COOKIE = "codeblue_presession"
FIELD = "csrf_token"


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def presession_token(secret_key: str, nonce: str) -> str:
    """The token the sign-in form carries: only a page that set the cookie can know it."""
    return hmac.new(secret_key.encode(), b"presession:" + nonce.encode(), hashlib.sha256).hexdigest()


def same(sent: object, expected: str) -> bool:
    return isinstance(sent, str) and bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())
