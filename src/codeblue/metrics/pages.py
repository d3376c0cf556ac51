"""The metrics page: MTTA and MTTR per severity and service, target attainment, incidents per week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Query
from fastapi.responses import HTMLResponse

from codeblue.deps import Now, PageReader, ReadSession
from codeblue.metrics import charts
from codeblue.metrics import service as metrics
from codeblue.policy.schema import SEVERITY_IDS
from codeblue.web import render
from codeblue.web.formatting import duration
from codeblue.web.routing import page_router
from codeblue.web.viewer import Viewer

router = page_router()
WEEKS = 12
PERIODS = (7, 30, 90, 365)


@dataclass
class MetricsPage:
    viewer: Viewer
    now: datetime
    days: int
    periods: tuple[int, ...]
    total: int
    by_severity: list[metrics.Stat]
    by_service: list[metrics.Stat]
    charts: list[charts.Chart]
    weekly: charts.Chart
    weekly_rows: list[tuple[str, int]]
    nav_current: str = "/response-metrics"


def _duration(seconds: float | None) -> str:
    return duration(seconds) if seconds is not None else "no data"


def _pct(value: float | None) -> str:
    return f"{value:.0f}%" if value is not None else "no data"


def context(rows: list[metrics.Row], *, weeks_rows: list[metrics.Row], viewer: Viewer, now: datetime,
            days: int) -> MetricsPage:
    """`rows` are the incidents of the chosen period; `weeks_rows` those of the weekly chart's twelve weeks."""
    by_severity = metrics.by(rows, lambda r: r.severity, now=now, order=list(SEVERITY_IDS))
    by_service = metrics.by(rows, lambda r: r.service, now=now)
    weekly = metrics.per_week(weeks_rows, now=now, weeks=WEEKS)
    figures = [
        charts.horizontal("Mean time to acknowledge, by severity",
                          [(s.key, s.mtta_seconds, _duration(s.mtta_seconds)) for s in by_severity]),
        charts.horizontal("Mean time to resolve, by severity",
                          [(s.key, s.mttr_seconds, _duration(s.mttr_seconds)) for s in by_severity]),
        charts.horizontal("Acknowledged within the response target, by severity",
                          [(s.key, s.attainment, _pct(s.attainment)) for s in by_severity], maximum=100.0),
        charts.horizontal("Mean time to acknowledge, by service",
                          [(s.key, s.mtta_seconds, _duration(s.mtta_seconds)) for s in by_service]),
        charts.horizontal("Mean time to resolve, by service",
                          [(s.key, s.mttr_seconds, _duration(s.mttr_seconds)) for s in by_service]),
    ]
    weekly_items = [(start.strftime("%d %b"), float(count), str(count)) for start, count in weekly]
    return MetricsPage(viewer=viewer, now=now, days=days, periods=PERIODS, total=len(rows), by_severity=by_severity,
                       by_service=by_service, charts=figures,
                       weekly=charts.columns(f"Incidents per week, last {WEEKS} weeks (weeks start Monday, UTC)",
                                             weekly_items),
                       weekly_rows=[(start.isoformat(), count) for start, count in weekly])


@router.get("/response-metrics", response_class=HTMLResponse)
def response_metrics(viewer: PageReader, session: ReadSession, now: Now,
                     days: Annotated[int, Query(ge=1, le=3660)] = 90) -> HTMLResponse:
    rows = metrics.load(session, since=now - timedelta(days=max(days, WEEKS * 7)))
    recent = [r for r in rows if r.detected_at >= now - timedelta(days=days)]
    return render.page("response_metrics.html", context(recent, weeks_rows=rows, viewer=viewer, now=now, days=days))
