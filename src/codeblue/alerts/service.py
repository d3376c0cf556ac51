"""Ingest: dedup normalised alerts, group them into incidents, resolve what senders resolve."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.alerts import grouping
from codeblue.alerts.models import Alert, Delivery, Integration
from codeblue.alerts.normal import NormalAlert
from codeblue.auth.actor import Actor
from codeblue.catalog.models import Service
from codeblue.incidents import service as incidents
from codeblue.incidents.lifecycle import Status
from codeblue.incidents.models import Incident

MAX_KEY = 255


@dataclass(frozen=True)
class Outcome:
    """What became of one event: created, deduplicated, acknowledged, resolved, recorded or ignored."""

    action: str
    dedup_key: str
    result: str
    alert_id: int | None = None
    incident: str | None = None


def fingerprint(alert: NormalAlert) -> str:
    """A stable key for senders that give none: the same source, component and summary dedup together."""
    content = json.dumps([alert.source, alert.component, alert.summary], separators=(",", ":"))
    return "fp:" + hashlib.sha256(content.encode()).hexdigest()[:40]


def dedup_key(alert: NormalAlert) -> str:
    key = alert.dedup_key or fingerprint(alert)
    # Long sender keys are hashed rather than cut, so two long keys never collide on a prefix.
    return key if len(key) <= MAX_KEY else "h:" + hashlib.sha256(key.encode()).hexdigest()


def actor_for(integration: Integration) -> Actor:
    return Actor(kind="integration", name=integration.name)


def lock_services(session: Session, service_ids: Sequence[int]) -> None:
    """Serialise ingest per service across instances on PostgreSQL (SQLite has one writer already)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for sid in sorted(set(service_ids)):  # one order everywhere, so two batches cannot deadlock
        session.execute(select(Service.id).where(Service.id == sid).with_for_update())


def open_alert(session: Session, *, integration_id: int, key: str) -> Alert | None:
    return session.scalar(
        select(Alert).where(Alert.integration_id == integration_id, Alert.dedup_key == key, Alert.status == "firing")
    )


def ingest(
    session: Session, *, integration: Integration, alerts: Sequence[NormalAlert], body: str, now: datetime
) -> list[Outcome]:
    """Apply one delivery's events in order; the caller's unit of work commits them together."""
    delivery = Delivery(integration_id=integration.id, received_at=now, body=body, alert_count=len(alerts))
    session.add(delivery)
    session.flush()
    return [_apply(session, integration, delivery, event, now) for event in alerts]


def _apply(session: Session, integration: Integration, delivery: Delivery, event: NormalAlert,
           now: datetime) -> Outcome:
    key = dedup_key(event)
    existing = open_alert(session, integration_id=integration.id, key=key)
    if event.action == "trigger":
        if existing is not None:
            _refresh(existing, event, delivery, now)
            return Outcome("trigger", key, "deduplicated", existing.id, _ref(session, existing))
        alert = _new_alert(session, integration, delivery, event, key, "firing", now)
        incident = grouping.place(session, alert=alert, service=integration.service, actor=actor_for(integration),
                                  now=now)
        return Outcome("trigger", key, "created", alert.id, incident.ref)
    if existing is None:
        if event.action == "record":
            alert = _new_alert(session, integration, delivery, event, key, "recorded", now)
            return Outcome("record", key, "recorded", alert.id)
        return Outcome(event.action, key, "ignored")
    if event.action == "acknowledge":
        existing.acknowledged_at = existing.acknowledged_at or now
        incident = _incident(session, existing)
        if incident is not None and incident.status == Status.TRIGGERED:
            incidents.acknowledge(session, incident=incident, actor=actor_for(integration), now=now,
                                  note=f"acknowledged by the sender ({integration.type})")
        return Outcome("acknowledge", key, "acknowledged", existing.id, _ref(session, existing))
    if event.action == "resolve":
        existing.status, existing.resolved_at, existing.last_seen_at = "resolved", now, now
        existing.delivery_id = delivery.id
        session.flush()
        grouping.after_resolve(session, alert=existing, actor=actor_for(integration), now=now)
        return Outcome("resolve", key, "resolved", existing.id, _ref(session, existing))
    # "record" while the alert is open: a state worth keeping (e.g. INSUFFICIENT_DATA), not a page.
    _refresh(existing, event, delivery, now, count=False)
    incident = _incident(session, existing)
    if incident is not None:
        incidents.record(session, incident, kind="alert_state", actor=actor_for(integration), now=now,
                         summary=f"Alert state recorded: {event.summary}", data={"alert_id": existing.id})
    return Outcome("record", key, "recorded", existing.id, _ref(session, existing))


def _new_alert(session: Session, integration: Integration, delivery: Delivery, event: NormalAlert, key: str,
               status: str, now: datetime) -> Alert:
    alert = Alert(
        integration_id=integration.id, service_id=integration.service_id, delivery_id=delivery.id, dedup_key=key,
        status=status, summary=event.summary[:1024], source=event.source[:255],
        component=(event.component or None) and event.component[:255], severity_hint=event.severity_hint,
        facts=dict(event.facts), details=dict(event.details), links=list(event.links),
        occurred_at=event.occurred_at or now, first_seen_at=now, last_seen_at=now, count=1,
    )
    session.add(alert)
    session.flush()
    return alert


def _refresh(alert: Alert, event: NormalAlert, delivery: Delivery, now: datetime, *, count: bool = True) -> None:
    if count:
        alert.count += 1
    alert.last_seen_at = now
    alert.delivery_id = delivery.id
    alert.summary = event.summary[:1024]
    alert.facts = {**alert.facts, **event.facts}


def _incident(session: Session, alert: Alert) -> Incident | None:
    return None if alert.incident_id is None else session.get(Incident, alert.incident_id)


def _ref(session: Session, alert: Alert) -> str | None:
    incident = _incident(session, alert)
    return incident.ref if incident is not None else None
