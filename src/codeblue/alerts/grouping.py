"""Which incident an alert belongs to, and what happens to it when its alerts clear."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from codeblue.alerts.models import Alert
from codeblue.alerts.normal import NormalAlert
from codeblue.auth.actor import Actor
from codeblue.catalog.models import Service
from codeblue.comms import service as comms
from codeblue.incidents import lifecycle
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.incidents.schemas import IncidentCreate
from codeblue.policy import rules
from codeblue.policy import service as policy
from codeblue.statuspage import tracking as customer_notice

SEVERITY_RANK = {"P0": 0, "P1": 1, "P2": 2, "P3": 3}


def classification_facts(event: NormalAlert) -> dict[str, Any]:
    facts: dict[str, Any] = {"source": event.source}
    if event.severity_hint:
        facts["severity_hint"] = event.severity_hint
    return {**facts, **event.facts}


def classify(service: Service, event: NormalAlert) -> rules.Classification:
    return rules.classify(policy.get_pack(service.pack), classification_facts(event))


def open_incident(session: Session, *, service: Service, type_: str, now: datetime) -> Incident | None:
    """The service's newest open incident of this type detected within the pack's grouping window."""
    window = policy.get_pack(service.pack).grouping_window
    return session.scalar(
        select(Incident)
        .where(Incident.service_id == service.id, Incident.type == type_,
               Incident.status.in_([s.value for s in lifecycle.OPEN]), Incident.detected_at >= now - window)
        .order_by(Incident.detected_at.desc(), Incident.id.desc())
        .limit(1)
    )


def open_for(session: Session, *, service: Service, event: NormalAlert, verdict: rules.Classification,
             actor: Actor, now: datetime) -> Incident:
    """A new incident opened by this alert."""
    data = IncidentCreate(service=service.slug, title=event.summary[:300] or "Alert", facts=dict(event.facts))
    return incidents.create(session, data=data, actor=actor, now=now, source="alert", verdict=verdict)


def raise_to(session: Session, *, incident: Incident, verdict: rules.Classification, actor: Actor,
             now: datetime) -> None:
    """A worse signal raises the incident's severity and PHI flag; nothing automatic ever lowers them,
    and once a person has set the severity an alert only notes what it would have raised it to."""
    before = incident.severity
    worse = SEVERITY_RANK[verdict.severity] < SEVERITY_RANK[before]
    if worse and incidents.severity_set_by_person(session, incident=incident):
        incidents.record(session, incident, kind="severity_kept", actor=actor, now=now,
                         summary=f"An alert suggests {verdict.severity} ({verdict.reason}); severity {before} "
                                 "was set by a person and is kept",
                         data={"suggested": verdict.severity, "reason": verdict.reason, "rule": verdict.rule_id})
    elif worse:
        incident.severity = verdict.severity
        incidents.record(session, incident, kind="severity_changed", actor=actor, now=now,
                         summary=f"Severity {before} → {verdict.severity}: {verdict.reason}",
                         data={"from": before, "to": verdict.severity, "reason": verdict.reason,
                               "rule": verdict.rule_id})
        comms.after_change(session, incident=incident, now=now, what="severity")
        customer_notice.track(session, incident=incident, pack=incidents.pack_of(incident), now=now)
    if verdict.phi_suspected and not incident.phi_suspected:
        incidents.set_flag(session, incident=incident, flag="phi_suspected", value=True, actor=actor, now=now,
                           reason=verdict.reason)


def link_summary(sources_summaries: list[tuple[str, str]], *, opened: bool) -> str:
    """One timeline line for the alerts a delivery batch attached to an incident."""
    source, summary = sources_summaries[0]
    if opened and len(sources_summaries) == 1:
        return f"Alert from {source}: {summary}"
    if len(sources_summaries) == 1:
        return f"Alert joined from {source}: {summary}"
    shown = "; ".join(s for _, s in sources_summaries[:3])
    more = len(sources_summaries) - 3
    return f"{len(sources_summaries)} alerts {'linked' if opened else 'joined'}: {shown}" + (
        f" (+{more} more)" if more > 0 else "")


def after_resolve(session: Session, *, alert: Alert, actor: Actor, now: datetime) -> None:
    """When the last firing alert of an open incident resolves, move it as the pack says."""
    if alert.incident_id is None:
        return
    incident = session.get(Incident, alert.incident_id)
    if incident is None or not lifecycle.is_open(incident.status):
        return
    still_firing = session.scalar(
        select(exists().where(Alert.incident_id == incident.id, Alert.status == "firing"))
    )
    incidents.record(session, incident, kind="alert_resolved", actor=actor, now=now,
                     summary=f"Alert resolved by the sender: {alert.summary}", data={"alert_id": alert.id})
    if still_firing:
        return
    target = policy.get_pack(incident.service.pack).auto_resolve
    if target == "none" or incident.status == target:
        return
    incidents.transition(session, incident=incident, to=target, actor=actor, now=now,
                         note="every alert of this incident has resolved")
