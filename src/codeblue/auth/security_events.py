"""The one place sign-ins, sign-outs, lockouts and refusals are handed to the audit trail.

Each event is an entry in the hash-chained audit log (action `auth.<event>`) and a structured line
on the `codeblue.audit` logger, so a log pipeline sees it too.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from codeblue.audit import service as audit
from codeblue.auth.actor import Actor
from codeblue.db import Database

log = logging.getLogger("codeblue.audit")

_TEXT_MAX = 500  # what one refused request may put in the log: enough to read it, too little to flood it


def anonymous(address: str | None) -> Actor:
    """Whoever sent a request without a credential that names them: known only by their address."""
    return Actor(kind="anonymous", name=(address or "unknown")[:200])


def _short(value: Any) -> Any:
    if isinstance(value, str):
        return value[:_TEXT_MAX]
    if isinstance(value, dict):
        return {str(k)[:64]: _short(v) for k, v in list(value.items())[:20]}
    return value


def record_security_event(
    action: str,
    *,
    actor: Actor,
    subject: str,
    outcome: str,
    at: datetime,
    subject_type: str = "user",
    address: str | None = None,
    details: dict[str, Any] | None = None,
    session: Session | None = None,
    db: Database | None = None,
) -> None:
    """Record one security event in `session` (the unit of work it belongs to) or, when the request's
    own work is rolled back (a refusal), in a unit of work of its own on `db`.

    The audit entry of a refusal is one short transaction (the chain's head and one row), so a flood
    of refused requests holds the database's writer only for as long as each insert takes.
    """
    after = {"outcome": outcome, "address": address, **_short(details or {})}
    log.info(json.dumps({"event": action, "actor": actor.label, "subject": subject, "outcome": outcome,
                         "at": at.isoformat(), "address": address, "details": details or {}}, default=str))
    fields = dict(actor=actor, action=f"auth.{action}", subject_type=subject_type, subject_id=subject[:64],
                  now=at, after=after)
    if session is not None:
        audit.record(session, **fields)
        return
    if db is None:
        raise RuntimeError("record_security_event needs the unit of work's session, or the database to open one")
    try:
        with db.unit_of_work() as own:
            audit.record(own, **fields)
    except SQLAlchemyError:
        # The refusal still answers 401/403 and the log line above stands; a busy database must not turn
        # a refusal into a 500.
        log.exception("could not write the audit entry for %s by %s", action, actor.label)
