"""The one place sign-ins, sign-outs and refusals are handed to the audit trail.

Until the hash-chained audit log lands, each event is a structured line on the `codeblue.audit`
logger; the audit package replaces the body of record_security_event and nothing else changes.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

log = logging.getLogger("codeblue.audit")


def record_security_event(
    action: str,
    *,
    actor: str,
    subject: str,
    outcome: str,
    at: datetime,
    address: str | None = None,
    details: dict[str, Any] | None = None,
    session: Session | None = None,
) -> None:
    """Record one security event: `session` is the unit of work it belongs to, or None when the
    request's own work is rolled back (a refusal), so the event must be written on its own."""
    del session  # the audit package writes through it; the log line needs no transaction
    log.info(json.dumps({"event": action, "actor": actor, "subject": subject, "outcome": outcome,
                         "at": at.isoformat(), "address": address, "details": details or {}}, default=str))
