"""Integrations: create one (its key shown once), and find one by key quickly on the hot path."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.alerts import heartbeats
from codeblue.alerts.adapters import generic
from codeblue.alerts.models import Integration
from codeblue.audit import service as audit
from codeblue.auth.actor import SYSTEM, Actor
from codeblue.auth.service import hash_secret
from codeblue.catalog import service as catalog
from codeblue.errors import BadInput

TYPES = ("pagerduty", "alertmanager", "grafana", "datadog", "sns", "eventbridge", "generic", "heartbeat")
HOOK_TYPES = ("alertmanager", "grafana", "datadog", "sns", "eventbridge", "generic")


def new_key() -> str:
    """32 hex characters: the shape of a PagerDuty routing key, so existing senders accept it."""
    return secrets.token_hex(16)


def url_for(base_url: str, type_: str, key: str) -> str:
    if type_ == "pagerduty":
        return f"{base_url}/v2/enqueue"
    if type_ == "heartbeat":
        return f"{base_url}/api/v1/heartbeats/{key}"
    return f"{base_url}/api/v1/hooks/{type_}/{key}"


def _check_options(type_: str, options: dict[str, Any]) -> dict[str, Any]:
    if type_ == "generic":
        problems = generic.check_options(options)
        if problems:
            raise BadInput("; ".join(m for _, m in problems), details={"field": problems[0][0],
                           "problems": [{"field": f, "message": m} for f, m in problems]})
    if type_ == "sns":
        topics = options.get("allowed_topics")
        if topics is not None and (not isinstance(topics, list) or not all(isinstance(t, str) for t in topics)):
            raise BadInput("options.allowed_topics must be a list of topic ARNs",
                           details={"field": "options.allowed_topics"})
        if topics == []:
            raise BadInput("options.allowed_topics is empty, so no topic could deliver; leave it out to accept "
                           "any topic", details={"field": "options.allowed_topics"})
        if not isinstance(options.get("verify_signature", True), bool):
            raise BadInput("options.verify_signature must be true or false",
                           details={"field": "options.verify_signature"})
    if type_ == "heartbeat":
        return heartbeats.check_options(options)
    return options


def create(
    session: Session, *, type_: str, service: str, name: str, options: dict[str, Any], now: datetime,
    actor: Actor = SYSTEM,
) -> tuple[Integration, str]:
    """A new integration and its key; the key is returned once and only its hash is kept."""
    if type_ not in TYPES:
        raise BadInput(f"unknown integration type '{type_}'; one of: {', '.join(TYPES)}", details={"field": "type"})
    svc = catalog.get(session, slug=service)
    key = new_key()
    integration = Integration(
        service_id=svc.id, type=type_, name=name, key_hash=hash_secret(key), key_prefix=key[:6],
        options=_check_options(type_, dict(options)), created_at=now,
    )
    integration.service = svc
    session.add(integration)
    session.flush()
    # Alerts themselves are not audited one by one: there can be thousands a minute in a storm, and each
    # is its own durable record (with its delivery); who may send them, this integration, is.
    audit.record(session, actor=actor, action="integration.created", subject_type="integration",
                 subject_id=integration.id, now=now,
                 after={"type": type_, "service": svc.slug, "name": name, "key_prefix": integration.key_prefix,
                        "options": integration.options})
    if type_ == "heartbeat":
        heartbeats.arm(session, integration, since=now, now=now)
    return integration, key


def list_integrations(session: Session) -> list[Integration]:
    return list(session.scalars(select(Integration).order_by(Integration.id)))


@dataclass(frozen=True)
class IntegrationRef:
    """What the ingest path needs to know about an integration, cached per process."""

    id: int
    type: str
    service_id: int
    options: dict[str, Any]


class KeyCache:
    """Key → integration, for a short time: saves a query per alert without keeping stale state long."""

    def __init__(self, ttl_seconds: float = 30.0) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, IntegrationRef]] = {}
        self._lock = threading.Lock()

    def cached(self, key: str) -> IntegrationRef | None:
        """The integration if this process saw its key recently; no database work, so no thread hop."""
        with self._lock:
            hit = self._entries.get(hash_secret(key))
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def lookup(self, session_factory: Any, key: str) -> IntegrationRef | None:
        hit = self.cached(key)
        if hit is not None:
            return hit
        digest = hash_secret(key)
        with session_factory() as session:
            row = session.scalar(select(Integration).where(Integration.key_hash == digest, Integration.enabled))
            if row is None:
                return None
            ref = IntegrationRef(id=row.id, type=row.type, service_id=row.service_id, options=dict(row.options))
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (time.monotonic() + self._ttl, ref)
        return ref
