"""Engine work of the communications domain: the next-update reminder and escalation, the chat channel."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.actor import SYSTEM
from codeblue.comms import cadence, context, messages, people
from codeblue.comms import service as comms
from codeblue.comms.models import ChatChannel
from codeblue.engine import timers
from codeblue.engine.models import Timer
from codeblue.incidents import lifecycle
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident, TimelineEntry
from codeblue.notify import outbox, reminders
from codeblue.notify.models import Notification
from codeblue.oncall import fence
from codeblue.oncall import jobs as oncall_jobs


def on_update_due(session: Session, timer: Timer, now: datetime, *, base_url: str,
                  escalate_after: timedelta | None, manager: str) -> None:
    """The next status update is due: remind the commander (or the on-call responder); once it is late by
    the margin, tell the manager; then remind again every cadence until an update is posted."""
    fence.lock_incident(session, timer.subject_id, wait=False)
    incident = session.get(Incident, timer.subject_id)
    if incident is None or not lifecycle.is_open(incident.status):
        return
    due = comms.next_due(session, incident=incident)
    if due is None:
        return
    every = comms.cadence_of(incident)
    margin = cadence.margin(every, escalate_after)
    if now < due:  # an update was posted, or the severity changed, since this was armed
        _arm(session, incident, due, cadence.Step(due, "remind"), now)
        return
    late = now >= due + margin and due.isoformat() not in _escalated(session, incident.id)
    if late or (timer.payload.get("action") == "escalate" and timer.payload.get("due_at") == due.isoformat()):
        _escalate(session, incident, due=due, now=now, manager=manager, base_url=base_url)
    else:
        _remind(session, incident, due=due, now=now, base_url=base_url)
    _arm(session, incident, due, cadence.next_step(due=due, now=now, margin=margin, every=every), now)


def _arm(session: Session, incident: Incident, due: datetime, step: cadence.Step, now: datetime) -> None:
    timers.arm(session, kind=comms.CADENCE_TIMER, subject_id=incident.id, due_at=step.at, now=now,
               payload={"due_at": due.isoformat(), "action": step.action})


def _late_by(due: datetime, now: datetime) -> str:
    minutes = int((now - due).total_seconds() // 60)
    return "due now" if minutes < 1 else f"overdue by {minutes} min"


def _remind(session: Session, incident: Incident, *, due: datetime, now: datetime, base_url: str) -> None:
    commander = people.commander(incident)
    who = commander or people.oncall_responder(session, incident, now)
    number = (comms.last_update(session, incident).number if comms.last_update(session, incident) else 0) + 1
    state = _late_by(due, now)
    reached = reminders.remind(
        session, users=[who] if who else [], key=f"update-due:{incident.id}:{due.isoformat()}:{now.isoformat()}",
        subject=f"[{incident.severity}] {incident.ref}: status update #{number} {state}",
        text=f"Status update #{number} of {incident.ref} ({incident.title}) is {state} "
             f"(due {due:%H:%M} UTC). {base_url}/incidents/{incident.ref}", now=now, incident_id=incident.id)
    role = "commander" if commander else "on-call responder"
    outcome = (f"reminded {', '.join(reached)} ({role})" if reached else
               f"no {role} to remind" if who is None else f"{who.name} ({role}) has no contact method")
    incidents.record(session, incident, kind="update_reminder", actor=SYSTEM, now=now,
                     summary=f"Status update #{number} {state}: {outcome}",
                     data={"due_at": due.isoformat(), "reached": reached, "role": role})


def _escalate(session: Session, incident: Incident, *, due: datetime, now: datetime, manager: str,
              base_url: str) -> None:
    pack = incidents.pack_of(incident)
    contact = next((c for c in pack.contacts if c.id == manager), None)
    state = _late_by(due, now)
    message = messages.Rendered(
        "", f"[{incident.severity}] {incident.ref}: status update {state}",
        f"No status update on {incident.ref} ({incident.title}) since it fell due at {due:%H:%M} UTC; "
        f"it is {state}. {base_url}/incidents/{incident.ref}")
    sent = [] if contact is None else messages.send_to_contact(
        session, incident=incident, contact=manager, message=message, key=f"update-late:{incident.id}:{due.isoformat()}",
        purpose="reminder", now=now, base_url=base_url)
    name = contact.name if contact else manager
    outcome = (f"escalated to {', '.join(sent)}" if sent else
               f"pack '{pack.pack}' has no contact '{manager}' to escalate to" if contact is None else
               f"could not escalate: {name} has no reachable contact method")
    incidents.record(session, incident, kind="update_escalated", actor=SYSTEM, now=now,
                     summary=f"Status update {state}: {outcome}",
                     data={"due_at": due.isoformat(), "contact": manager, "sent": sent})


def _escalated(session: Session, incident_id: int) -> set[str]:
    rows = session.scalars(select(TimelineEntry.data).where(TimelineEntry.incident_id == incident_id,
                                                            TimelineEntry.kind == "update_escalated"))
    return {d.get("due_at") for d in rows}


def on_notice(session: Session, timer: Timer, now: datetime, *, base_url: str, enabled: bool,
              severities: frozenset[str]) -> None:
    """The notice timer (armed on opening and on every change of severity, type, PHI flag or resolution):
    stakeholder notices (oncall.jobs.on_notify), then the chat channel if the incident should have one."""
    oncall_jobs.on_notify(session, timer, now, base_url=base_url)
    on_chat_channel(session, timer, now, base_url=base_url, enabled=enabled, severities=severities)


def on_chat_channel(session: Session, timer: Timer, now: datetime, *, base_url: str, enabled: bool,
                    severities: frozenset[str]) -> None:
    """Queue the channel's creation (create, invite the responders, post the alert) through the outbox."""
    incident = session.get(Incident, timer.subject_id)
    if incident is None or not enabled or incident.severity not in severities or not lifecycle.is_open(incident.status):
        return
    if comms.chat_channel(session, incident=incident) is not None:
        return
    name = context.channel_name(incident).lstrip("#")
    users = people.slack_ids(session, people.responders(session, incident, now))
    message = (messages.render(session, incident=incident, purpose="alert", now=now, base_url=base_url,
                               channel=f"#{name}")
               or messages.fallback(incident, base_url=base_url, note="incident channel"))
    outbox.enqueue(session, key=f"chat:{incident.id}", purpose="chat_channel", channel="slack_channel", address=name,
                   subject=message.subject, text=messages.safe_text(message.body, channel="slack"), now=now,
                   incident_id=incident.id, data={"users": users, "incident_id": incident.ref})


def on_channel_outcome(session: Session, *, incident: Incident, row: Notification, channel_id: str | None,
                       name: str | None, now: datetime, error: str | None = None) -> None:
    """What the outbox did with a channel's creation, stored on the incident (called by notify.delivery)."""
    if error is not None:
        incidents.record(session, incident, kind="chat_channel_failed", actor=SYSTEM, now=now,
                         summary=f"Could not create the Slack channel #{row.address}: {error}",
                         data={"notification": row.id})
        return
    if channel_id is None or session.scalar(select(ChatChannel.id).where(ChatChannel.incident_id == incident.id)):
        return
    name = (name or row.address).lstrip("#")
    session.add(ChatChannel(incident_id=incident.id, provider="slack", channel_id=channel_id, name=name, created_at=now))
    invited = list(row.data.get("users") or [])
    incidents.record(session, incident, kind="chat_channel_created", actor=SYSTEM, now=now,
                     summary=f"Slack channel #{name} opened" + (f", {len(invited)} responder(s) invited"
                                                               if invited else "") + ", incident alert posted",
                     data={"channel_id": channel_id, "name": name, "invited": invited})


