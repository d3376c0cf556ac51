"""The hash chain as pure functions: what an entry's hash covers, and where a stored chain breaks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

GENESIS = "0" * 64  # the "previous hash" of the first entry


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def canonical(value: Any) -> str:
    """One text for one value: sorted keys, no spaces, dates as ISO strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


@dataclass(frozen=True)
class Content:
    """Everything an entry's hash covers: all of it but the database id and the hash itself."""

    seq: int
    at: datetime
    actor: str
    actor_user_id: int | None
    action: str
    subject_type: str
    subject_id: str
    before_json: str | None
    after_json: str | None
    prev_hash: str


def content_hash(c: Content) -> str:
    fields = [c.seq, c.at.astimezone(UTC).isoformat(), c.actor, c.actor_user_id, c.action, c.subject_type,
              c.subject_id, c.before_json, c.after_json, c.prev_hash]
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    """One stored entry as the verifier sees it: its number, its id, the hashes it stores and its content's."""

    seq: int
    id: int
    prev_hash: str
    hash: str
    recomputed: str


@dataclass(frozen=True)
class Problem:
    kind: Literal["edited", "inserted", "deleted"]
    seq: int
    entry_id: int | None
    message: str


def _edited(link: Link, why: str) -> Problem:
    return Problem("edited", link.seq, link.id, f"entry #{link.seq} (id {link.id}) was edited: {why}")


def _inserted(link: Link, why: str) -> Problem:
    return Problem("inserted", link.seq, link.id, f"entry #{link.seq} (id {link.id}) was inserted: {why}")


def _deleted(first: int, last: int, why: str) -> Problem:
    which = f"entry #{first}" if first == last else f"entries #{first} to #{last}"
    return Problem("deleted", first, None, f"{which} {'was' if first == last else 'were'} deleted: {why}")


def first_problem(links: Iterable[Link], head: tuple[int, str] | None) -> tuple[int, Problem | None]:
    """Walk the chain in `seq` order; how many entries it holds and the first break, if any.

    `head` is the stored (seq, hash) of the last entry appended, or None when no head is stored.
    """
    prev: Link | None = None
    prev_seq, prev_hash, count = 0, GENESIS, 0
    for link in links:
        count += 1
        if link.seq <= prev_seq:
            return count, _inserted(link, f"its number repeats or goes back after #{prev_seq}")
        sealed = link.recomputed == link.hash
        linked = link.prev_hash == prev_hash
        if link.seq > prev_seq + 1:
            if linked:
                return count, _edited(link, f"its number was changed (it follows #{prev_seq} directly)")
            return count, _deleted(prev_seq + 1, link.seq - 1, f"#{link.seq} follows #{prev_seq}")
        if linked and not sealed:
            return count, _edited(link, "its content no longer matches its hash")
        if not linked:
            if not sealed:
                return count, _inserted(link, f"its hash does not match its content, nor does it link to #{prev_seq}")
            if prev is None:
                return count, _edited(link, "the first entry does not start from the chain's origin")
            return count, _edited(prev, f"its hash was recomputed, so #{link.seq} no longer links to it")
        prev, prev_seq, prev_hash = link, link.seq, link.hash
    if head is None:
        if count:
            return count, Problem("deleted", 0, None, "the chain's head record was deleted")
        return count, None
    head_seq, head_hash = head
    if prev_seq < head_seq:
        return count, _deleted(prev_seq + 1, head_seq, f"the last entry appended was #{head_seq}")
    if prev_seq > head_seq:
        return count, Problem("inserted", head_seq + 1, None,
                              f"entries after #{head_seq} were inserted: the last entry appended was #{head_seq}")
    if prev is not None and prev_hash != head_hash:
        return count, _edited(prev, "its hash differs from the one recorded when it was appended")
    return count, None
