"""The outbox sender: claim due messages, send them with no transaction open, record each outcome.

A send can take seconds (a slow SMTP server, a Twilio timeout). Held inside a transaction it would
stall every other write on SQLite and hold row locks an acknowledgement needs on PostgreSQL. So:
1. a short transaction leases due messages to this sender (claims.claim);
2. with no transaction open, the page gate is taken for each incident (notify/gate.py), the fence is
   read once more, and the messages still wanted are sent, all at once;
3. one short transaction records the batch's outcomes (delivery.record).
A sender that dies between 1 and 3 leaves leases that run out; the messages are then claimed again
and sent with the same idempotency key: at least once, never lost.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.clock import Clock
from codeblue.db import Database
from codeblue.notify import claims, delivery, gate
from codeblue.notify.channels import _http
from codeblue.notify.claims import Claim
from codeblue.notify.delivery import Deferred, Failed, Outcome, Sent, Unwanted
from codeblue.notify.message import DeliveryError
from codeblue.oncall.models import Escalation

log = logging.getLogger("codeblue.notify")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


class Sender:
    """Delivers the outbox: many messages per pass, each send bounded by send_timeout."""

    name = "outbox"

    def __init__(self, db: Database, clock: Clock, channels: Mapping[str, object], *, max_attempts: int = 5,
                 retry_base: float = 2.0, throttle_per_minute: int = 20, send_timeout: float = 10.0,
                 batch: int = 50, concurrency: int = 16) -> None:
        self.db = db
        self.clock = clock
        self.channels = channels
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.throttle = throttle_per_minute
        self.send_timeout = send_timeout
        self.batch = batch
        self.concurrency = concurrency  # sends on the wire at once: a burst must not swamp a receiver
        self.host = socket.gethostname()
        self.owner = claims.owner_id(self.host, uuid.uuid4().hex[:8])
        # Long enough for the sends (bounded by send_timeout) and the records after them; short enough
        # that a crashed sender's messages go out again soon.
        self.lease = timedelta(seconds=2 * send_timeout + 5)
        # One event loop and one HTTP client for the sender's life, so connections to a receiver are
        # kept alive from one batch to the next instead of opened and closed for every page.
        self._runner: asyncio.Runner | None = None
        self._client: httpx.AsyncClient | None = None
        self._running = threading.Lock()

    def close(self) -> None:
        """Close the kept connections and the event loop (the engine does on stop).

        In a thread of its own: the caller may be inside an event loop (the server's shutdown), where
        another loop cannot run.
        """
        def shut() -> None:
            with self._running:
                if self._runner is None:
                    return
                try:
                    if self._client is not None:
                        self._runner.run(self._client.aclose())
                except Exception:
                    log.exception("could not close the sender's HTTP client")
                finally:
                    self._client = None
                    self._runner.close()
                    self._runner = None

        closer = threading.Thread(target=shut, name="codeblue-sender-close", daemon=True)
        closer.start()
        closer.join(timeout=self.send_timeout + 5)

    def next_due(self) -> datetime | None:
        with self.db.unit_of_work(readonly=True) as session:
            return claims.next_due(session)

    def release_orphans(self) -> int:
        """Free leases left by dead processes on this host (a server killed and restarted)."""
        with self.db.unit_of_work() as session:
            freed = claims.release_orphans(session, host=self.host, alive=_alive, now=self.clock.now())
        if freed:
            log.warning("freed %s message(s) leased by dead processes on %s", freed, self.host)
        return freed

    def run_once(self) -> int:
        claimed = self.claim()
        if claimed:
            self.record(claimed, self.deliver(claimed))
        return len(claimed)

    def claim(self) -> list[Claim]:
        """Step 1: lease what is due, in one short transaction."""
        with self.db.unit_of_work() as session:
            return claims.claim(session, owner=self.owner, now=self.clock.now(), lease=self.lease,
                                limit=self.batch, throttle_per_minute=self.throttle)

    def record(self, claimed: list[Claim], outcomes: dict[int, Outcome]) -> None:
        """Step 3: one short transaction for the batch; should it fail, one per message."""
        ordered = sorted(claimed, key=lambda c: (c.incident_id or 0, c.id))
        try:
            with self.db.unit_of_work() as session:
                loaded = delivery.prepare(session, ordered)  # noqa: F841 (kept loaded until the commit)
                now = self.clock.now()
                for claim in ordered:
                    self._record(session, claim, outcomes[claim.id], now, prepared=True)
            return
        except Exception:
            log.exception("could not record a batch of %s outcomes; recording them one by one", len(ordered))
        for claim in ordered:
            try:
                with self.db.unit_of_work() as session:
                    self._record(session, claim, outcomes[claim.id], self.clock.now())
            except Exception:
                # Unrecorded, the lease runs out and the message is claimed again: a duplicate, not a loss.
                log.exception("could not record the outcome of notification %s", claim.id)

    def _record(self, session: Session, claim: Claim, outcome: Outcome, now: datetime, *,
                prepared: bool = False) -> None:
        delivery.record(session, claim, outcome, now=now, max_attempts=self.max_attempts,
                        retry_base=self.retry_base, prepared=prepared)

    def deliver(self, claimed: list[Claim]) -> dict[int, Outcome]:
        """Step 2, with no transaction open: gate, last look at the fence, send."""
        outcomes: dict[int, Outcome] = {}
        with gate.hold(self.db) as held:
            fenced = {c.incident_id for c in claimed if c.fenced}
            open_gates = {i for i in sorted(fenced) if held.take(i)}  # type: ignore[type-var]
            # Read after the gates are held: an ack that committed before this sees its fence here.
            fences = self._fences(open_gates)
            groups: dict[int | None, list[Claim]] = defaultdict(list)
            for c in claimed:
                if not c.fenced:
                    groups[None].append(c)
                elif c.incident_id not in open_gates:
                    outcomes[c.id] = Deferred()
                elif not delivery.still_wanted(fences, c):
                    outcomes[c.id] = Unwanted("the incident was acknowledged or resolved")
                else:
                    groups[c.incident_id].append(c)
            if groups:
                with self._running:
                    if self._runner is None:
                        self._runner = asyncio.Runner()
                    outcomes.update(self._runner.run(self._send_groups(groups, held)))
        return outcomes

    def _fences(self, incident_ids: set[int]) -> dict[int, tuple[int, bool]]:
        if not incident_ids:
            return {}
        with self.db.unit_of_work(readonly=True) as session:
            rows = session.execute(select(Escalation.incident_id, Escalation.fence, Escalation.active)
                                   .where(Escalation.incident_id.in_(incident_ids)))
            return {incident_id: (fence, active) for incident_id, fence, active in rows}

    async def _send_groups(self, groups: dict[int | None, list[Claim]], held: gate.Held) -> dict[int, Outcome]:
        slots = asyncio.Semaphore(self.concurrency)

        async def send(claim: Claim) -> Outcome:
            async with slots:
                return await self._send(claim)

        async def group(incident_id: int | None, members: list[Claim]) -> list[tuple[int, Outcome]]:
            try:
                return [(c.id, o) for c, o in zip(members, await asyncio.gather(*map(send, members)))]
            finally:
                if incident_id is not None:
                    held.release(incident_id)  # this incident's pages are out: its ack need wait no longer

        if self._client is None:
            self._client = _http.client(self.send_timeout)
        with _http.sharing(self._client):
            results = await asyncio.gather(*(group(i, members) for i, members in groups.items()))
        return dict(pair for pairs in results for pair in pairs)

    async def _send(self, claim: Claim) -> Outcome:
        channel = self.channels.get(claim.channel)
        if channel is None:
            return Failed(f"the {claim.channel} channel is not configured", retryable=False)
        try:
            return Sent(await asyncio.wait_for(channel.send(claim.message()), timeout=self.send_timeout))
        except DeliveryError as exc:
            return Failed(str(exc), retryable=exc.retryable)
        except TimeoutError:
            return Failed(f"{claim.channel} did not answer within {self.send_timeout:g} s", retryable=True)
        except Exception as exc:  # channels promise DeliveryError only; a bug must not lose the page
            log.exception("channel %s raised", claim.channel)
            return Failed(f"{claim.channel}: unexpected {type(exc).__name__}: {exc}", retryable=False)
