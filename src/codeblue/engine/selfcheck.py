"""The self-check: re-arms any open, unacknowledged incident whose paging timer went missing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session

from codeblue.auth.actor import SYSTEM
from codeblue.engine import timers
from codeblue.engine.models import Timer
from codeblue.incidents import service as incidents
from codeblue.incidents.lifecycle import Status
from codeblue.incidents.models import Incident, TimelineEntry
from codeblue.oncall import fence, paging, steps
from codeblue.oncall.models import Escalation, EscalationPolicy

log = logging.getLogger("codeblue.engine")

KIND = "self_check"
# Any constant works, as long as no other module takes the same advisory lock.
LOCK_KEY = 0x636F_6465_626C_7565 & 0x7FFF_FFFF_FFFF_FFFF


def _without_timer():
    """Triggered incidents with neither a start nor an escalation timer pending."""
    armed = exists().where(Timer.subject_id == Incident.id, Timer.kind.in_([fence.START, fence.ESCALATE]))
    return select(Incident).where(Incident.status == Status.TRIGGERED.value, ~armed).order_by(Incident.id)


def _last_paged(session: Session, incident: Incident, esc: Escalation) -> datetime:
    """When the escalation's current step was paged: the newest paging entry on the timeline."""
    at = session.scalar(
        select(TimelineEntry.at).where(TimelineEntry.incident_id == incident.id, TimelineEntry.kind == "paging")
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(1)
    )
    return at or esc.started_at


def rearm(session: Session, *, incident: Incident, now: datetime) -> tuple[str, datetime] | None:
    """Re-arm the incident's missing timer: (timer kind, due time), or None when nothing should be armed."""
    esc = fence.lock(session, incident.id)
    if esc is None:
        policy = paging.policy_for(session, incident.service_id)
        if policy is None or not policy.steps:
            return None  # never paged because there is nobody to page; the timeline already says so
        timers.arm(session, kind=fence.START, subject_id=incident.id, due_at=now, now=now)
        return fence.START, now
    if not esc.active:
        return None
    policy = session.get(EscalationPolicy, esc.policy_id)
    if policy is None or esc.step >= len(policy.steps):
        return None
    last = steps.after(esc.step, esc.loop, steps=len(policy.steps), repeat=policy.repeat) is None
    if last and paging.exhausted(session, incident.id):
        return None  # the last step was paged and its wait ran out: nothing further to arm
    target = incidents.pack_of(incident).severity(incident.severity).response_target
    # Due when it would have been: a lost timer must not page the next step early, nor later than now.
    due = max(now, _last_paged(session, incident, esc) + steps.wait_after(policy.steps[esc.step], response_target=target))
    timers.arm(session, kind=fence.ESCALATE, subject_id=incident.id, fence=esc.fence, due_at=due, now=now)
    return fence.ESCALATE, due


class SelfCheck:
    """Engine module: every `interval` on the injected clock, looks for open incidents that lost their timer."""

    name = "selfcheck"

    def __init__(self, interval_seconds: float = 60.0) -> None:
        if interval_seconds <= 0:
            raise ValueError("the self-check interval must be positive")
        self.interval = timedelta(seconds=interval_seconds)
        self._next: datetime | None = None  # None: check at the first run, e.g. right after a restart

    def update(self, session: Session, now: datetime) -> int:
        if self._next is not None and now < self._next:
            return 0
        self._next = now + self.interval
        if session.get_bind().dialect.name == "postgresql" and not session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEY}):
            return 0  # another instance is checking right now
        fixed = 0
        for incident in session.scalars(_without_timer()).all():
            try:
                with session.begin_nested():
                    armed = rearm(session, incident=incident, now=now)
                    if armed is None:
                        continue
                    kind, due = armed
                    what = "the first page" if kind == fence.START else "the next escalation step"
                    incidents.record(session, incident, kind=KIND, actor=SYSTEM, now=now,
                                     summary=f"Self-check: no paging timer was armed; re-armed {what}, "
                                             f"due {due:%Y-%m-%d %H:%M:%S} UTC",
                                     data={"timer": kind, "due_at": due.isoformat()})
            except Exception:
                # One broken incident must not stop the others being re-armed.
                log.exception("self-check could not re-arm %s", incident.ref)
                continue
            log.warning("self-check re-armed %s (%s timer)", incident.ref, kind)
            fixed += 1
        return fixed

    def next_due(self, session: Session) -> datetime | None:
        return self._next
