"""What a page says on each contact method: identity and link on all, alert details only where PHI-safe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.alerts.models import Alert
from codeblue.incidents.models import Incident
from codeblue.notify import links, outbox
from codeblue.notify.channels import phi
from codeblue.notify.models import Notification
from codeblue.oncall.models import ContactMethod

ACK_LIFETIME = timedelta(hours=24)
DETAIL_ALERTS = 5  # the newest alerts a PHI-safe page carries; the incident page has them all
DETAIL_VALUE = 200  # characters of one fact or detail value


@dataclass(frozen=True)
class Page:
    """The incident as a page tells it; alerts are [{source, summary, facts, details}], newest first."""

    ref: str
    severity: str
    service: str
    title: str
    link: str
    ack_url: str
    ack_code: str | None
    description: str = ""
    alerts: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    data: dict[str, Any]


def _flat(value: Any) -> str:
    return (value if isinstance(value, str) else repr(value))[:DETAIL_VALUE]


def _details(page: Page) -> list[str]:
    lines = ["", "Details (PHI-safe contact method):"]
    if page.description:
        lines.append(page.description)
    for alert in page.alerts:
        lines.append(f"- {alert['source']}: {alert['summary']}")
        for field in ("facts", "details"):
            lines += [f"  {key}: {_flat(value)}" for key, value in (alert.get(field) or {}).items()]
    return lines


def render(page: Page, *, phi_safe: bool) -> Rendered:
    """The page for one contact method; unless it is PHI-safe, no details and a title that passes the PHI net."""
    title = page.title if phi_safe else phi.scrub(page.title)
    text = outbox.page_text(ref=page.ref, severity=page.severity, service=page.service, title=title,
                            link=page.ack_url, ack_code=page.ack_code)
    data = phi.safe_fields({"incident_id": page.ref, "severity": page.severity, "service": page.service,
                            "title": title, "link": page.link, "ack_url": page.ack_url})
    data |= {"ack_code": page.ack_code, "phi_safe": phi_safe}
    if phi_safe and (page.alerts or page.description):
        text = "\n".join([text, *_details(page)])
        data |= {"description": page.description, "alerts": list(page.alerts)}
    return Rendered(subject=f"[{page.severity}] {page.ref} {title}", text=text, data=data)


def alerts_of(session: Session, incident_id: int, *, limit: int = DETAIL_ALERTS) -> tuple[dict[str, Any], ...]:
    rows = session.scalars(select(Alert).where(Alert.incident_id == incident_id)
                           .order_by(Alert.id.desc()).limit(limit))
    return tuple({"source": a.source, "summary": a.summary, "facts": dict(a.facts or {}),
                  "details": dict(a.details or {})} for a in rows)


def enqueue(session: Session, *, incident: Incident, method: ContactMethod, user_id: int | None, due: datetime,
            fence: int, step: int, loop: int, now: datetime, base_url: str, secret: str) -> Notification:
    """Queue one page for one contact method of an escalation step, rendered for that method."""
    row = outbox.enqueue(
        session, key=f"page:{incident.id}:{step}:{loop}:{method.id}", purpose="page", channel=method.type,
        address=method.address, subject="", text="", now=now, due=due, incident_id=incident.id, user_id=user_id,
        contact_method_id=method.id, fence=fence, step=step, loop=loop,
    )
    if row.text:
        return row  # queued (and perhaps sent) already: its link and code stay as they were
    page = Page(ref=incident.ref, severity=incident.severity, service=incident.service.name, title=incident.title,
                link=f"{base_url}/incidents/{incident.ref}", ack_code=row.ack_code,
                ack_url=f"{base_url}/ack/{links.sign(row.id, secret=secret, expires=now + ACK_LIFETIME)}",
                description=incident.description if method.phi_safe else "",
                alerts=alerts_of(session, incident.id) if method.phi_safe else ())
    rendered = render(page, phi_safe=method.phi_safe)
    row.subject, row.text, row.data = rendered.subject[:500], rendered.text, rendered.data
    return row
