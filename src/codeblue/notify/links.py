"""Signed, expiring acknowledge links: /ack/{token}. Single use is enforced by the stored notification."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime


def _mac(body: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(notification_id: int, *, secret: str, expires: datetime) -> str:
    body = f"{notification_id}.{int(expires.timestamp())}"
    return f"{body}.{_mac(body, secret)}"


class BadLink(Exception):
    """The link was altered, is malformed, or has expired."""


def verify(token: str, *, secret: str, now: datetime) -> int:
    """The notification id a valid token names; BadLink otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise BadLink("this acknowledge link is malformed")
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(body, secret), parts[2]):
        raise BadLink("this acknowledge link is not valid")
    if datetime.fromtimestamp(int(parts[1]), UTC) <= now:
        raise BadLink("this acknowledge link has expired")
    return int(parts[0])
