"""Paging an incident through its service's escalation policy, and stopping when someone answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.actor import SYSTEM
from codeblue.auth.models import User
from codeblue.engine import timers, txcache
from codeblue.engine.models import Timer
from codeblue.incidents import service as incidents
from codeblue.incidents.lifecycle import Status
from codeblue.incidents.models import Incident, TimelineEntry
from codeblue.notify import pages
from codeblue.oncall import fence, schedules, steps
from codeblue.oncall.models import (
    ContactMethod,
    Escalation,
    EscalationPolicy,
    NamedContact,
    NotificationRule,
    ServicePolicy,
)

TIMER = fence.ESCALATE
EXHAUSTED = "escalation_exhausted"  # timeline kind: the last step's wait ran out unanswered
_REACH = "paging_reach"
_POLICY = "paging_policy"
_LOADED = "paging_loaded"


@dataclass(frozen=True)
class Reach:
    """One contact method to page, after a delay, on behalf of a person or a named contact."""

    who: str
    method: ContactMethod
    user_id: int | None
    delay: timedelta


def policy_for(session: Session, service_id: int) -> EscalationPolicy | None:
    memo = txcache.get(session, _POLICY)
    if service_id not in memo:
        memo[service_id] = session.scalar(
            select(EscalationPolicy).join(ServicePolicy, ServicePolicy.policy_id == EscalationPolicy.id)
            .where(ServicePolicy.service_id == service_id)
        )
    return memo[service_id]


def prepare(session: Session, batch: list[Timer], now: datetime) -> set[int]:
    """Before a batch of paging timers fires: lock their incidents and load what they read, a few queries in all.

    Returns the incidents another transaction holds (an ack, say): their timers wait a moment instead.
    """
    ids = sorted({t.subject_id for t in batch})
    busy = fence.lock_many(session, ids)
    ids = [i for i in ids if i not in busy]
    if not ids:
        return busy
    # Held here, as the session only keeps loaded rows while something refers to them.
    loaded = txcache.get(session, _LOADED)
    loaded["incidents"] = found = list(session.scalars(select(Incident).where(Incident.id.in_(ids))))
    policy_ids = {esc.policy_id for i in ids if (esc := fence.lock(session, i, wait=False)) is not None}
    if policy_ids:
        loaded["policies"] = list(session.scalars(select(EscalationPolicy)
                                                  .where(EscalationPolicy.id.in_(policy_ids))))
    if any(fence.lock(session, i.id, wait=False) is None for i in found):
        for service_id in {i.service_id for i in found} - txcache.get(session, _POLICY).keys():
            policy_for(session, service_id)
    return busy


def _deliverable(method: ContactMethod) -> bool:
    # Seed placeholders such as "[PHONE]" mark a contact nobody has filled in yet.
    return bool(method.address) and not method.address.startswith("[")


def _person(session: Session, user: User) -> list[Reach]:
    rules = list(session.scalars(select(NotificationRule).where(NotificationRule.user_id == user.id)))
    if rules:
        pairs = [(session.get(ContactMethod, r.contact_method_id), timedelta(seconds=r.delay_seconds)) for r in rules]
    else:
        methods = session.scalars(select(ContactMethod).where(ContactMethod.user_id == user.id))
        pairs = [(m, timedelta(0)) for m in methods]
    return [Reach(user.name, m, user.id, d) for m, d in pairs if m is not None and _deliverable(m)]


def resolve_targets(session: Session, targets: list[dict], now: datetime) -> tuple[list[Reach], list[str]]:
    """Every contact method a step reaches now, and the targets nobody could be found for."""
    # The engine fires a batch of timers in one transaction at one `now`; many page the same step of
    # the same policy, and working out a schedule is the dearest part of a page. So once per batch.
    memo = txcache.get(session, _REACH)
    key = (now, json.dumps(targets, sort_keys=True))
    if key not in memo:
        memo[key] = _resolve(session, targets, now)
    return memo[key]


def _resolve(session: Session, targets: list[dict], now: datetime) -> tuple[list[Reach], list[str]]:
    reach: list[Reach] = []
    unreachable: list[str] = []
    for target in targets:
        kind, ref = target.get("type"), target.get("ref")
        found: list[Reach] = []
        if kind == "user":
            user = session.scalar(select(User).where(User.email == ref))
            found = _person(session, user) if user else []
        elif kind == "schedule":
            for user in schedules.on_call_users(session, slug=ref, at=now):
                found += _person(session, user)
        elif kind == "contact":
            contact = session.scalar(select(NamedContact).where(NamedContact.slug == ref))
            if contact is not None and contact.user_id is not None:
                found = _person(session, session.get(User, contact.user_id))
            elif contact is not None:
                methods = session.scalars(select(ContactMethod).where(ContactMethod.contact_id == contact.id))
                found = [Reach(contact.name, m, None, timedelta(0)) for m in methods if _deliverable(m)]
        (reach.extend(found) if found else unreachable.append(f"{kind} {ref}"))
    return reach, unreachable


def on_start(session: Session, timer: Timer, now: datetime, *, base_url: str, secret: str) -> None:
    """The incident's first page, armed (due at once) in the transaction that opened it."""
    esc = fence.lock(session, timer.subject_id, wait=False)
    incident = session.get(Incident, timer.subject_id)
    if incident is None or incident.status != Status.TRIGGERED or esc is not None:
        return
    start(session, incident=incident, now=now, base_url=base_url, secret=secret)


def start(session: Session, *, incident: Incident, now: datetime, base_url: str, secret: str) -> Escalation | None:
    """Begin paging an incident through its service's policy."""
    policy = policy_for(session, incident.service_id)
    if policy is None or not policy.steps:
        incidents.record(session, incident, kind="paging", actor=SYSTEM, now=now,
                         summary="No escalation policy for this service: nobody was paged")
        return None
    esc = Escalation(incident_id=incident.id, policy_id=policy.id, step=0, loop=0, fence=1, active=True,
                     started_at=now)
    session.add(esc)
    session.flush()
    fence.remember(session, esc)
    _page_step(session, incident=incident, esc=esc, policy=policy, now=now, base_url=base_url, secret=secret)
    return esc


def _page_step(session: Session, *, incident: Incident, esc: Escalation, policy: EscalationPolicy, now: datetime,
               base_url: str, secret: str) -> None:
    step = policy.steps[esc.step]
    reach, unreachable = resolve_targets(session, step.get("targets", []), now)
    for r in reach:
        pages.enqueue(session, incident=incident, method=r.method, user_id=r.user_id, due=now + r.delay,
                      fence=esc.fence, step=esc.step, loop=esc.loop, now=now, base_url=base_url, secret=secret)
    names = sorted({f"{r.who} ({r.method.type})" for r in reach})
    summary = f"Escalation step {esc.step + 1}" + (f", round {esc.loop + 1}" if esc.loop else "")
    summary += ": paging " + (", ".join(names) if names else "nobody")
    if unreachable:
        summary += f"; no reachable contact method for {', '.join(unreachable)}"
    incidents.record(session, incident, kind="paging", actor=SYSTEM, now=now, summary=summary,
                     data={"step": esc.step, "loop": esc.loop, "targets": names, "unreachable": unreachable})
    # Armed after the last step too: when its wait runs out unanswered, the timeline says so (on_timer).
    target = incidents.pack_of(incident).severity(incident.severity).response_target
    timers.arm(session, kind=TIMER, subject_id=incident.id, fence=esc.fence, now=now,
               due_at=now + steps.wait_after(step, response_target=target))


def on_timer(session: Session, timer: Timer, now: datetime, *, base_url: str, secret: str) -> None:
    """Nobody acknowledged in time: page the next step, unless the timer went stale."""
    esc = fence.lock(session, timer.subject_id, wait=False)
    if esc is None or not esc.active or esc.fence != timer.fence:
        return
    incident = session.get(Incident, esc.incident_id)
    if incident is None or incident.status != Status.TRIGGERED:
        return
    policy = session.get(EscalationPolicy, esc.policy_id)
    nxt = steps.after(esc.step, esc.loop, steps=len(policy.steps), repeat=policy.repeat)
    if nxt is None:
        if not exhausted(session, incident.id):
            rounds = f" after {esc.loop + 1} rounds" if esc.loop else ""
            incidents.record(session, incident, kind=EXHAUSTED, actor=SYSTEM, now=now,
                             summary=f"Escalation policy exhausted{rounds}: nobody acknowledged",
                             data={"step": esc.step, "loop": esc.loop})
        return
    esc.step, esc.loop = nxt
    _page_step(session, incident=incident, esc=esc, policy=policy, now=now, base_url=base_url, secret=secret)


def exhausted(session: Session, incident_id: int) -> bool:
    """Whether the incident's timeline already says its policy ran out of steps."""
    return session.scalar(select(TimelineEntry.id).where(TimelineEntry.incident_id == incident_id,
                                                         TimelineEntry.kind == EXHAUSTED).limit(1)) is not None


def escalate_now(session: Session, *, incident_id: int, expected_fence: int, step: int, loop: int,
                 now: datetime) -> None:
    """A page of (step, loop) failed for good: do not wait out that step, move to the next one now.

    Only while that step is still the current one. The fence moves only on ack or resolve, so it cannot
    tell a page of step N failing after step N+1 fired; moving on then would page step N+2 early.
    """
    esc = fence.lock(session, incident_id)
    if esc is not None and esc.active and (esc.fence, esc.step, esc.loop) == (expected_fence, step, loop):
        timers.arm(session, kind=TIMER, subject_id=incident_id, fence=expected_fence, due_at=now, now=now)
