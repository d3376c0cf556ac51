"""Status updates, their cadence timer, template previews and the incident's chat channel. Nothing here commits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm
from codeblue.comms import context, messages
from codeblue.comms.exceptions import TemplateRefused
from codeblue.comms.models import ChatChannel, StatusUpdate
from codeblue.comms.schemas import UpdateIn
from codeblue.engine import timers
from codeblue.errors import InvalidTransition
from codeblue.incidents import lifecycle
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.notify import outbox
from codeblue.oncall import fence, notices

CADENCE_TIMER = "update_due"


def list_updates(session: Session, *, incident: Incident) -> list[StatusUpdate]:
    return context.updates(session, incident)


def last_update(session: Session, incident: Incident) -> StatusUpdate | None:
    return session.scalar(select(StatusUpdate).where(StatusUpdate.incident_id == incident.id)
                          .order_by(StatusUpdate.number.desc()).limit(1))


def next_due(session: Session, *, incident: Incident) -> datetime | None:
    if not lifecycle.is_open(incident.status):
        return None
    return context.next_update_at(incident, last_update(session, incident))


def post_update(session: Session, *, incident: Incident, data: UpdateIn, actor: Actor, now: datetime,
                base_url: str) -> StatusUpdate:
    """Number, render and record an update, queue it to the stakeholders and the chat channel, re-time the next."""
    actor.require(Perm.INCIDENT_RESPOND)
    if not lifecycle.is_open(incident.status):
        raise InvalidTransition(f"{incident.ref} is {incident.status}: status updates are for open incidents",
                                details={"status": incident.status})
    fence.lock_incident(session, incident.id)  # numbers are handed out one at a time per incident
    number = (session.scalar(select(func.max(StatusUpdate.number)).where(StatusUpdate.incident_id == incident.id))
              or 0) + 1
    row = StatusUpdate(incident_id=incident.id, number=number, status=data.status, actions=data.actions,
                       next_steps=data.next_steps, eta=data.eta or "", subject="", body="", posted_by=actor.label,
                       posted_by_user_id=actor.user_id, posted_at=now)
    rendered = messages.render(session, incident=incident, purpose="update", now=now, base_url=base_url, update=row)
    if rendered is None:
        rendered = messages.fallback(incident, base_url=base_url, note=f"update #{number}: {data.status}")
    row.subject, row.body = rendered.subject, rendered.body
    session.add(row)
    session.flush()
    sent: list[str] = []
    owed = notices.owed(incidents.pack_of(incident), incident_type=incident.type,
                        phi_suspected=incident.phi_suspected, severity=incident.severity)
    for contact in notices.by_contact(owed):
        sent += messages.send_to_contact(session, incident=incident, contact=contact, message=rendered,
                                         key=f"update:{incident.id}:{number}:{contact}", purpose="update",
                                         now=now, base_url=base_url)
    channel = chat_channel(session, incident=incident)
    if channel is not None:
        outbox.enqueue(session, key=f"update:{incident.id}:{number}:chat", purpose="update", channel="slack",
                       address=channel.channel_id, subject=rendered.subject,
                       text=messages.safe_text(rendered.body, channel="slack"), now=now, incident_id=incident.id)
        sent.append(f"#{channel.name} (slack)")
    due = now + incidents.pack_of(incident).severity(incident.severity).update_cadence
    incidents.record(session, incident, kind="status_update", actor=actor, now=now,
                     summary=f"Status update #{number}: {data.status}"
                             + (f" (sent to {', '.join(sent)})" if sent else " (no stakeholder to send it to)"),
                     data={"number": number, "template": rendered.template, "sent": sent,
                           "next_update_due_at": due.isoformat()})
    retime(session, incident=incident, now=now)
    return row


def retime(session: Session, *, incident: Incident, now: datetime) -> datetime | None:
    """Arm the next-update timer for when the next update is due, or cancel it once the incident is closed."""
    due = next_due(session, incident=incident)
    if due is None:
        timers.cancel(session, kind=CADENCE_TIMER, subject_id=incident.id)
        return None
    timers.arm(session, kind=CADENCE_TIMER, subject_id=incident.id, due_at=due, now=now,
               payload={"due_at": due.isoformat(), "action": "remind"})
    return due


def after_change(session: Session, *, incident: Incident, now: datetime, what: str) -> None:
    """Called by the incidents service after an acknowledgement, a severity change or a resolution."""
    retime(session, incident=incident, now=now)
    if what == "severity":
        notices.arm(session, pack=incidents.pack_of(incident), incident_id=incident.id,
                    incident_type=incident.type, phi_suspected=incident.phi_suspected,
                    severity=incident.severity, now=now)
    elif what == "resolved":
        notices.arm_resolution(session, incident_id=incident.id, now=now)


def on_open(session: Session, *, incident: Incident, now: datetime) -> None:
    """A new incident: the notice timer fires once at least, and with it the engine decides (from its
    settings) whether the incident gets a chat channel (comms.jobs.on_notice)."""
    timers.arm(session, kind=notices.TIMER, subject_id=incident.id, due_at=now, now=now)


def preview(session: Session, *, incident: Incident, template_id: str, fields: dict[str, Any] | None, now: datetime,
            base_url: str) -> tuple[Any, str, str]:
    """(template, subject, body) of any template of the incident's pack, rendered for it, sending nothing."""
    pack = incidents.pack_of(incident)
    template = pack.template(template_id)
    if template is None:
        raise TemplateRefused(f"no template '{template_id}' in pack '{pack.pack}'; it has: "
                              + ", ".join(t.id for t in pack.templates), details={"field": "template"})
    ctx = context.with_fields(context.build(session, incident=incident, now=now, base_url=base_url), fields)
    subject, body = context.render(template, ctx)
    return template, subject, body


def chat_channel(session: Session, *, incident: Incident) -> ChatChannel | None:
    return session.scalar(select(ChatChannel).where(ChatChannel.incident_id == incident.id))


def channel_url(channel: ChatChannel) -> str:
    return f"https://slack.com/app_redirect?channel={channel.channel_id}"


def cadence_of(incident: Incident) -> timedelta:
    return incidents.pack_of(incident).severity(incident.severity).update_cadence


def preview_update(session: Session, *, incident: Incident, data: UpdateIn, now: datetime,
                   base_url: str) -> tuple[str, str]:
    """(subject, body) the next update would be sent with, storing and sending nothing."""
    last = last_update(session, incident)
    draft = StatusUpdate(incident_id=incident.id, number=(last.number if last else 0) + 1, status=data.status,
                         actions=data.actions, next_steps=data.next_steps, eta=data.eta or "", subject="", body="",
                         posted_by="", posted_at=now)
    rendered = messages.render(session, incident=incident, purpose="update", now=now, base_url=base_url, update=draft)
    if rendered is None:
        rendered = messages.fallback(incident, base_url=base_url, note=f"update #{draft.number}: {data.status}")
    return rendered.subject, rendered.body
