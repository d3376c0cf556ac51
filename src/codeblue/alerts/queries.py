"""Reading alerts back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.alerts.models import Alert
from codeblue.alerts.schemas import AlertOut
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident


def list_alerts(session: Session, *, status: str | None = None, incident: str | None = None,
                limit: int = 100) -> list[AlertOut]:
    query = select(Alert, Incident.ref).outerjoin(Incident, Alert.incident_id == Incident.id)
    if status:
        query = query.where(Alert.status == status)
    if incident:
        query = query.where(Alert.incident_id == incidents.get(session, ref=incident).id)
    rows = session.execute(query.order_by(Alert.last_seen_at.desc(), Alert.id.desc()).limit(limit))
    return [AlertOut.model_validate(alert).model_copy(update={"incident": ref}) for alert, ref in rows]


def phi_refs(session: Session, alerts: list[AlertOut]) -> list[str]:
    """The PHI-flagged incidents among those the alerts belong to: reading them is audited."""
    refs = sorted({a.incident for a in alerts if a.incident})
    if not refs:
        return []
    return list(session.scalars(select(Incident.ref).where(Incident.ref.in_(refs), Incident.phi_suspected)))
