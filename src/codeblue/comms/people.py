"""Who an incident's communications are about and for: its commander, the on-call responder, its responders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.models import User
from codeblue.incidents.models import Incident
from codeblue.notify.models import Notification
from codeblue.oncall import paging
from codeblue.oncall.models import ContactMethod

SLACK_USER_PREFIXES = ("U", "W")  # Slack user ids; "@handle" and channel ids (C…) cannot be invited


def commander(incident: Incident) -> User | None:
    return next((r.user for r in incident.roles if r.role == "commander"), None)


def paged(session: Session, incident: Incident) -> list[User]:
    """People paged for the incident, first paged first."""
    ids = session.scalars(select(Notification.user_id).where(
        Notification.incident_id == incident.id, Notification.purpose == "page", Notification.user_id.is_not(None))
        .order_by(Notification.id))
    seen: list[int] = []
    for uid in ids:
        if uid not in seen:
            seen.append(uid)
    return [u for uid in seen if (u := session.get(User, uid)) is not None]


def on_call(session: Session, incident: Incident, now: datetime) -> list[User]:
    """Who the first step of the incident's escalation policy reaches now."""
    policy = paging.policy_for(session, incident.service_id)
    if policy is None or not policy.steps:
        return []
    reach, _ = paging.resolve_targets(session, policy.steps[0].get("targets", []), now)
    found: list[User] = []
    for r in reach:
        if r.user_id is not None and all(u.id != r.user_id for u in found):
            user = session.get(User, r.user_id)
            if user is not None:
                found.append(user)
    return found


def oncall_responder(session: Session, incident: Incident, now: datetime) -> User | None:
    """The first person paged, or else whoever is on call for it now."""
    return next(iter(paged(session, incident) or on_call(session, incident, now)), None)


def responders(session: Session, incident: Incident, now: datetime) -> list[User]:
    """Role holders, the people paged and the people on call now, each once."""
    found: list[User] = []
    for user in [r.user for r in incident.roles] + paged(session, incident) + on_call(session, incident, now):
        if all(u.id != user.id for u in found):
            found.append(user)
    return found


def slack_ids(session: Session, users: list[User]) -> list[str]:
    """The Slack user ids held in these people's contact methods."""
    if not users:
        return []
    rows = session.scalars(select(ContactMethod).where(ContactMethod.user_id.in_([u.id for u in users]),
                                                       ContactMethod.type == "slack").order_by(ContactMethod.id))
    ids: list[str] = []
    for method in rows:
        address = method.address.strip()
        if address.startswith(SLACK_USER_PREFIXES) and address.isalnum() and address not in ids:
            ids.append(address)
    return ids
