"""What the public status page shows, read from the status page's own tables and the services' names only.

Component state, from the active (unresolved) public incidents on it: operational when there is none,
otherwise the worst impact among them as their latest post set it (degraded < partial outage <
major outage). A day's state in the history is the worst any public incident held on that UTC day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from codeblue.catalog.models import Service
from codeblue.statuspage.models import StatusComponent, StatusIncident
from codeblue.statuspage.schemas import PublicComponent, PublicDay, PublicIncident, PublicPost, StatusOut

HISTORY_DAYS = 90
RANK = {"operational": 0, "degraded": 1, "partial_outage": 2, "major_outage": 3}
LABELS = {"operational": "Operational", "degraded": "Degraded performance", "partial_outage": "Partial outage",
          "major_outage": "Major outage"}
STATE_LABELS = {"investigating": "Investigating", "identified": "Identified", "monitoring": "Monitoring",
                "resolved": "Resolved"}


def worst(states: Iterable[str]) -> str:
    return max(states, key=RANK.__getitem__, default="operational")


def _components(session: Session) -> dict[int, str]:
    rows = session.execute(select(Service.id, Service.name, StatusComponent.public_name, StatusComponent.shown)
                           .outerjoin(StatusComponent, StatusComponent.service_id == Service.id)
                           .order_by(Service.name, Service.id))
    return {sid: public or name for sid, name, public, shown in rows if shown is not False}


def _public(row: StatusIncident, names: dict[int, str]) -> PublicIncident:
    return PublicIncident(id=row.public_id, title=row.title, component=names.get(row.service_id, "Service"),
                          state=row.state, impact=row.impact, opened_at=row.opened_at, resolved_at=row.resolved_at,
                          posts=[PublicPost(state=p.state, body=p.body, posted_at=p.posted_at) for p in row.posts])


def _days(row: StatusIncident, now: datetime) -> dict[date, str]:
    """The worst impact the incident held on each UTC day it spanned."""
    out: dict[date, str] = {}
    posts = sorted(row.posts, key=lambda p: (p.posted_at, p.id))
    for i, post in enumerate(posts):
        if post.state == "resolved":
            continue
        end = posts[i + 1].posted_at if i + 1 < len(posts) else (row.resolved_at or now)
        day, last = post.posted_at.astimezone(UTC).date(), end.astimezone(UTC).date()
        while day <= last:
            out[day] = worst([out.get(day, "operational"), post.impact])
            day += timedelta(days=1)
    return out


def status(session: Session, *, now: datetime) -> StatusOut:
    names = _components(session)
    start = now.astimezone(UTC).date() - timedelta(days=HISTORY_DAYS - 1)
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    rows = list(session.scalars(select(StatusIncident)
                                .where(or_(StatusIncident.resolved_at.is_(None), StatusIncident.resolved_at >= since))
                                .order_by(StatusIncident.opened_at.desc(), StatusIncident.id.desc())))
    rows = [r for r in rows if r.service_id in names]
    active = [r for r in rows if r.resolved_at is None]
    current = {sid: worst(r.impact for r in active if r.service_id == sid) for sid in names}
    per_day: dict[tuple[int, date], str] = {}
    for row in rows:
        for day, state in _days(row, now).items():
            per_day[(row.service_id, day)] = worst([per_day.get((row.service_id, day), "operational"), state])
    history = [PublicDay(day=(start + timedelta(days=n)).isoformat(),
                         components={names[sid]: per_day.get((sid, start + timedelta(days=n)), "operational")
                                     for sid in names})
               for n in range(HISTORY_DAYS)]
    return StatusOut(
        generated_at=now, overall=worst(current.values()),
        components=[PublicComponent(name=names[sid], state=current[sid]) for sid in names],
        active_incidents=[_public(r, names) for r in active],
        history=history,
        past_incidents=[_public(r, names) for r in rows if r.resolved_at is not None],
    )
