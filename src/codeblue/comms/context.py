"""The template context of a real incident: exactly the names policy.templating.sample_context() promises."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.comms import cadence, people
from codeblue.comms.exceptions import TemplateRefused
from codeblue.comms.models import ChatChannel, StatusUpdate
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.policy import templating
from codeblue.policy.durations import format_duration
from codeblue.reviews import prefill
from codeblue.reviews.models import Review


def shape(value: Any) -> Any:
    """The names and kinds of a context, without its values: what the contract test compares."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value and isinstance(value[0], dict) else "list"
    return "value"


def channel_name(incident: Incident) -> str:
    return f"#incident-{incident.ref.lower()}"


def updates(session: Session, incident: Incident) -> list[StatusUpdate]:
    return list(session.scalars(select(StatusUpdate).where(StatusUpdate.incident_id == incident.id)
                                .order_by(StatusUpdate.number)))


def next_update_at(incident: Incident, last: StatusUpdate | None) -> datetime | None:
    cadence_ = incidents.pack_of(incident).severity(incident.severity).update_cadence
    return cadence.due_at(acknowledged_at=incident.acknowledged_at, last_update_at=last.posted_at if last else None,
                          cadence=cadence_)


def build(session: Session, *, incident: Incident, now: datetime, base_url: str,
          update: StatusUpdate | None = None, channel: str | None = None) -> dict[str, Any]:
    """Every name of the contract, filled from the incident; `update` is the one being sent, else the latest;
    `channel` the chat channel's name when it is being made."""
    pack = incidents.pack_of(incident)
    severity = pack.severity(incident.severity)
    itype = pack.incident_type(incident.type)
    posted = updates(session, incident)
    latest = update or (posted[-1] if posted else None)
    chat = session.scalar(select(ChatChannel).where(ChatChannel.incident_id == incident.id))
    commander = people.commander(incident)
    oncall = people.oncall_responder(session, incident, now)
    review = session.scalar(select(Review).where(Review.incident_id == incident.id))
    end = incident.resolved_at or now
    actions = [u.actions for u in posted if u.actions]
    # Impact in words the incident's own fields give, never its alerts' payloads (see notify/channels/phi.py).
    impact = (f"{severity.name} {itype.name if itype else incident.type} affecting {incident.service.name}"
              + (" (user-facing)" if incident.user_facing else ""))
    due = now + severity.update_cadence if update is not None else next_update_at(incident, latest)
    return {
        "incident": {
            "id": incident.ref,
            "title": incident.title,
            "severity": incident.severity,
            "severity_name": severity.name,
            "status": incident.status,
            "service": incident.service.slug,
            "service_name": incident.service.name,
            "affected_services": [incident.service.name],
            "type": incident.type,
            "type_name": itype.name if itype else incident.type,
            "impact": impact,
            "detected_at": incident.detected_at,
            "acknowledged_at": incident.acknowledged_at,
            "resolved_at": incident.resolved_at,
            "duration": prefill.duration(int((end - incident.detected_at).total_seconds())),
            "commander": commander.name if commander else "unassigned",
            "oncall": oncall.name if oncall else "unassigned",
            "url": f"{base_url}/incidents/{incident.ref}",
            "channel": channel or (("#" + chat.name) if chat else (pack.chat_channels[0].name if pack.chat_channels
                                                                    else channel_name(incident))),
            "actions": actions,
            "user_facing": incident.user_facing,
        },
        "next_update_at": due,
        "update": {
            "number": latest.number if latest else 0,
            "at": latest.posted_at if latest else None,
            "status": latest.status if latest else incident.status,
            "actions": latest.actions if latest else "",
            "next_steps": latest.next_steps if latest else "",
            "eta": (latest.eta if latest and latest.eta else "unknown"),
        },
        "resolution": {
            "root_cause": review.root_cause if review and review.root_cause else "under investigation",
            "actions": "; ".join(actions) if actions else "see the incident timeline",
            "prevention": review.prevention if review and review.prevention else "to follow in the post-incident review",
        },
        "customer": {
            "description": f"an issue with {incident.service.name}",
            "affected_functionality": incident.service.name,
            "update_frequency": format_duration(severity.update_cadence),
            "status_page_url": f"{base_url}/status",
        },
        "review": {
            "summary": review.summary if review else incident.title,
            "root_cause": review.root_cause if review else "",
            "analysis": review.analysis if review else "",
            "contributing_factors": review.contributing_factors if review else "",
            "compliance_impact": review.compliance_impact if review else "",
            "lessons_learned": review.lessons_learned if review else "",
            "prevention": review.prevention if review else "",
            "follow_ups": [f.title for f in review.follow_ups] if review else [],
            "timeline": [{"at": datetime.fromisoformat(h["at"]), "text": h["text"]} for h in review.timeline]
            if review else [],
        },
    }


def with_fields(ctx: dict[str, Any], fields: dict[str, Any] | None) -> dict[str, Any]:
    """The context with a caller's values for some names ("update.eta", or {"update": {"eta": …}})."""
    for name, value in _flatten(fields or {}):
        section, _, key = name.partition(".")
        known = templating.sample_context()
        if section not in known or (key and (not isinstance(known[section], dict) or key not in known[section])) \
                or (not key and isinstance(known[section], dict)):
            raise TemplateRefused(f"unknown field '{name}': templates know "
                                  + ", ".join(_names(known)), details={"field": name})
        value = _like(known[section][key] if key else known[section], value, name)
        if key:
            ctx[section][key] = value
        else:
            ctx[section] = value
    return ctx


def _like(sample: Any, value: Any, name: str) -> Any:
    """The caller's value in the kind the contract gives the name: a time, a list, or text."""
    if isinstance(sample, datetime):
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise TemplateRefused(f"field '{name}' is a time: give it in ISO 8601 with a zone, e.g. "
                                  "2026-01-05T14:03:00Z", details={"field": name})
        return parsed
    if isinstance(sample, list) and sample and isinstance(sample[0], dict):
        raise TemplateRefused(f"field '{name}' comes from the incident and cannot be given", details={"field": name})
    if isinstance(sample, list):
        if not isinstance(value, list) or any(isinstance(v, dict | list) for v in value):
            raise TemplateRefused(f"field '{name}' is a list of texts", details={"field": name})
        return [str(v) for v in value]
    if isinstance(sample, bool | int):
        if type(value) is not type(sample):
            kind = "true or false" if isinstance(sample, bool) else "a whole number"
            raise TemplateRefused(f"field '{name}' is {kind}", details={"field": name})
        return value
    if isinstance(value, dict | list) or value is None:
        raise TemplateRefused(f"field '{name}' is a text", details={"field": name})
    return str(value)


def _flatten(fields: dict[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name, value in fields.items():
        if isinstance(value, dict):
            out += [(f"{name}.{k}", v) for k, v in value.items()]
        else:
            out.append((name, value))
    return out


def _names(known: dict[str, Any]) -> list[str]:
    return [f"{s}.{k}" if isinstance(v, dict) else s for s, v in known.items()
            for k in (v if isinstance(v, dict) else [None])]


def render(template: Any, ctx: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of a pack template; a name the template does not find is refused, naming it."""
    try:
        subject = templating.render(template.subject, ctx).strip() if template.subject else template.name
        return subject, templating.render(template.body, ctx)
    except templating.TemplateProblem as problem:
        raise TemplateRefused(f"template '{template.id}': {problem.message}",
                              details={"template": template.id}) from None
    except (TypeError, ValueError, AttributeError, ArithmeticError) as exc:  # a filter given a value it cannot take
        raise TemplateRefused(f"template '{template.id}' cannot render these values: {exc}",
                              details={"template": template.id}) from None
