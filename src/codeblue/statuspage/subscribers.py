"""Status-page subscribers: double opt-in by an emailed link, an unsubscribe link in every email."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.errors import BadInput, NotFound
from codeblue.notify import outbox
from codeblue.statuspage.models import StatusPost, Subscriber

EMAIL = re.compile(r"[^@\s<>,;\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}")
RESEND_AFTER = timedelta(minutes=10)  # one confirmation email per address per ten minutes
CONFIRM_FOR = timedelta(days=7)
_UNSUB = re.compile(r"([0-9]{1,12})\.([A-Za-z0-9_-]{1,64})")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_email(value: str) -> str:
    email = value.strip()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise BadInput("give one email address, like name@example.org", details={"field": "email"})
    return email.lower()


def subscribe(session: Session, *, email: str, now: datetime, base_url: str) -> None:
    """Send a confirmation link (again, if asked again after RESEND_AFTER); a confirmed address is left as is.

    Says nothing back about whether the address was known, so the form cannot list subscribers.
    """
    email = parse_email(email)
    row = session.scalar(select(Subscriber).where(Subscriber.email == email))
    if row is None:
        row = Subscriber(email=email, created_at=now)
        session.add(row)
    elif row.confirmed_at is not None or (row.confirm_sent_at and now - row.confirm_sent_at < RESEND_AFTER):
        return
    token = secrets.token_urlsafe(32)
    row.confirm_hash, row.confirm_sent_at = _hash(token), now
    session.flush()
    outbox.enqueue(session, key=f"status-confirm:{row.id}:{row.confirm_hash[:16]}", purpose="status",
                   channel="email", address=email, subject="Confirm your status updates subscription",
                   text=f"Someone (we hope you) asked for email updates from our status page.\n\n"
                        f"Confirm: {base_url}/status/confirm/{token}\n\n"
                        f"If it was not you, ignore this email: nothing is sent until the link is opened.",
                   now=now)


def confirm(session: Session, *, token: str, now: datetime) -> Subscriber:
    row = session.scalar(select(Subscriber).where(Subscriber.confirm_hash == _hash(token)))
    if row is None or row.confirm_sent_at is None or now - row.confirm_sent_at > CONFIRM_FOR:
        raise NotFound("this confirmation link is not valid, was already used, or has expired")
    row.confirmed_at, row.confirm_hash = now, None
    return row


def _mac(subscriber_id: int, email: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"unsubscribe.{subscriber_id}.{email}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def unsubscribe_token(row: Subscriber, *, secret: str) -> str:
    return f"{row.id}.{_mac(row.id, row.email, secret)}"


def by_unsubscribe_token(session: Session, *, token: str, secret: str) -> Subscriber:
    match = _UNSUB.fullmatch(token)
    row = session.get(Subscriber, int(match.group(1))) if match else None
    if row is None or not hmac.compare_digest(_mac(row.id, row.email, secret), match.group(2)):
        raise NotFound("this unsubscribe link is not valid, or the address is already unsubscribed")
    return row


def unsubscribe(session: Session, *, token: str, secret: str) -> None:
    """Forget the address altogether: an unsubscribed address is not kept."""
    session.delete(by_unsubscribe_token(session, token=token, secret=secret))


def email_post(session: Session, *, post: StatusPost, now: datetime, base_url: str, secret: str) -> int:
    """One outbox email per confirmed subscriber; how many were queued."""
    rows = list(session.scalars(select(Subscriber).where(Subscriber.confirmed_at.is_not(None))
                                .order_by(Subscriber.id)))
    for row in rows:
        outbox.enqueue(session, key=f"status-post:{post.id}:{row.id}", purpose="status", channel="email",
                       address=row.email, subject=post.subject,
                       text=f"{post.body}\n\n--\nStatus page: {base_url}/status\n"
                            f"Unsubscribe: {base_url}/status/unsubscribe/{unsubscribe_token(row, secret=secret)}",
                       now=now)
    return len(rows)
