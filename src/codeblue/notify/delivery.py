"""What became of a send, recorded in its own short transaction after the network call returned."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.actor import SYSTEM
from codeblue.comms import jobs as comms_jobs
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.notify.claims import Claim
from codeblue.notify.message import SendResult
from codeblue.notify.models import Notification
from codeblue.oncall import fence, paging

log = logging.getLogger("codeblue.notify")

# A message whose incident's gate was taken (an ack is stopping its escalation) is looked at again
# this soon; by then the ack has committed and the message is cancelled.
DEFER = timedelta(milliseconds=50)


@dataclass(frozen=True)
class Sent:
    result: SendResult


@dataclass(frozen=True)
class Failed:
    error: str
    retryable: bool


@dataclass(frozen=True)
class Unwanted:
    reason: str


@dataclass(frozen=True)
class Deferred:
    pass


Outcome = Sent | Failed | Unwanted | Deferred


def backoff(attempt: int, *, base: float, cap: float = 300.0, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with ±20 % jitter, so retries from many workers do not arrive in step."""
    jitter = (rng or random).uniform(0.8, 1.2)
    return timedelta(seconds=min(cap, base * 2 ** (attempt - 1)) * jitter)


def prepare(session: Session, claimed: list[Claim]) -> list[object]:
    """Lock and load at once what recording these outcomes touches: their incidents, then their rows.

    Incidents are locked in id order, the order every batch uses, so record transactions of several
    senders cannot deadlock; the ack path locks one incident, so it only ever waits its turn.
    The caller keeps what this returns until it is done: the session holds loaded rows only while
    something refers to them, and session.get() would otherwise read each one again.
    """
    loaded: list[object] = []
    incident_ids = sorted({c.incident_id for c in claimed if c.incident_id is not None})
    if incident_ids:
        query = select(Incident).where(Incident.id.in_(incident_ids)).order_by(Incident.id)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(Incident.id).where(Incident.id.in_(incident_ids)).order_by(Incident.id)
                            .with_for_update())
        loaded += session.scalars(query).all()
    loaded += session.scalars(select(Notification).where(Notification.id.in_([c.id for c in claimed]))).all()
    return loaded


def record(session: Session, claim: Claim, outcome: Outcome, *, now: datetime, max_attempts: int,
           retry_base: float, prepared: bool = False) -> None:
    """Store the outcome; a failed page is retried, cancelled if its incident was answered, or escalated.

    prepared: prepare() has locked and loaded this claim's rows already.
    """
    incident = None
    if claim.incident_id is not None:
        if not prepared:
            # The incident row first, as the ack path locks it: the two take turns instead of deadlocking.
            fence.lock_incident(session, claim.incident_id)
        incident = session.get(Incident, claim.incident_id)
    row = session.get(Notification, claim.id)
    if row is None:
        return
    if isinstance(outcome, Sent):
        if row.status == "sent":
            return  # a second delivery after this lease ran out; the first is on record
        row.status, row.sent_at, row.provider_id, row.last_error = "sent", now, outcome.result.provider_id, None
        row.lease_owner = row.lease_until = None
        if row.purpose == "page" and incident is not None:
            incidents.record(session, incident, kind="page_sent", actor=SYSTEM, now=now,
                             summary=f"Page sent by {row.channel} to {row.address}",
                             data={"notification": row.id, "attempts": row.attempts,
                                   "seconds_after_queued": (now - row.created_at).total_seconds()})
        if row.purpose == "chat_channel" and incident is not None:
            comms_jobs.on_channel_outcome(session, incident=incident, row=row, channel_id=outcome.result.provider_id,
                                          name=outcome.result.detail, now=now)
        return
    if row.status != "pending" or row.lease_owner != claim.owner:
        return  # the lease ran out and another sender has the message now; its outcome counts
    row.lease_owner = row.lease_until = None
    if isinstance(outcome, Deferred):
        row.attempts -= 1  # not tried: the claim's attempt is given back
        row.next_attempt_at = now + DEFER
    elif isinstance(outcome, Unwanted):
        row.status, row.last_error = "cancelled", outcome.reason
    elif outcome.retryable and row.attempts < max_attempts:
        row.last_error = outcome.error[:2000]
        if claim.fenced and not _still_wanted(session, claim):
            # Acknowledged while this attempt was failing: nothing to retry.
            row.status = "cancelled"
        else:
            row.next_attempt_at = now + backoff(row.attempts, base=retry_base)
    else:
        row.last_error = outcome.error[:2000]
        _failed_for_good(session, row, incident, now=now)


def still_wanted(fences: dict[int, tuple[int, bool]], claim: Claim) -> bool:
    """Whether a fenced page is still for the current escalation: (fence, active) by incident."""
    current = fences.get(claim.incident_id)  # type: ignore[arg-type]
    return current is not None and current[1] and current[0] == claim.fence


def _still_wanted(session: Session, claim: Claim) -> bool:
    esc = fence.lock(session, claim.incident_id)  # type: ignore[arg-type]
    return esc is not None and still_wanted({esc.incident_id: (esc.fence, esc.active)}, claim)


def _failed_for_good(session: Session, row: Notification, incident: Incident | None, *, now: datetime) -> None:
    row.status = "failed"
    log.warning("notification %s failed for good after %s attempts: %s", row.id, row.attempts, row.last_error)
    if row.purpose == "chat_channel" and incident is not None:
        comms_jobs.on_channel_outcome(session, incident=incident, row=row, channel_id=None, name=None, now=now,
                                      error=row.last_error)
    if row.purpose != "page" or incident is None:
        return
    incidents.record(session, incident, kind="page_failed", actor=SYSTEM, now=now,
                     summary=f"Page by {row.channel} to {row.address} failed after {row.attempts} "
                             f"attempt(s): {row.last_error}; escalating to the next step",
                     data={"notification": row.id})
    if row.fence is not None and row.step is not None and row.loop is not None:
        paging.escalate_now(session, incident_id=incident.id, expected_fence=row.fence, step=row.step,
                            loop=row.loop, now=now)
