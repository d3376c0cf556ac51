"""Ingest: dedup normalised alerts, group them into incidents, resolve what senders resolve.

Triggers, nearly all of the traffic, are applied set-wise: one query finds the open alerts of a whole
group commit, new alerts and repeats are written with one statement each, and each incident gets one
timeline line per batch. Acknowledge, resolve and record events are rare and go one at a time through
the ORM, after the batch's pending writes are settled, so every event still applies in arrival order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from codeblue.alerts import grouping
from codeblue.alerts.models import Alert, Delivery, Integration
from codeblue.alerts.normal import NormalAlert
from codeblue.auth.actor import Actor
from codeblue.catalog.models import Service
from codeblue.db import insert_rows
from codeblue.incidents import lifecycle
from codeblue.incidents import service as incidents
from codeblue.incidents.lifecycle import Status
from codeblue.incidents.models import Incident, TimelineEntry
from codeblue.policy.rules import Classification

MAX_KEY = 255
IN_CHUNK = 500  # keys per IN (...) list, well under every driver's parameter limit


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
    """Apply one delivery's events in order; the caller's unit of work commits them."""
    return ingest_many(session, deliveries=[(integration, alerts, body)], now=now)[0]


def ingest_many(
    session: Session, *, deliveries: Sequence[tuple[Integration, Sequence[NormalAlert], str]], now: datetime
) -> list[list[Outcome]]:
    """Apply many deliveries' events, in order, as one batch; the caller's unit of work commits them."""
    rows = [{"integration_id": i.id, "received_at": now, "body": body, "alert_count": len(events)}
            for i, events, body in deliveries]
    delivery_ids = list(session.scalars(insert(Delivery).returning(Delivery.id, sort_by_parameter_order=True),
                                        rows))
    batch = _Batch(session, now)
    batch.load_open({(i.id, dedup_key(e)) for i, events, _ in deliveries for e in events if e.action == "trigger"})
    results = [[batch.apply(integration, delivery_id, event) for event in events]
               for (integration, events, _), delivery_id in zip(deliveries, delivery_ids, strict=True)]
    batch.settle()
    return [[r.outcome() for r in rs] for rs in results]


@dataclass(eq=False)
class _Open:
    """An open alert as the batch sees it: loaded from the database, or opened by this batch."""

    integration_id: int
    key: str
    id: int | None = None
    incident_id: int | None = None
    incident_ref: str | None = None
    count: int = 1
    facts: dict[str, Any] = field(default_factory=dict)
    new_row: dict[str, Any] | None = None  # values to insert, for an alert this batch opened
    changes: dict[str, Any] | None = None  # values to update, for a loaded alert seen again


@dataclass(eq=False)
class _Result:
    action: str
    key: str
    result: str
    alert: _Open | None = None
    alert_id: int | None = None
    incident: str | None = None

    def outcome(self) -> Outcome:
        if self.alert is not None:
            return Outcome(self.action, self.key, self.result, self.alert.id, self.alert.incident_ref)
        return Outcome(self.action, self.key, self.result, self.alert_id, self.incident)


@dataclass(eq=False)
class _Touched:
    """What a batch did to one incident: the alerts it linked and the worst verdict among them."""

    incident: Incident
    actor: Actor
    opened: bool
    links: list[tuple[_Open, str, str]] = field(default_factory=list)
    verdicts: list[Classification] = field(default_factory=list)


class _Batch:
    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.open: dict[tuple[int, str], _Open] = {}
        self.incidents: dict[tuple[int, str], Incident] = {}
        self.touched: dict[int, _Touched] = {}

    def load_open(self, pairs: set[tuple[int, str]]) -> None:
        by_integration: dict[int, list[str]] = {}
        for integration_id, key in pairs:
            by_integration.setdefault(integration_id, []).append(key)
        for integration_id, keys in by_integration.items():
            for start in range(0, len(keys), IN_CHUNK):
                query = (
                    select(Alert.id, Alert.dedup_key, Alert.incident_id, Alert.count, Alert.facts, Incident.ref)
                    .outerjoin(Incident, Incident.id == Alert.incident_id)
                    .where(Alert.integration_id == integration_id, Alert.status == "firing",
                           Alert.dedup_key.in_(keys[start:start + IN_CHUNK]))
                )
                for id_, key, incident_id, count, facts, ref in self.session.execute(query):
                    self.open[(integration_id, key)] = _Open(integration_id, key, id_, incident_id, ref, count,
                                                             dict(facts or {}))

    def apply(self, integration: Integration, delivery_id: int, event: NormalAlert) -> _Result:
        key = dedup_key(event)
        if event.action == "trigger":
            seen = self.open.get((integration.id, key))
            if seen is not None:
                self._repeat(seen, event, delivery_id)
                return _Result("trigger", key, "deduplicated", seen)
            return _Result("trigger", key, "created", self._new(integration, delivery_id, event, key))
        # Rare events: write what the batch holds so far, then apply this one through the ORM.
        self.settle()
        out = _apply_one(self.session, integration, delivery_id, event, key, self.now)
        if out.result == "resolved":
            self.open.pop((integration.id, key), None)
        return _Result(out.action, out.dedup_key, out.result, alert_id=out.alert_id, incident=out.incident)

    def _repeat(self, seen: _Open, event: NormalAlert, delivery_id: int) -> None:
        seen.count += 1
        seen.facts = {**seen.facts, **event.facts}
        values = {"count": seen.count, "last_seen_at": self.now, "delivery_id": delivery_id,
                  "summary": event.summary[:1024], "facts": seen.facts}
        if seen.new_row is not None:
            seen.new_row.update(values)
        else:
            seen.changes = values

    def _new(self, integration: Integration, delivery_id: int, event: NormalAlert, key: str) -> _Open:
        service = integration.service
        verdict = grouping.classify(service, event)
        actor = actor_for(integration)
        incident = self._incident(service, verdict, event, actor)
        alert = _Open(integration.id, key, incident_id=incident.id, incident_ref=incident.ref,
                      facts=dict(event.facts))
        touched = self.touched.get(incident.id)
        if touched is None:
            touched = self.touched[incident.id] = _Touched(incident, actor, opened=False)
        touched.links.append((alert, event.source, event.summary))
        touched.verdicts.append(verdict)
        alert.new_row = {
            "integration_id": integration.id, "service_id": integration.service_id, "delivery_id": delivery_id,
            "dedup_key": key, "status": "firing", "summary": event.summary[:1024], "source": event.source[:255],
            "component": (event.component or None) and event.component[:255],
            "severity_hint": event.severity_hint, "facts": alert.facts, "details": dict(event.details),
            "links": list(event.links), "occurred_at": event.occurred_at or self.now, "first_seen_at": self.now,
            "last_seen_at": self.now, "count": 1, "incident_id": incident.id,
        }
        self.open[(integration.id, key)] = alert
        return alert

    def _incident(self, service: Service, verdict: Classification, event: NormalAlert, actor: Actor) -> Incident:
        slot = (service.id, verdict.type)
        incident = self.incidents.get(slot)
        if incident is None or not lifecycle.is_open(incident.status):
            incident = grouping.open_incident(self.session, service=service, type_=verdict.type, now=self.now)
            if incident is None:
                incident = grouping.open_for(self.session, service=service, event=event, verdict=verdict,
                                             actor=actor, now=self.now)
                self.touched[incident.id] = _Touched(incident, actor, opened=True)
            self.incidents[slot] = incident
        return incident

    def settle(self) -> None:
        """Write the alerts opened and seen again so far, then each touched incident's timeline line."""
        pending = [a for a in self.open.values() if a.new_row is not None or a.changes is not None]
        if not pending and not self.touched:
            return
        new = [a for a in pending if a.new_row is not None]
        if new:
            returned = insert_rows(self.session, Alert.__table__, [a.new_row for a in new],
                                   returning=("id", "integration_id", "dedup_key"))
            ids = {(integration_id, key): id_ for id_, integration_id, key in returned}
            for alert in new:
                alert.id, alert.new_row = ids[(alert.integration_id, alert.key)], None
        changed = [a for a in pending if a.changes is not None]
        if changed:
            self.session.execute(update(Alert), [{"id": a.id, **a.changes} for a in changed])
            for alert in changed:
                alert.changes = None
        entries = []
        for touched in self.touched.values():
            incident = touched.incident
            items = [(source, summary) for _, source, summary in touched.links]
            entries.append({
                "incident_id": incident.id, "at": self.now, "kind": "alert_linked", "actor": touched.actor.label,
                "actor_user_id": None, "summary": grouping.link_summary(items, opened=touched.opened),
                "data": {"alert_id": touched.links[0][0].id} if len(touched.links) == 1
                else {"alert_ids": [a.id for a, _, _ in touched.links]},
            })
            incident.updated_at = self.now
        if entries:
            self.session.execute(insert(TimelineEntry), entries)
        for touched in self.touched.values():
            worst = min(touched.verdicts, key=lambda v: grouping.SEVERITY_RANK[v.severity])
            phi = [v for v in touched.verdicts if v.phi_suspected][:1]
            for verdict in [worst, *phi]:
                grouping.raise_to(self.session, incident=touched.incident, verdict=verdict, actor=touched.actor,
                                  now=self.now)
        self.touched.clear()
        self.session.flush()


def _apply_one(session: Session, integration: Integration, delivery_id: int, event: NormalAlert, key: str,
               now: datetime) -> Outcome:
    existing = open_alert(session, integration_id=integration.id, key=key)
    if existing is None:
        if event.action == "record":
            alert = Alert(
                integration_id=integration.id, service_id=integration.service_id, delivery_id=delivery_id,
                dedup_key=key, status="recorded", summary=event.summary[:1024], source=event.source[:255],
                component=(event.component or None) and event.component[:255], severity_hint=event.severity_hint,
                facts=dict(event.facts), details=dict(event.details), links=list(event.links),
                occurred_at=event.occurred_at or now, first_seen_at=now, last_seen_at=now, count=1,
            )
            session.add(alert)
            session.flush()
            return Outcome("record", key, "recorded", alert.id)
        return Outcome(event.action, key, "ignored")
    incident = None if existing.incident_id is None else session.get(Incident, existing.incident_id)
    ref = incident.ref if incident is not None else None
    if event.action == "acknowledge":
        existing.acknowledged_at = existing.acknowledged_at or now
        if incident is not None and incident.status == Status.TRIGGERED:
            incidents.acknowledge(session, incident=incident, actor=actor_for(integration), now=now,
                                  note=f"acknowledged by the sender ({integration.type})")
        return Outcome("acknowledge", key, "acknowledged", existing.id, ref)
    if event.action == "resolve":
        existing.status, existing.resolved_at, existing.last_seen_at = "resolved", now, now
        existing.delivery_id = delivery_id
        session.flush()
        grouping.after_resolve(session, alert=existing, actor=actor_for(integration), now=now)
        return Outcome("resolve", key, "resolved", existing.id, ref)
    # "record" while the alert is open: a state worth keeping (e.g. INSUFFICIENT_DATA), not a page.
    existing.last_seen_at, existing.delivery_id = now, delivery_id
    existing.summary = event.summary[:1024]
    existing.facts = {**existing.facts, **event.facts}
    if incident is not None:
        incidents.record(session, incident, kind="alert_state", actor=actor_for(integration), now=now,
                         summary=f"Alert state recorded: {event.summary}", data={"alert_id": existing.id})
    return Outcome("record", key, "recorded", existing.id, ref)
