"""Writing to the outbox (inside the caller's transaction) and rendering pages PHI-safe."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from codeblue.engine import wake
from codeblue.notify.models import Notification


def enqueue(
    session: Session,
    *,
    key: str,
    purpose: str,
    channel: str,
    address: str,
    subject: str,
    text: str,
    now: datetime,
    due: datetime | None = None,
    incident_id: int | None = None,
    user_id: int | None = None,
    contact_method_id: int | None = None,
    fence: int | None = None,
    step: int | None = None,
    loop: int | None = None,
    data: dict[str, Any] | None = None,
) -> Notification:
    """Add a message unless one with this idempotency key exists; return whichever is stored."""
    # Every message is flushed as it is added (below), so none with this key can be waiting unflushed;
    # the rest of the transaction's changes go out with that flush, not one flush earlier.
    with session.no_autoflush:
        existing = session.scalar(select(Notification).where(Notification.idempotency_key == key))
    if existing is not None:
        return existing
    row = Notification(
        idempotency_key=key, purpose=purpose, channel=channel, address=address, subject=subject[:500], text=text,
        data=data or {}, incident_id=incident_id, user_id=user_id, contact_method_id=contact_method_id, fence=fence,
        step=step, loop=loop, status="pending", next_attempt_at=due or now, created_at=now,
        ack_code=f"{secrets.randbelow(10**6):06d}" if purpose == "page" else None,
    )
    session.add(row)
    session.flush()
    wake.due(session, "outbox", row.next_attempt_at)
    return row


def cancel_pages(session: Session, *, incident_id: int, reason: str, now: datetime) -> int:
    """Pages not yet sent for this incident will not be: it was acknowledged or resolved.

    A page a sender holds a lease on is left to it: it is on the wire (and arrives before this
    commits, see notify/gate.py) or about to look at the fence, see it moved, and cancel it itself.
    """
    result = session.execute(
        update(Notification)
        .where(Notification.incident_id == incident_id, Notification.purpose == "page",
               Notification.status == "pending",
               or_(Notification.lease_until.is_(None), Notification.lease_until < now))
        .values(status="cancelled", last_error=reason)
    )
    return result.rowcount or 0


def page_text(*, ref: str, severity: str, service: str, title: str, link: str, ack_code: str | None = None) -> str:
    """What a page says: identity, severity, service, title, link; never alert payload details."""
    lines = [f"[{severity}] {ref} {service}: {title}", link]
    if ack_code:
        lines.append(f"Reply ACK {ack_code} to acknowledge")
    return "\n".join(lines)
