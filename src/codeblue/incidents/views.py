"""What the dashboard and the incident page show: one context object each, built from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from codeblue.alerts.models import Alert
from codeblue.auth.models import User
from codeblue.auth.permissions import Perm
from codeblue.comms import views as comms_views
from codeblue.incidents import clocks, lifecycle
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident, TimelineEntry
from codeblue.oncall.setup import PLACEHOLDER_DOMAIN
from codeblue.policy.schema import SEVERITY_IDS
from codeblue.runbooks import views as runbook_views
from codeblue.statuspage import service as statuspage
from codeblue.statuspage.models import CustomerNotice
from codeblue.statuspage.schemas import NoticeOut
from codeblue.web.viewer import Viewer

STATUS_UPDATE_KINDS = ("status_update",)  # timeline kinds that count as a posted status update
DASHBOARD_LIMIT = 200
ALERT_LIMIT = 100


@dataclass(frozen=True)
class Card:
    """One incident as a row on the dashboard and the header of its page."""

    ref: str
    title: str
    service: str
    severity: str
    severity_name: str
    status: str
    type_name: str
    commander: str | None
    phi_suspected: bool
    user_facing: bool
    detected_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    ack: clocks.Clock
    update: clocks.Clock
    notice: clocks.Clock

    @property
    def overdue(self) -> bool:
        return self.ack.overdue or self.update.overdue or self.notice.overdue


@dataclass(frozen=True)
class SeverityGroup:
    id: str
    name: str
    cards: list[Card]


@dataclass
class Dashboard:
    viewer: Viewer
    now: datetime
    groups: list[SeverityGroup]
    total: int
    shown: int
    version: str
    nav_current: str = "/"

    @property
    def overdue(self) -> int:
        return sum(card.overdue for group in self.groups for card in group.cards)


@dataclass(frozen=True)
class AlertRow:
    summary: str
    source: str
    status: str
    count: int
    first_seen_at: datetime
    last_seen_at: datetime
    facts: dict[str, Any]
    details: dict[str, Any]


@dataclass(frozen=True)
class Actions:
    acknowledge: bool
    respond: bool
    command: bool
    resolve: bool


@dataclass
class IncidentPage:
    viewer: Viewer
    now: datetime
    card: Card
    description: str
    classification: str
    timeline: list[TimelineEntry]
    alerts: list[AlertRow]
    alerts_withheld: bool
    actions: Actions
    severities: list[tuple[str, str]]
    people: list[tuple[str, str]]
    commander_email: str
    version: str
    comms: Any = None  # comms.views.Section
    customer_notice: NoticeOut | None = None
    nav_current: str = "/"
    playbook: Any = None  # the runbook, checklists and evidence section (codeblue.runbooks.views)


def card(incident: Incident, *, now: datetime, last_update_at: datetime | None,
         notice: CustomerNotice | None = None) -> Card:
    pack = incidents.pack_of(incident)
    severity = pack.severity(incident.severity)
    itype = pack.incident_type(incident.type)
    commander = next((r.user.name for r in incident.roles if r.role == "commander"), None)
    is_open = lifecycle.is_open(incident.status)
    return Card(
        ref=incident.ref, title=incident.title, service=incident.service.name, severity=incident.severity,
        severity_name=severity.name, status=incident.status, type_name=itype.name if itype else incident.type,
        commander=commander, phi_suspected=incident.phi_suspected, user_facing=incident.user_facing,
        detected_at=incident.detected_at, acknowledged_at=incident.acknowledged_at, resolved_at=incident.resolved_at,
        ack=clocks.acknowledgement(detected_at=incident.detected_at, acknowledged_at=incident.acknowledged_at,
                                   target=severity.response_target, resolved=not is_open, now=now),
        update=clocks.status_update(acknowledged_at=incident.acknowledged_at, last_update_at=last_update_at,
                                    cadence=severity.update_cadence, open_=is_open, now=now),
        notice=clocks.customer_notice(status=notice.status if notice else None, due_at=notice and notice.due_at,
                                      closed_at=notice and notice.closed_at, reason=notice.reason if notice else "",
                                      now=now),
    )


def _notices(session: Session, ids: list[int]) -> dict[int, CustomerNotice]:
    if not ids:
        return {}
    return {n.incident_id: n for n in session.scalars(select(CustomerNotice).where(CustomerNotice.incident_id.in_(ids)))}


def _last_updates(session: Session, ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    rows = session.execute(select(TimelineEntry.incident_id, func.max(TimelineEntry.at))
                           .where(TimelineEntry.incident_id.in_(ids), TimelineEntry.kind.in_(STATUS_UPDATE_KINDS))
                           .group_by(TimelineEntry.incident_id))
    return dict(rows.all())


def dashboard(session: Session, *, viewer: Viewer, now: datetime) -> Dashboard:
    """Open incidents by severity, worst first; within one, the oldest first."""
    version = dashboard_version(session)  # read first: a change after it is sent again, never lost
    open_statuses = [s.value for s in lifecycle.OPEN]
    total = session.scalar(select(func.count()).select_from(Incident).where(Incident.status.in_(open_statuses))) or 0
    rows = list(session.scalars(select(Incident).where(Incident.status.in_(open_statuses))
                                .order_by(Incident.severity, Incident.detected_at, Incident.id).limit(DASHBOARD_LIMIT)))
    updates = _last_updates(session, [i.id for i in rows])
    tasks = _notices(session, [i.id for i in rows])
    cards = [card(i, now=now, last_update_at=updates.get(i.id), notice=tasks.get(i.id)) for i in rows]
    groups = [SeverityGroup(id=sev, name=next(c.severity_name for c in cards if c.severity == sev),
                            cards=[c for c in cards if c.severity == sev])
              for sev in SEVERITY_IDS if any(c.severity == sev for c in cards)]
    return Dashboard(viewer=viewer, now=now, groups=groups, total=total, shown=len(cards), version=version)


def dashboard_version(session: Session) -> str:
    """Changes whenever any incident does: every change appends a timeline entry."""
    return str(session.scalar(select(func.max(TimelineEntry.id))) or 0)


def incident_version(session: Session, incident_id: int) -> str:
    """Changes with the incident's timeline, its row, and its alerts (a repeat bumps last_seen_at)."""
    latest = session.scalar(select(func.max(TimelineEntry.id)).where(TimelineEntry.incident_id == incident_id))
    updated = session.scalar(select(Incident.updated_at).where(Incident.id == incident_id))
    alerts = session.execute(select(func.count(Alert.id), func.max(Alert.last_seen_at))
                             .where(Alert.incident_id == incident_id)).one()
    return f"{latest or 0}.{updated.timestamp() if updated else 0}.{alerts[0]}.{alerts[1].timestamp() if alerts[1] else 0}"


def incident_page(session: Session, *, incident: Incident, viewer: Viewer, now: datetime) -> IncidentPage:
    version = incident_version(session, incident.id)  # read first: a change after it is sent again, never lost
    pack = incidents.pack_of(incident)
    updates = _last_updates(session, [incident.id])
    the_card = card(incident, now=now, last_update_at=updates.get(incident.id),
                    notice=_notices(session, [incident.id]).get(incident.id))
    # A PHI-flagged incident's alert payloads are for compliance officers and admins only.
    withheld = incident.phi_suspected and not viewer.can(Perm.COMPLIANCE)
    alerts = [AlertRow(summary=a.summary, source=a.source, status=a.status, count=a.count,
                       first_seen_at=a.first_seen_at, last_seen_at=a.last_seen_at,
                       facts={} if withheld else dict(a.facts or {}), details={} if withheld else dict(a.details or {}))
              for a in session.scalars(select(Alert).where(Alert.incident_id == incident.id)
                                       .order_by(Alert.last_seen_at.desc(), Alert.id.desc()).limit(ALERT_LIMIT))]
    timeline = list(reversed(incidents.timeline(session, incident=incident)))
    is_open = lifecycle.is_open(incident.status)
    respond = viewer.can(Perm.INCIDENT_RESPOND)
    people = [(u.email, u.name) for u in session.scalars(select(User).where(User.active).order_by(User.name))
              if not u.email.endswith("@" + PLACEHOLDER_DOMAIN)]
    commander = next((r.user.email for r in incident.roles if r.role == "commander"), "")
    return IncidentPage(
        viewer=viewer, now=now, card=the_card, description=incident.description,
        classification=incident.classification_reason, timeline=timeline, alerts=alerts, alerts_withheld=withheld,
        actions=Actions(acknowledge=respond and incident.status == lifecycle.Status.TRIGGERED,
                        respond=respond, command=viewer.can(Perm.INCIDENT_COMMAND), resolve=respond and is_open),
        severities=[(s.id, s.name) for s in pack.severities], people=people, commander_email=commander,
        version=version, playbook=runbook_views.section(session, incident=incident, viewer=viewer, now=now),
        comms=comms_views.section(session, incident=incident, viewer=viewer),
        customer_notice=statuspage.view(session, incident=incident, now=now),
    )
