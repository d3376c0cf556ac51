"""Engine work owned by the on-call domain: notifying named contacts of an incident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.actor import SYSTEM
from codeblue.engine.models import Timer
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident, TimelineEntry
from codeblue.notify import outbox
from codeblue.notify.models import Notification
from codeblue.oncall import fence, notices, paging


def on_notify(session: Session, timer: Timer, now: datetime, *, base_url: str) -> None:
    """Send each notice the incident is owed and has not had; a timeline entry for each, sent or not."""
    fence.lock_incident(session, timer.subject_id, wait=False)  # as paging does: never wait holding a timer
    incident = session.get(Incident, timer.subject_id)
    if incident is None:
        return
    pack = incidents.pack_of(incident)
    told = _told(session, incident.id)
    link = f"{base_url}/incidents/{incident.ref}"
    for reason, contact in notices.owed(pack, incident_type=incident.type, phi_suspected=incident.phi_suspected):
        if (reason, contact) in told:
            continue
        label = notices.reason_label(pack, reason)
        reach, _ = paging.resolve_targets(session, [{"type": "contact", "ref": contact}], now)
        data = {"notice": reason, "contact": contact}
        if not reach:
            incidents.record(session, incident, kind="notified", actor=SYSTEM, now=now, data={**data, "sent": []},
                             summary=f"Could not notify contact {contact} ({label}): no reachable contact method")
            continue
        for r in reach:
            key = f"notify:{incident.id}:{reason}:{r.method.id}"
            if session.scalar(select(Notification.id).where(Notification.idempotency_key == key)) is not None:
                continue
            outbox.enqueue(
                session, key=key, purpose="notify", channel=r.method.type, address=r.method.address,
                subject=f"[{incident.severity}] {incident.ref} {incident.title} ({label})",
                text=outbox.page_text(ref=incident.ref, severity=incident.severity, service=incident.service.name,
                                      title=f"{incident.title} ({label})", link=link),
                now=now, incident_id=incident.id, user_id=r.user_id, contact_method_id=r.method.id,
                data={"incident_id": incident.ref, "severity": incident.severity, "service": incident.service.name,
                      "title": incident.title, "link": link},
            )
        names = sorted({f"{r.who} ({r.method.type})" for r in reach})
        incidents.record(session, incident, kind="notified", actor=SYSTEM, now=now, data={**data, "sent": names},
                         summary=f"Notified {', '.join(names)}: {label}")


def _told(session: Session, incident_id: int) -> set[tuple[str, str]]:
    """(reason, contact) already on the timeline: a notice is owed once, whatever changes back and forth."""
    entries = session.scalars(select(TimelineEntry.data).where(TimelineEntry.incident_id == incident_id,
                                                               TimelineEntry.kind == "notified"))
    return {(d.get("notice"), d.get("contact")) for d in entries}
