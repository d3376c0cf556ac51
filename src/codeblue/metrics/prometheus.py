"""Prometheus metrics read from the database at scrape time, so every instance reports the same shared truth.

Counters come from rows that only grow (deliveries, alerts, finished notifications); the engine's own
timings are this process's, labelled as such.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import CollectorRegistry, CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from codeblue.alerts.models import Alert, Delivery, Integration
from codeblue.clock import Clock
from codeblue.db import Database
from codeblue.engine.loop import Engine
from codeblue.engine.models import Timer
from codeblue.incidents import lifecycle
from codeblue.incidents.models import Incident
from codeblue.notify.models import Notification
from codeblue.policy.schema import SEVERITY_IDS

FINISHED = ("sent", "failed", "cancelled")


def _lag(oldest_due: datetime | None, now: datetime) -> float:
    return max(0.0, (now - oldest_due).total_seconds()) if oldest_due is not None else 0.0


def database_metrics(session: Session, now: datetime) -> Iterator[Metric]:
    deliveries = CounterMetricFamily("codeblue_deliveries", "Sender requests accepted, by integration type",
                                     labels=["integration_type"])
    for kind, count in session.execute(select(Integration.type, func.count(Delivery.id))
                                       .join(Delivery, Delivery.integration_id == Integration.id)
                                       .group_by(Integration.type)):
        deliveries.add_metric([kind], count)
    yield deliveries

    events = CounterMetricFamily("codeblue_alert_events", "Alert events received (repeats included), by integration type",
                                 labels=["integration_type"])
    for kind, count in session.execute(select(Integration.type, func.coalesce(func.sum(Alert.count), 0))
                                       .join(Alert, Alert.integration_id == Integration.id).group_by(Integration.type)):
        events.add_metric([kind], int(count))
    yield events

    open_incidents = GaugeMetricFamily("codeblue_open_incidents", "Open incidents, by severity", labels=["severity"])
    counts = dict(session.execute(select(Incident.severity, func.count(Incident.id))
                                  .where(Incident.status.in_([s.value for s in lifecycle.OPEN]))
                                  .group_by(Incident.severity)).all())
    for severity in SEVERITY_IDS:
        open_incidents.add_metric([severity], counts.get(severity, 0))
    yield open_incidents

    outcomes = CounterMetricFamily("codeblue_notifications", "Notifications finished, by channel and outcome",
                                   labels=["channel", "outcome"])
    pending = GaugeMetricFamily("codeblue_notifications_pending", "Notifications waiting to be sent, by channel",
                                labels=["channel"])
    for channel, status, count in session.execute(select(Notification.channel, Notification.status,
                                                         func.count(Notification.id))
                                                  .group_by(Notification.channel, Notification.status)):
        if status in FINISHED:
            outcomes.add_metric([channel, status], count)
        elif status == "pending":
            pending.add_metric([channel], count)
    yield outcomes
    yield pending

    lag = GaugeMetricFamily("codeblue_engine_lag_seconds",
                            "How long the oldest due work has waited (0 when nothing is overdue)", labels=["queue"])
    lag.add_metric(["timers"], _lag(session.scalar(select(func.min(Timer.due_at)).where(Timer.due_at <= now)), now))
    lag.add_metric(["outbox"], _lag(session.scalar(select(func.min(Notification.next_attempt_at))
                                                   .where(Notification.status == "pending",
                                                          Notification.next_attempt_at <= now)), now))
    yield lag


def engine_metrics(engine: Engine) -> Iterator[Metric]:
    timings = GaugeMetricFamily("codeblue_engine_module_seconds", "This process's last run of each engine module",
                                labels=["module"])
    failures = CounterMetricFamily("codeblue_engine_module_failures", "This process's failed engine module runs",
                                   labels=["module"])
    for module in engine.modules:
        timings.add_metric([module.name], engine.timings.get(module.name, 0.0))
        failures.add_metric([module.name], engine.failures.get(module.name, 0))
    yield timings
    yield failures


class Collector:
    def __init__(self, db: Database, clock: Clock, engine: Engine) -> None:
        self.db, self.clock, self.engine = db, clock, engine

    def collect(self) -> Iterator[Metric]:
        with self.db.unit_of_work(readonly=True) as session:
            metrics = list(database_metrics(session, self.clock.now()))
        yield from metrics
        yield from engine_metrics(self.engine)

    def describe(self) -> list[Metric]:
        return []  # no database work when the collector is registered


def registry(db: Database, clock: Clock, engine: Engine) -> CollectorRegistry:
    """A registry per application, so several apps in one process (tests) never share counters."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(Collector(db, clock, engine))
    return reg
