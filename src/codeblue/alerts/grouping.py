"""Which incident an alert belongs to, and what happens to it when its alerts clear."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from codeblue.alerts.models import Alert
from codeblue.auth.actor import Actor
from codeblue.catalog.models import Service
from codeblue.incidents import lifecycle
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.incidents.schemas import IncidentCreate
from codeblue.policy import rules
from codeblue.policy import service as policy

SEVERITY_RANK = {"P0": 0, "P1": 1, "P2": 2, "P3": 3}


def classification_facts(alert: Alert) -> dict[str, Any]:
    facts: dict[str, Any] = {"source": alert.source}
    if alert.severity_hint:
        facts["severity_hint"] = alert.severity_hint
    return {**facts, **alert.facts}


def place(session: Session, *, alert: Alert, service: Service, actor: Actor, now: datetime) -> Incident:
    """Join the service's open incident of the same type within the pack's window, or open one."""
    pack = policy.get_pack(service.pack)
    verdict = rules.classify(pack, classification_facts(alert))
    open_statuses = [s.value for s in lifecycle.OPEN]
    incident = session.scalar(
        select(Incident)
        .where(Incident.service_id == service.id, Incident.type == verdict.type,
               Incident.status.in_(open_statuses), Incident.detected_at >= now - pack.grouping_window)
        .order_by(Incident.detected_at.desc(), Incident.id.desc())
        .limit(1)
    )
    if incident is None:
        data = IncidentCreate(service=service.slug, title=alert.summary[:300] or "Alert", facts=alert.facts)
        incident = incidents.create(session, data=data, actor=actor, now=now, source="alert", verdict=verdict)
        alert.incident_id = incident.id
        incidents.record(session, incident, kind="alert_linked", actor=actor, now=now,
                         summary=f"Alert from {alert.source}: {alert.summary}", data={"alert_id": alert.id})
        return incident
    alert.incident_id = incident.id
    incidents.record(session, incident, kind="alert_linked", actor=actor, now=now,
                     summary=f"Alert joined from {alert.source}: {alert.summary}", data={"alert_id": alert.id})
    if SEVERITY_RANK[verdict.severity] < SEVERITY_RANK[incident.severity]:
        # A worse signal raises the incident; nothing automatic ever lowers it.
        before = incident.severity
        incident.severity = verdict.severity
        incidents.record(session, incident, kind="severity_changed", actor=actor, now=now,
                         summary=f"Severity {before} → {verdict.severity}: {verdict.reason}",
                         data={"from": before, "to": verdict.severity, "reason": verdict.reason,
                               "rule": verdict.rule_id})
    if verdict.phi_suspected and not incident.phi_suspected:
        incidents.set_flag(session, incident=incident, flag="phi_suspected", value=True, actor=actor, now=now,
                           reason=verdict.reason)
    return incident


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
