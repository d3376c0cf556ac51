"""Evidence on an incident: stored once with its SHA-256, never altered, kept for the retention period."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm
from codeblue.compliance import retention
from codeblue.errors import BadInput, Conflict, NotFound, PayloadTooLarge, RetentionHold
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.runbooks.models import Evidence

KINDS = ("log", "file", "command_output", "link")


def add(session: Session, *, incident: Incident, kind: str, name: str, actor: Actor, now: datetime,
        max_bytes: int, content: bytes | None = None, content_type: str = "application/octet-stream",
        url: str | None = None, note: str = "", data: dict[str, Any] | None = None) -> Evidence:
    """Attach one piece of evidence; the same content attached again is the evidence already stored."""
    actor.require(Perm.INCIDENT_RESPOND)
    if kind not in KINDS:
        raise BadInput(f"unknown evidence kind '{kind}'; one of: {', '.join(KINDS)}", details={"field": "kind"})
    if kind == "link":
        content = _link(url)
        content_type = "text/uri-list"
    elif url:
        raise BadInput("only a link takes a url; attach a file, a log or command output as content",
                       details={"field": "url"})
    if not content:
        raise BadInput("the evidence is empty: attach a file, text or a link", details={"field": "content"})
    if len(content) > max_bytes:
        raise PayloadTooLarge(f"the evidence is {len(content)} bytes; the limit is {max_bytes} bytes",
                              details={"size": len(content), "limit": max_bytes})
    name = (name or "").strip()[:300] or (url or f"{kind} attached {now:%Y-%m-%d %H:%M:%S}")[:300]
    digest = hashlib.sha256(content).hexdigest()
    same = session.scalar(select(Evidence).where(Evidence.incident_id == incident.id, Evidence.sha256 == digest))
    if same is not None:
        return same
    row = Evidence(incident_id=incident.id, kind=kind, name=name, content_type=(content_type or "")[:200]
                   or "application/octet-stream", size=len(content), sha256=digest,
                   content=None if kind == "link" else content, url=url if kind == "link" else None,
                   note=note, data=data or {}, created_by=actor.label, created_by_user_id=actor.user_id,
                   created_at=now, retain_until=retention.retained_until(created_at=now, last_changed=now))
    session.add(row)
    session.flush()
    what = {"log": "Log", "file": "File", "command_output": "Command output", "link": "Link"}[kind]
    incidents.record(session, incident, kind="evidence_added", actor=actor, now=now,
                     summary=f"{what} attached as evidence #{row.id}: {name} ({row.size} bytes, sha256 {digest[:12]}…)",
                     data={"evidence_id": row.id, "kind": kind, "name": name, "size": row.size, "sha256": digest})
    return row


def _link(url: str | None) -> bytes:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2_000:
        raise BadInput("a link must be an http:// or https:// URL of at most 2000 characters",
                       details={"field": "url"})
    return url.encode()


def list_for(session: Session, *, incident: Incident) -> list[Evidence]:
    return list(session.scalars(select(Evidence).where(Evidence.incident_id == incident.id)
                                .order_by(Evidence.created_at, Evidence.id)))


def get(session: Session, *, evidence_id: int) -> Evidence:
    found = session.get(Evidence, evidence_id)
    if found is None:
        raise NotFound(f"no evidence #{evidence_id}")
    return found


def content(session: Session, *, evidence: Evidence) -> bytes:
    """The stored bytes, checked against the hash they were stored with."""
    data = evidence.url.encode() if evidence.kind == "link" else (evidence.content or b"")
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        raise Conflict(f"evidence #{evidence.id} does not match its SHA-256; it is kept as found for review")
    return data


def remove(session: Session, *, evidence: Evidence, actor: Actor, now: datetime) -> None:
    """Evidence is deleted by an admin only once its retention period has run out."""
    actor.require(Perm.ADMIN)
    if now < evidence.retain_until:
        raise RetentionHold(
            f"evidence #{evidence.id} is kept until {evidence.retain_until:%Y-%m-%d %H:%M} UTC "
            f"({retention.RETENTION_YEARS} years, {retention.CITE_RETENTION}); it cannot be altered or deleted before then",
            details={"retain_until": evidence.retain_until.isoformat()})
    incident = session.get(Incident, evidence.incident_id)
    session.delete(evidence)
    incidents.record(session, incident, kind="evidence_removed", actor=actor, now=now,
                     summary=f"Evidence #{evidence.id} deleted after its retention period: {evidence.name}",
                     data={"evidence_id": evidence.id, "sha256": evidence.sha256})
