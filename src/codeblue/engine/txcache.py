"""Memos that live as long as one transaction: what a batch of timers reads once instead of once per timer.

The engine fires a batch of timers in one transaction at one `now`. Much of what each one reads is the
same for all (the policy, who is on call) or can be read for all in one query (their incidents and
escalations, locked together). A memo is tied to the session's root transaction, so the next
transaction starts afresh; the engine clears them when it rolls a batch back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

_KEY = "codeblue_txcache"


def get(session: Session, name: str) -> dict[Any, Any]:
    """The memo `name` for the session's current transaction, empty at its start."""
    root = session.get_transaction()
    held = session.info.get(_KEY)
    if held is None or held[0] is not root:
        held = session.info[_KEY] = (root, {})
    return held[1].setdefault(name, {})


def clear(session: Session) -> None:
    """Forget every memo: after a rollback to a savepoint they may name rows that are gone."""
    session.info.pop(_KEY, None)
