"""Twenty senders at once on the same keys, through HTTP into two server processes: dedup and grouping hold."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from codeblue.alerts.models import Alert
from codeblue.incidents.models import Incident
from tests.server import ServerProcess

SENDERS, EACH, KEYS = 20, 15, 5


@pytest.mark.slow
def test_twenty_concurrent_senders_on_five_keys__five_alerts_one_incident(db):
    server = ServerProcess(db.url, workers=2, CODEBLUE_RUN_ENGINE="false")
    token = server.init()
    server.start()
    try:
        status, pd = server.request("POST", "/api/v1/integrations", token=token, body={
            "type": "pagerduty", "service": "telehealth-crm-api", "name": "crm monitors"})
        assert status == 201
        status, am = server.request("POST", "/api/v1/integrations", token=token, body={
            "type": "alertmanager", "service": "telehealth-crm-api", "name": "prometheus"})
        assert status == 201
        am_path = "/" + am["url"].split("/", 3)[3]

        def sender(n: int) -> list[int]:
            statuses = []
            for i in range(EACH):
                key = f"crm/db-{(n + i) % KEYS}"
                if n % 2:
                    statuses.append(server.request("POST", "/v2/enqueue", body={
                        "routing_key": pd["key"], "event_action": "trigger", "dedup_key": key,
                        "payload": {"summary": f"CRM database slow ({key})", "source": "db", "severity": "error"}})[0])
                else:
                    statuses.append(server.request("POST", am_path, body={"version": "4", "status": "firing",
                        "alerts": [{"status": "firing", "fingerprint": key, "labels": {"alertname": "DbSlow"},
                                    "annotations": {"summary": f"CRM database slow ({key})"},
                                    "startsAt": "2026-03-10T13:58:00Z"}]})[0])
            return statuses

        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            results = [s for batch in pool.map(sender, range(SENDERS)) for s in batch]
    finally:
        server.stop()
    assert set(results) == {202}
    with db.unit_of_work(readonly=True) as s:
        per_integration = s.execute(select(Alert.integration_id, func.count(), func.sum(Alert.count))
                                    .where(Alert.status == "firing").group_by(Alert.integration_id)).all()
        incidents = s.scalars(select(Incident.ref)).all()
        linked = set(s.scalars(select(Alert.incident_id)))
    # Per integration: one open alert per key, every delivery counted on it.
    assert sorted((n, total) for _, n, total in per_integration) == [(KEYS, SENDERS // 2 * EACH)] * 2
    # Both senders' alerts for the service within the window group into one incident.
    assert len(incidents) == 1 and len(linked) == 1
