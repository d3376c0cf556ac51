"""Incident operations. Every change appends a timeline entry; nothing here commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from codeblue.alerts.models import Alert
from codeblue.audit import service as audit
from codeblue.auth import service as auth
from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm
from codeblue.catalog import service as catalog
from codeblue.comms import service as comms
from codeblue.compliance import service as breaches
from codeblue.errors import BadInput, InvalidTransition, NotFound
from codeblue.engine import timers
from codeblue.incidents import ids, lifecycle, observers
from codeblue.incidents.lifecycle import Status
from codeblue.incidents.models import Incident, IncidentRole, TimelineEntry
from codeblue.incidents.schemas import IncidentCreate, IncidentPatch
from codeblue.oncall import fence, notices
from codeblue.policy import rules
from codeblue.policy import service as policy
from codeblue.policy.schema import Pack
from codeblue.reviews import service as reviews
from codeblue.statuspage import tracking as customer_notice


def pack_of(incident: Incident) -> Pack:
    return policy.get_pack(incident.service.pack)


def record(
    session: Session,
    incident: Incident,
    *,
    kind: str,
    actor: Actor,
    now: datetime,
    summary: str,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    """Append one entry to the incident's timeline, and the same change to the audit trail.

    Every timeline entry is a change to the incident, so each kind, old or new, is audited as
    `incident.<kind>` with what it changed from and to.
    """
    data = data or {}
    audit.record(session, actor=actor, action=f"incident.{kind}"[:64], subject_type="incident",
                 subject_id=incident.ref, now=now, **_change(summary, data))
    entry = TimelineEntry(
        incident_id=incident.id,
        at=now,
        kind=kind,
        actor=actor.label,
        actor_user_id=actor.user_id,
        summary=summary,
        data=data,
    )
    session.add(entry)
    incident.updated_at = now
    observers.entry_written(session, incident, entry)
    return entry


def _change(summary: str, data: dict[str, Any]) -> dict[str, Any]:
    """An entry's data as the audit trail's before and after: `from` is the before, the rest the after."""
    after = {"summary": summary, **{k: v for k, v in data.items() if k not in ("from", "to")}}
    if "to" in data:
        after["value"] = data["to"]
    return {"before": {"value": data["from"]} if "from" in data else None, "after": after}


def record_phi_read(session: Session, *, refs: list[str], actor: Actor, now: datetime, what: str,
                    details_shown: bool) -> None:
    """Audit a read of PHI-flagged incidents (their page, record, timeline or alerts), whoever reads them."""
    for ref in dict.fromkeys(refs):
        audit.record(session, actor=actor, action="incident.phi_read", subject_type="incident", subject_id=ref,
                     now=now, after={"what": what, "details_shown": details_shown})


def get(session: Session, *, ref: str) -> Incident:
    found = session.scalar(select(Incident).where(Incident.ref == ref))
    if found is None:
        raise NotFound(f"no incident '{ref}'")
    return found


def list_incidents(
    session: Session,
    *,
    status: str | None = None,
    severity: str | None = None,
    service: str | None = None,
    open_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Incident], int]:
    query = select(Incident)
    if status:
        query = query.where(Incident.status == lifecycle.parse(status).value)
    if open_only:
        query = query.where(Incident.status.in_([s.value for s in lifecycle.OPEN]))
    if severity:
        query = query.where(Incident.severity == severity)
    if service:
        query = query.where(Incident.service_id == catalog.get(session, slug=service).id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Incident.detected_at.desc(), Incident.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def create(
    session: Session,
    *,
    data: IncidentCreate,
    actor: Actor,
    now: datetime,
    source: str | None = None,
    verdict: rules.Classification | None = None,
) -> Incident:
    """Open an incident; the service's pack classifies whatever the caller left open."""
    actor.require(Perm.INCIDENT_CREATE)
    service = catalog.get(session, slug=data.service)
    pack = policy.get_pack(service.pack)
    if data.type is not None and pack.incident_type(data.type) is None:
        raise BadInput(f"'{data.type}' is not an incident type of pack '{pack.pack}'",
                       details={"types": [t.id for t in pack.incident_types]})
    verdict = verdict or rules.classify(pack, data.facts)
    source = source or data.source
    severity = data.severity or verdict.severity
    itype = data.type or verdict.type
    if data.severity and data.type:
        rule, reason = None, f"set by {actor.label} on creation"
    else:
        rule, reason = verdict.rule_id, verdict.reason
    incident = Incident(
        ref=ids.next_ref(session, now=now),
        title=data.title,
        description=data.description,
        service_id=service.id,
        type=itype,
        severity=severity,
        status=Status.TRIGGERED.value,
        user_facing=service.user_facing if data.user_facing is None else data.user_facing,
        phi_suspected=data.phi_suspected or verdict.phi_suspected,
        source=source,
        reporter=data.reporter,
        classification_rule=rule,
        classification_reason=reason,
        detected_at=now,
        created_at=now,
        updated_at=now,
    )
    incident.service = service
    session.add(incident)
    session.flush()
    how = "reported by " + data.reporter if source == "user_report" and data.reporter else f"opened by {actor.label}"
    record(session, incident, kind="created", actor=actor, now=now,
           summary=f"{incident.ref} {how}: {incident.title}",
           data={"source": source, "severity": severity, "type": itype})
    record(session, incident, kind="classified", actor=actor, now=now,
           summary=f"Classified {severity} {pack.incident_type(itype).name}: {reason}",
           data={"rule": rule, "reason": reason, "severity": severity, "type": itype,
                 "severity_by_person": data.severity is not None})
    if incident.phi_suspected:
        record(session, incident, kind="flag_changed", actor=actor, now=now,
               summary="Flagged PHI suspected", data={"flag": "phi_suspected", "value": True})
        breaches.open_case(session, incident=incident, actor=actor, now=now,
                           reason=f"PHI suspected by classification rule '{verdict.rule_id}': {verdict.reason}"
                           if verdict.phi_suspected else f"PHI suspected when opened by {actor.label}")
    # Paging starts from the engine, armed here so it commits with the incident or not at all.
    timers.arm(session, kind=fence.START, subject_id=incident.id, due_at=now, now=now)
    notices.arm(session, pack=pack, incident_id=incident.id, incident_type=itype,
                phi_suspected=incident.phi_suspected, severity=severity, now=now)
    comms.on_open(session, incident=incident, now=now)
    customer_notice.track(session, incident=incident, pack=pack, now=now)
    return incident


def transition(
    session: Session, *, incident: Incident, to: str, actor: Actor, now: datetime, note: str | None = None,
    via: str | None = None, override: str | None = None,
) -> Incident:
    """Move the incident along its lifecycle, stamping the times the move implies.

    Closing needs the post-incident review done; `override` is an admin's reason to close without it.
    Resolving asks the resolve guards (checklists required to resolve); `override` is then the reason to
    resolve with them incomplete.
    """
    actor.require(Perm.INCIDENT_COMMAND if to == Status.CLOSED else Perm.INCIDENT_RESPOND)
    before = incident.status
    target = lifecycle.check(before, to)
    if target == Status.CLOSED:
        reviews.check_close(session, incident=incident, actor=actor, now=now, override=override)
    if target == Status.RESOLVED:
        observers.resolving(session, incident, actor=actor, now=now, override=override)
    # A person moving work on from triggered has seen it; an integration's automatic move has not.
    by_person = actor.kind in ("user", "cli")
    acknowledges = target == Status.ACKNOWLEDGED or (by_person and target != Status.RESOLVED)
    if before == Status.TRIGGERED and acknowledges and incident.acknowledged_at is None:
        incident.acknowledged_at = now
    if target == Status.MONITORING and incident.mitigated_at is None:
        incident.mitigated_at = now
    if target == Status.RESOLVED:
        incident.resolved_at = now
    if before == Status.RESOLVED and target != Status.CLOSED:
        incident.resolved_at = None
    if target == Status.CLOSED:
        incident.closed_at = now
    if before == Status.TRIGGERED:
        fence.stop(session, incident_id=incident.id, now=now, reason=f"incident {target.value} by {actor.label}")
    if target in (Status.RESOLVED, Status.CLOSED):
        _resolve_alerts(session, incident, actor=actor, now=now)
    incident.status = target.value
    summary = f"Status {before} → {target.value}" + (f": {note}" if note else "")
    kind = {Status.ACKNOWLEDGED: "acknowledged", Status.RESOLVED: "resolved"}.get(target, "status_changed")
    data: dict[str, Any] = {"from": before, "to": target.value}
    if kind == "acknowledged":
        data["seconds_to_acknowledge"] = round((now - incident.detected_at).total_seconds(), 3)
        data["via"] = via or actor.kind
        if via:
            summary += f" (via {via})"
    record(session, incident, kind=kind, actor=actor, now=now, summary=summary, data=data)
    if target == Status.RESOLVED:
        reviews.open_for(session, incident=incident, now=now)
    comms.after_change(session, incident=incident, now=now, what="resolved" if target == Status.RESOLVED else "status")
    return incident


def _resolve_alerts(session: Session, incident: Incident, *, actor: Actor, now: datetime) -> None:
    """Resolving an incident resolves its firing alerts, so the sender's next trigger opens a new one
    and pages again instead of counting into an incident nobody is watching."""
    result = session.execute(
        sql_update(Alert).where(Alert.incident_id == incident.id, Alert.status == "firing")
        .values(status="resolved", resolved_at=now).execution_options(synchronize_session="fetch"))
    if result.rowcount:
        record(session, incident, kind="alerts_resolved", actor=actor, now=now,
               summary=f"{result.rowcount} firing alert(s) resolved with the incident",
               data={"count": result.rowcount})


def acknowledge(session: Session, *, incident: Incident, actor: Actor, now: datetime, note: str | None = None,
                via: str | None = None) -> Incident:
    if incident.status != Status.TRIGGERED:
        raise InvalidTransition(
            f"{incident.ref} cannot be acknowledged: it is {incident.status}"
            + (f" (acknowledged {incident.acknowledged_at:%Y-%m-%d %H:%M:%S} UTC)" if incident.acknowledged_at else ""),
            details={"status": incident.status},
        )
    return transition(session, incident=incident, to=Status.ACKNOWLEDGED, actor=actor, now=now, note=note, via=via)


def resolve(session: Session, *, incident: Incident, actor: Actor, now: datetime, note: str | None = None,
            override_reason: str | None = None) -> Incident:
    if not lifecycle.is_open(incident.status):
        raise InvalidTransition(f"{incident.ref} cannot be resolved: it is {incident.status} already",
                                details={"status": incident.status})
    return transition(session, incident=incident, to=Status.RESOLVED, actor=actor, now=now, note=note,
                      override=override_reason)


def change_severity(
    session: Session, *, incident: Incident, severity: str, reason: str | None, actor: Actor, now: datetime
) -> Incident:
    actor.require(Perm.INCIDENT_COMMAND)
    if severity == incident.severity:
        return incident
    if not reason:
        raise BadInput("changing severity needs a reason", details={"field": "reason"})
    pack = pack_of(incident)
    before = incident.severity
    incident.severity = pack.severity(severity).id
    record(session, incident, kind="severity_changed", actor=actor, now=now,
           summary=f"Severity {before} → {severity}: {reason}",
           data={"from": before, "to": severity, "reason": reason, "manual": True})
    comms.after_change(session, incident=incident, now=now, what="severity")
    customer_notice.track(session, incident=incident, pack=pack, now=now)
    return incident


def change_type(session: Session, *, incident: Incident, type_id: str, actor: Actor, now: datetime,
                reason: str | None = None) -> Incident:
    actor.require(Perm.INCIDENT_COMMAND)
    if type_id == incident.type:
        return incident
    pack = pack_of(incident)
    itype = pack.incident_type(type_id)
    if itype is None:
        raise BadInput(f"'{type_id}' is not an incident type of pack '{pack.pack}'",
                       details={"types": [t.id for t in pack.incident_types]})
    if not reason:  # overriding the classification is a decision the record must explain
        raise BadInput("changing the incident type needs a reason", details={"field": "reason"})
    before = incident.type
    incident.type = type_id
    record(session, incident, kind="type_changed", actor=actor, now=now,
           summary=f"Type {before} → {type_id} ({itype.name}): {reason}",
           data={"from": before, "to": type_id, "reason": reason, "manual": True})
    notices.arm(session, pack=pack, incident_id=incident.id, incident_type=type_id,
                phi_suspected=incident.phi_suspected, severity=incident.severity, now=now)
    return incident


def assign_role(session: Session, *, incident: Incident, role: str, email: str | None, actor: Actor,
                now: datetime) -> Incident:
    actor.require(Perm.INCIDENT_COMMAND)
    current = next((r for r in incident.roles if r.role == role), None)
    if email is None:
        if current is None:
            return incident
        incident.roles.remove(current)
        record(session, incident, kind="role_removed", actor=actor, now=now,
               summary=f"{current.user.name} is no longer {role}", data={"role": role, "user": current.user.email})
        return incident
    user = auth.require_user(session, email=email)
    if current is not None and current.user_id == user.id:
        return incident
    if current is None:
        incident.roles.append(IncidentRole(role=role, user=user, user_id=user.id, assigned_at=now))
    else:
        current.user, current.user_id, current.assigned_at = user, user.id, now
    record(session, incident, kind="role_assigned", actor=actor, now=now,
           summary=f"{user.name} is {role}", data={"role": role, "user": user.email})
    return incident


def set_flag(session: Session, *, incident: Incident, flag: str, value: bool, actor: Actor, now: datetime,
             reason: str | None = None) -> Incident:
    if flag == "phi_suspected":
        actor.require(Perm.PHI_FLAG_SET if value else Perm.PHI_FLAG_CLEAR)
    else:
        actor.require(Perm.INCIDENT_COMMAND)
    if getattr(incident, flag) == value:
        return incident
    setattr(incident, flag, value)
    label = {"phi_suspected": "PHI suspected", "user_facing": "user-facing"}[flag]
    record(session, incident, kind="flag_changed", actor=actor, now=now,
           summary=(f"Flagged {label}" if value else f"Cleared {label}") + (f": {reason}" if reason else ""),
           data={"flag": flag, "value": value, "reason": reason})
    if flag == "user_facing":
        customer_notice.track(session, incident=incident, pack=pack_of(incident), now=now)
    if flag == "phi_suspected" and value:
        breaches.open_case(session, incident=incident, actor=actor, now=now,
                           reason=f"flagged PHI suspected by {actor.label}" + (f": {reason}" if reason else ""))
        notices.arm(session, pack=pack_of(incident), incident_id=incident.id, incident_type=incident.type,
                    phi_suspected=True, severity=incident.severity, now=now)
    return incident


def add_note(session: Session, *, incident: Incident, text: str, actor: Actor, now: datetime) -> TimelineEntry:
    actor.require(Perm.INCIDENT_RESPOND)
    return record(session, incident, kind="note", actor=actor, now=now, summary=text)


def update(session: Session, *, incident: Incident, patch: IncidentPatch, actor: Actor, now: datetime) -> Incident:
    """Apply every field of a PATCH in one unit of work, or none if any is refused."""
    actor.require(Perm.INCIDENT_RESPOND)
    fields = patch.model_fields_set
    for name in ("title", "description"):
        value = getattr(patch, name)
        if name in fields and value is not None and value != getattr(incident, name):
            before = getattr(incident, name)
            setattr(incident, name, value)
            record(session, incident, kind=f"{name}_changed", actor=actor, now=now,
                   summary=f"{name.capitalize()} changed" + (f" to: {value}" if name == "title" else ""),
                   data={"from": before, "to": value})
    if patch.severity is not None:
        change_severity(session, incident=incident, severity=patch.severity, reason=patch.reason, actor=actor, now=now)
    if patch.type is not None:
        change_type(session, incident=incident, type_id=patch.type, actor=actor, now=now, reason=patch.reason)
    for flag in ("phi_suspected", "user_facing"):
        value = getattr(patch, flag)
        if value is not None:
            set_flag(session, incident=incident, flag=flag, value=value, actor=actor, now=now, reason=patch.reason)
    for role, email in (patch.roles or {}).items():
        assign_role(session, incident=incident, role=role, email=email, actor=actor, now=now)
    if patch.status is not None and patch.status != incident.status:
        transition(session, incident=incident, to=patch.status, actor=actor, now=now, note=patch.reason)
    return incident


def severity_set_by_person(session: Session, *, incident: Incident) -> bool:
    """Whether a person has set this incident's severity; automatic raises then leave it alone."""
    changes = session.scalars(select(TimelineEntry.data).where(
        TimelineEntry.incident_id == incident.id, TimelineEntry.kind == "severity_changed"))
    return any(data.get("manual") for data in changes)


def timeline(session: Session, *, incident: Incident) -> list[TimelineEntry]:
    query = select(TimelineEntry).where(TimelineEntry.incident_id == incident.id)
    return list(session.scalars(query.order_by(TimelineEntry.at, TimelineEntry.id)))
