"""Engine work owned by the on-call domain: notifying named contacts of an incident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.actor import SYSTEM
from codeblue.comms import messages
from codeblue.engine.models import Timer
from codeblue.incidents import lifecycle
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident, TimelineEntry
from codeblue.oncall import fence, notices


def on_notify(session: Session, timer: Timer, now: datetime, *, base_url: str) -> None:
    """Send each contact the incident is owed a notice and has not had one; a timeline entry for each.

    Re-run whenever severity, type or the PHI flag change: a contact owed for a new reason who has been
    told already is not told again. Once resolved, every contact owed a notice hears of the resolution.
    """
    fence.lock_incident(session, timer.subject_id, wait=False)  # as paging does: never wait holding a timer
    incident = session.get(Incident, timer.subject_id)
    if incident is None:
        return
    pack = incidents.pack_of(incident)
    owed = notices.by_contact(notices.owed(pack, incident_type=incident.type, phi_suspected=incident.phi_suspected,
                                           severity=incident.severity))
    if not lifecycle.is_open(incident.status):
        _resolution(session, incident, owed, now=now, base_url=base_url)
        return
    told = _told(session, incident.id)
    message = None
    queued: list[str] = []
    for contact, reasons in owed.items():
        if contact in told:
            continue
        label = ", ".join(notices.reason_label(pack, r) for r in reasons)
        data = {"notice": reasons[0], "reasons": reasons, "contact": contact}
        if message is None:
            message = (messages.render(session, incident=incident, purpose="initial", now=now, base_url=base_url)
                       or messages.fallback(incident, base_url=base_url, note="incident notification"))
        names = messages.send_to_contact(session, incident=incident, contact=contact, message=message,
                                         key=f"notify:{incident.id}:{contact}", purpose="notify", now=now,
                                         base_url=base_url)
        if not names:
            incidents.record(session, incident, kind="notified", actor=SYSTEM, now=now, data={**data, "sent": []},
                             summary=f"Could not notify contact {contact} ({label}): no reachable contact method")
            continue
        incidents.record(session, incident, kind="notified", actor=SYSTEM, now=now, data={**data, "sent": names},
                         summary=f"Notified {', '.join(names)}: {label}")
        queued += names
    if queued:
        incidents.record(session, incident, kind="stakeholders_notified", actor=SYSTEM, now=now,
                         summary=f"Stakeholders notified ({message.template or 'notice'}): {', '.join(queued)}",
                         data={"template": message.template, "sent": queued})


def _resolution(session: Session, incident: Incident, owed: dict[str, list[str]], *, now: datetime,
                base_url: str) -> None:
    if incident.resolved_at is None or not owed:
        return
    stamp = incident.resolved_at.isoformat()
    if stamp in _resolutions_sent(session, incident.id):
        return
    message = (messages.render(session, incident=incident, purpose="resolution", now=now, base_url=base_url)
               or messages.fallback(incident, base_url=base_url, note="resolved"))
    sent: list[str] = []
    for contact in owed:
        sent += messages.send_to_contact(session, incident=incident, contact=contact, message=message,
                                         key=f"resolved:{incident.id}:{stamp}:{contact}", purpose="notify",
                                         now=now, base_url=base_url)
    incidents.record(session, incident, kind="resolution_notice", actor=SYSTEM, now=now,
                     summary=(f"Resolution notice sent to {', '.join(sent)}" if sent
                              else "Resolution notice: no stakeholder has a reachable contact method"),
                     data={"resolved_at": stamp, "sent": sent, "template": message.template})


def _told(session: Session, incident_id: int) -> set[str]:
    """Contacts already on the timeline: one notice per contact, whatever changes back and forth."""
    entries = session.scalars(select(TimelineEntry.data).where(TimelineEntry.incident_id == incident_id,
                                                               TimelineEntry.kind == "notified"))
    return {d.get("contact") for d in entries}


def _resolutions_sent(session: Session, incident_id: int) -> set[str]:
    entries = session.scalars(select(TimelineEntry.data).where(TimelineEntry.incident_id == incident_id,
                                                               TimelineEntry.kind == "resolution_notice"))
    return {d.get("resolved_at") for d in entries}
