"""MTTA, MTTR, attainment and weekly counts as pure functions over incident times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from codeblue.metrics import charts
from codeblue.metrics import service as metrics

T = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # a Wednesday
M = timedelta(minutes=1)


def row(*, ack: float | None = None, res: float | None = None, sev: str = "P0", svc: str = "crm",
        target: float = 5, at: datetime = T) -> metrics.Row:
    return metrics.Row(severity=sev, service=svc, detected_at=at,
                       acknowledged_at=at + ack * M if ack is not None else None,
                       resolved_at=at + res * M if res is not None else None, target=target * M)


def test_stat__means_over_those_that_have_the_time_and_attainment_over_the_decided():
    rows = [row(ack=2, res=30), row(ack=10, res=90), row(ack=None), row(ack=None, at=T + 58 * M)]
    stat = metrics.stat("P0", rows, now=T + 60 * M)
    assert stat.count == 4
    assert stat.mtta_seconds == 6 * 60 and stat.mttr_seconds == 60 * 60
    # decided: the two acknowledged and the one past its target unacknowledged; the newest is still running
    assert (stat.decided, stat.met, stat.attainment) == (3, 1, pytest.approx(100 / 3))


def test_stat__no_incidents_means_no_data_rather_than_zero():
    stat = metrics.stat("P3", [], now=T)
    assert (stat.count, stat.mtta_seconds, stat.mttr_seconds, stat.attainment) == (0, None, None, None)


def test_by__keeps_the_given_order_and_empty_groups():
    rows = [row(sev="P2", ack=1), row(sev="P0", ack=3), row(sev="P0", ack=5)]
    stats = metrics.by(rows, lambda r: r.severity, now=T + 60 * M, order=["P0", "P1", "P2", "P3"])
    assert [(s.key, s.count, s.mtta_seconds) for s in stats] == [
        ("P0", 2, 240), ("P1", 0, None), ("P2", 1, 60), ("P3", 0, None)]
    assert [s.key for s in metrics.by(rows, lambda r: r.service + r.severity, now=T)] == ["crmP0", "crmP2"]


@pytest.mark.parametrize(("day", "monday"), [
    (date(2026, 3, 9), date(2026, 3, 9)), (date(2026, 3, 15), date(2026, 3, 9)), (date(2026, 3, 16), date(2026, 3, 16)),
])
def test_week_of(day, monday):
    assert metrics.week_of(day) == monday


def test_per_week__counts_each_week_oldest_first_with_empty_weeks_and_ignores_older_ones():
    rows = [row(at=T), row(at=T - timedelta(days=2)), row(at=T - timedelta(weeks=2)), row(at=T - timedelta(weeks=9))]
    weeks = metrics.per_week(rows, now=T, weeks=3)
    assert weeks == [(date(2026, 2, 23), 1), (date(2026, 3, 2), 0), (date(2026, 3, 9), 2)]


def test_charts__bars_scale_to_the_largest_and_a_missing_value_has_no_bar():
    chart = charts.horizontal("t", [("P0", 60.0, "1m"), ("P1", 30.0, "30s"), ("P2", None, "no data")])
    assert [b.width for b in chart.bars] == [charts.PLOT, charts.PLOT / 2, 0.0]
    assert [b.text for b in chart.bars] == ["1m", "30s", "no data"]
    pct = charts.horizontal("t", [("P0", 50.0, "50%")], maximum=100.0)
    assert pct.bars[0].width == charts.PLOT / 2
    cols = charts.columns("w", [("a", 0.0, "0"), ("b", 4.0, "4")], height=140)
    assert cols.bars[0].height == 0 and cols.bars[1].height == 100 and cols.bars[1].y == 20
