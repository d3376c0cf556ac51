"""Email over SMTP (aiosmtplib), with STARTTLS or implicit TLS and optional AUTH."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from codeblue.notify.channels import _http
from codeblue.notify.message import DeliveryError, Message, SendResult


@dataclass(frozen=True)
class EmailConfig:
    """The SMTP server to submit to. starttls requires the upgrade; use_tls is TLS from the first byte."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    use_tls: bool = False
    sender: str = "codeblue@localhost"
    validate_certs: bool = True


def _one_line(value: str) -> str:
    # A CR or LF in a header would let text inject headers; email refuses them outright.
    return re.sub(r"[\r\n]+", " ", value).strip()


def build(message: Message, *, sender: str, now: float) -> EmailMessage:
    """The email for a message; its Message-ID derives from the idempotency key, so a retry reuses it."""
    if re.search(r"[\r\n,;]", message.address):
        raise DeliveryError("email: the address must be a single recipient", retryable=False)
    email = EmailMessage()
    email["Subject"] = _one_line(message.subject) or "Code Blue notification"
    email["From"] = sender
    email["To"] = message.address
    email["Date"] = formatdate(now, usegmt=True)
    domain = sender.rpartition("@")[2] or "codeblue.invalid"
    email["Message-ID"] = f"<{hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]}@{domain}>"
    email["X-CodeBlue-Idempotency-Key"] = _one_line(message.idempotency_key)
    body = message.text
    if message.ack_url:
        body += f"\n\nAcknowledge: {message.ack_url}"
    email.set_content(body + "\n")
    return email


class EmailChannel:
    """Submits one email per message to the configured SMTP server."""

    name = "email"

    def __init__(self, config: EmailConfig, *, timeout: float = _http.DEFAULT_TIMEOUT,
                 now: Callable[[], float] = time.time) -> None:
        self.config = config
        self.timeout = timeout
        self.now = now

    async def send(self, message: Message) -> SendResult:
        cfg = self.config
        try:
            email = build(message, sender=cfg.sender, now=self.now())
            _, reply = await aiosmtplib.send(
                email, sender=cfg.sender, recipients=[message.address], hostname=cfg.host, port=cfg.port,
                username=cfg.username, password=cfg.password, use_tls=cfg.use_tls,
                # Implicit TLS already encrypts; otherwise starttls=True makes the upgrade mandatory
                # rather than opportunistic, so a stripped STARTTLS offer fails instead of sending in clear.
                start_tls=False if cfg.use_tls else cfg.starttls,
                validate_certs=cfg.validate_certs, timeout=self.timeout,
            )
            return SendResult(provider_id=email["Message-ID"], detail=reply[:200])
        except DeliveryError:
            raise
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [e.code for e in exc.recipients]
            raise _smtp_error(codes[0] if codes else 550, "; ".join(e.message for e in exc.recipients)) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise _smtp_error(exc.code, exc.message) from None
        except (TimeoutError, aiosmtplib.SMTPTimeoutError):
            raise DeliveryError(f"email: no answer within {self.timeout:g} s") from None
        except OSError as exc:  # refused, reset, DNS, TLS; aiosmtplib's connect/disconnect errors are OSErrors
            raise DeliveryError(f"email: {type(exc).__name__}: {exc}",
                                retryable=not _http.cert_rejected(exc)) from None
        except aiosmtplib.SMTPException as exc:
            # What is left is configuration: STARTTLS or AUTH required but not offered, and the like.
            raise DeliveryError(f"email: {exc}", retryable=False) from None
        except Exception as exc:
            raise _http.unexpected(self.name, exc) from exc


def _smtp_error(code: int, text: str) -> DeliveryError:
    # SMTP's own rule: 5xx is a permanent refusal, 4xx a transient one; a code outside both (aiosmtplib
    # uses -1 when there was no reply) is treated as transient.
    return DeliveryError(f"email: SMTP {code}: {text[:200]}", retryable=not 500 <= code < 600)
