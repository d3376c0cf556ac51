"""GET /metrics: ingest counts, open incidents by severity, notification outcomes and engine lag, from the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from codeblue.app import create_app
from codeblue.auth.actor import SYSTEM
from codeblue.incidents import service as incidents
from codeblue.notify import outbox
from codeblue.settings import Settings
from tests import factories


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    r = client.get("/metrics", headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


@pytest.fixture
def seeded(db, clock):
    factories.seed(db, clock.now())
    return factories.tokens(db, clock.now())


def test_metrics__counts_come_from_the_database(client, db, clock, seeded):
    admin = {"Authorization": f"Bearer {seeded['admin']}"}
    key = client.post("/api/v1/integrations", headers=admin,
                      json={"type": "pagerduty", "service": factories.CRM, "name": "pd"}).json()["key"]
    for _ in range(3):  # one alert, three events
        assert client.post("/v2/enqueue", json={"routing_key": key, "event_action": "trigger", "dedup_key": "a",
                                                "payload": {"summary": "s", "source": "x", "severity": "critical"}}
                           ).status_code == 202
    with db.unit_of_work() as s:
        p1 = factories.incident(s, clock.now(), actor=SYSTEM, severity="P1", type="general")
        closed = factories.incident(s, clock.now(), actor=SYSTEM, severity="P1", type="general")
        incidents.resolve(s, incident=closed, actor=SYSTEM, now=clock.now())
        for n, status in enumerate(["sent", "sent", "failed", "pending"]):
            row = outbox.enqueue(s, key=f"k{n}", purpose="page", channel="sms", address="+15550000000", subject="",
                                 text="t", now=clock.now() - timedelta(seconds=40), incident_id=p1.id)
            row.status = status
    clock.advance(timedelta(seconds=90))
    m = scrape(client)
    assert m[("codeblue_deliveries_total", (("integration_type", "pagerduty"),))] == 3
    assert m[("codeblue_alert_events_total", (("integration_type", "pagerduty"),))] == 3
    open_by = {dict(labels)["severity"]: v for (name, labels), v in m.items() if name == "codeblue_open_incidents"}
    assert open_by["P1"] == 1 and open_by["P3"] == 0 and sum(open_by.values()) == 2  # the alert's incident too
    assert m[("codeblue_notifications_total", (("channel", "sms"), ("outcome", "sent")))] == 2
    assert m[("codeblue_notifications_total", (("channel", "sms"), ("outcome", "failed")))] == 1
    assert m[("codeblue_notifications_pending", (("channel", "sms"),))] == 1
    assert m[("codeblue_engine_lag_seconds", (("queue", "outbox"),))] == pytest.approx(130, abs=1)
    assert m[("codeblue_engine_lag_seconds", (("queue", "timers"),))] >= 90  # start timers nobody ran
    assert ("codeblue_engine_module_seconds", (("module", "timers"),)) in m


def test_metrics__nothing_due_is_no_lag(client, db, clock, seeded):
    m = scrape(client)
    assert m[("codeblue_engine_lag_seconds", (("queue", "timers"),))] == 0
    assert m[("codeblue_engine_lag_seconds", (("queue", "outbox"),))] == 0


def test_metrics__a_token_is_needed_when_one_is_set(db, clock, tmp_path):
    settings = Settings(env="test", auto_migrate=False, run_engine=False, database_url=f"sqlite:///{tmp_path}/x.db",
                        metrics_token="scrape-secret")
    with TestClient(create_app(settings, clock=clock, db=db)) as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200
