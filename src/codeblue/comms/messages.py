"""Rendering a pack template for an incident and queueing it to contacts, PHI-safe per channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from codeblue.comms import context
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.notify import outbox
from codeblue.notify.channels import phi
from codeblue.oncall import paging
from codeblue.policy.schema import Pack, Template

# Channels a person reads on a phone or in a shared chat: free text people wrote is scrubbed there
# unless the contact method is marked PHI-safe.
UNSAFE_CHANNELS = ("slack", "slack_webhook", "slack_channel", "sms", "voice")
KINDS = {"initial": ("initial", "alert"), "alert": ("alert", "initial"), "update": ("update",),
         "resolution": ("resolution",)}


@dataclass(frozen=True)
class Rendered:
    template: str
    subject: str
    body: str


def pick(pack: Pack, purpose: str) -> Template | None:
    """The pack's template for a purpose: the first of the kinds it accepts, in that order."""
    for kind in KINDS[purpose]:
        found = next((t for t in pack.templates if t.kind == kind), None)
        if found is not None:
            return found
    return None


def render(session: Session, *, incident: Incident, purpose: str, now: datetime, base_url: str,
           update=None, channel: str | None = None) -> Rendered | None:
    template = pick(incidents.pack_of(incident), purpose)
    if template is None:
        return None
    subject, body = context.render(template, context.build(session, incident=incident, now=now, base_url=base_url,
                                                           update=update, channel=channel))
    return Rendered(template.id, subject, body)


def safe_text(text: str, *, channel: str, phi_safe: bool = False) -> str:
    return text if phi_safe or channel not in UNSAFE_CHANNELS else phi.scrub(text)


def fallback(incident: Incident, *, base_url: str, note: str) -> Rendered:
    """A page-shaped message when the pack has no template for the purpose."""
    text = outbox.page_text(ref=incident.ref, severity=incident.severity, service=incident.service.name,
                            title=f"{incident.title} ({note})", link=f"{base_url}/incidents/{incident.ref}")
    return Rendered("", f"[{incident.severity}] {incident.ref} {incident.title} ({note})", text)


def send_to_contact(session: Session, *, incident: Incident, contact: str, message: Rendered, key: str,
                    purpose: str, now: datetime, base_url: str) -> list[str]:
    """Queue the message to every reachable method of a pack contact; who (method) it reached."""
    reach, _ = paging.resolve_targets(session, [{"type": "contact", "ref": contact}], now)
    link = f"{base_url}/incidents/{incident.ref}"
    for r in reach:
        outbox.enqueue(
            session, key=f"{key}:{r.method.id}"[:200], purpose=purpose, channel=r.method.type,
            address=r.method.address, subject=message.subject,
            text=safe_text(message.body, channel=r.method.type, phi_safe=r.method.phi_safe),
            now=now, incident_id=incident.id, user_id=r.user_id, contact_method_id=r.method.id,
            data={"incident_id": incident.ref, "severity": incident.severity, "service": incident.service.name,
                  "title": incident.title, "link": link, "template": message.template},
        )
    return sorted({f"{r.who} ({r.method.type})" for r in reach})
