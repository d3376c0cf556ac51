"""MTTA, MTTR and response-target attainment: pure functions over incident times, plus the one query feeding them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.catalog.models import Service
from codeblue.incidents.models import Incident
from codeblue.policy import service as policy


@dataclass(frozen=True)
class Row:
    """One incident, as the metrics see it."""

    severity: str
    service: str
    detected_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    target: timedelta


@dataclass(frozen=True)
class Stat:
    key: str
    count: int
    mtta_seconds: float | None  # mean detection → acknowledgement, over the acknowledged
    mttr_seconds: float | None  # mean detection → resolution, over the resolved
    decided: int  # acknowledged, or past the target without: whether the target was met is known
    met: int  # acknowledged within the target

    @property
    def attainment(self) -> float | None:
        """The share of decided incidents acknowledged within their target, 0–100."""
        return 100.0 * self.met / self.decided if self.decided else None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def stat(key: str, rows: list[Row], *, now: datetime) -> Stat:
    acked = [(r.acknowledged_at - r.detected_at).total_seconds() for r in rows if r.acknowledged_at]
    resolved = [(r.resolved_at - r.detected_at).total_seconds() for r in rows if r.resolved_at]
    decided = [r for r in rows if r.acknowledged_at is not None or now >= r.detected_at + r.target]
    met = [r for r in decided if r.acknowledged_at is not None and r.acknowledged_at <= r.detected_at + r.target]
    return Stat(key=key, count=len(rows), mtta_seconds=_mean(acked), mttr_seconds=_mean(resolved),
                decided=len(decided), met=len(met))


def by(rows: list[Row], key: Callable[[Row], str], *, now: datetime, order: list[str] | None = None) -> list[Stat]:
    """One Stat per key value, in `order` when given (keys without incidents included), else by key."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    keys = order if order is not None else sorted(groups)
    return [stat(k, groups.get(k, []), now=now) for k in keys]


def week_of(day: date) -> date:
    """The Monday starting the ISO week the day falls in."""
    return day - timedelta(days=day.weekday())


def per_week(rows: list[Row], *, now: datetime, weeks: int) -> list[tuple[date, int]]:
    """Incidents detected in each of the last `weeks` weeks (UTC, Monday first), oldest first, zeros included."""
    this_week = week_of(now.date())
    starts = [this_week - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    counts = dict.fromkeys(starts, 0)
    for row in rows:
        start = week_of(row.detected_at.date())
        if start in counts:
            counts[start] += 1
    return list(counts.items())


def load(session: Session, *, since: datetime) -> list[Row]:
    """Every incident detected since `since`, with the response target its pack set for its severity."""
    query = (select(Incident.severity, Service.name, Service.pack, Incident.detected_at, Incident.acknowledged_at,
                    Incident.resolved_at)
             .join(Service, Service.id == Incident.service_id).where(Incident.detected_at >= since))
    rows = []
    for severity, service, pack, detected, acked, resolved in session.execute(query):
        target = policy.get_pack(pack).severity(severity).response_target
        rows.append(Row(severity=severity, service=service, detected_at=detected, acknowledged_at=acked,
                        resolved_at=resolved, target=target))
    return rows
