"""Signed, expiring acknowledge links: /ack/{token}. Single use is enforced by the stored notification."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime

# ASCII digits only: str.isdigit() also accepts '²' and the like, which int() then refuses.
_TOKEN = re.compile(r"([0-9]{1,18})\.([0-9]{1,12})\.([A-Za-z0-9_-]{1,64})")


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
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise BadLink("this acknowledge link is malformed")
    notification_id, expires, mac = match.groups()
    if not hmac.compare_digest(_mac(f"{notification_id}.{expires}", secret).encode(), mac.encode()):
        raise BadLink("this acknowledge link is not valid")
    if int(expires) <= now.timestamp():
        raise BadLink("this acknowledge link has expired")
    return int(notification_id)
