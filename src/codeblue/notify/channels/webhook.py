"""Generic webhook: a signed JSON POST to the address, with the idempotency key as a header."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from codeblue.notify.channels import _http
from codeblue.notify.message import DeliveryError, Message, SendResult


@dataclass(frozen=True)
class WebhookConfig:
    """signing_secret, when set, adds X-CodeBlue-Signature so receivers can prove the POST came from us."""

    signing_secret: str | None = None


def sign(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """The X-CodeBlue-Signature value: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">."""
    raw = body.encode() if isinstance(body, str) else body
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: int | str, body: str | bytes, signature: str, *, now: float,
           tolerance: float = 300) -> bool:
    """For receivers: the signature matches and the timestamp is within tolerance seconds of now."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    # The timestamp is signed, so bounding its age stops an old captured request being replayed later.
    if abs(now - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body).encode(), str(signature).encode())


class WebhookChannel:
    """POSTs the message as JSON; 2xx is delivered."""

    name = "webhook"

    def __init__(self, config: WebhookConfig | None = None, *, timeout: float = _http.DEFAULT_TIMEOUT,
                 now: Callable[[], float] = time.time) -> None:
        self.config = config or WebhookConfig()
        self.timeout = timeout
        self.now = now

    def _body(self, message: Message) -> str:
        fields = {"idempotency_key": message.idempotency_key, "subject": message.subject, "text": message.text,
                  "ack_url": message.ack_url}
        # data may not overwrite the fixed fields: receivers dedupe on idempotency_key.
        fields.update({k: v for k, v in message.data.items() if k not in fields})
        return json.dumps(fields, separators=(",", ":"), default=str)

    async def send(self, message: Message) -> SendResult:
        try:
            body = self._body(message)
            timestamp = int(self.now())
            headers = {"Content-Type": "application/json", "Idempotency-Key": message.idempotency_key,
                       "X-CodeBlue-Timestamp": str(timestamp)}
            if self.config.signing_secret:
                headers["X-CodeBlue-Signature"] = sign(self.config.signing_secret, timestamp, body)
            response = await _http.post(self.name, message.address, timeout=self.timeout,
                                        content=body.encode(), headers=headers)
            if not 200 <= response.status_code < 300:
                raise _http.status_error(self.name, response)
            return SendResult(detail=f"HTTP {response.status_code}")
        except DeliveryError:
            raise
        except Exception as exc:
            raise _http.unexpected(self.name, exc) from exc
