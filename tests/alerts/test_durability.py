"""An accepted alert survives kill -9 immediately after the answer: the answer follows the commit."""

from __future__ import annotations

import http.client
from concurrent.futures import ThreadPoolExecutor, as_completed

import pytest
from sqlalchemy import select

from codeblue.alerts.models import Alert
from codeblue.db import Database
from tests.server import ServerProcess


@pytest.mark.slow
def test_kill9_right_after_202__every_accepted_alert_is_stored(tmp_path):
    url = f"sqlite:///{tmp_path}/durable.db"
    server = ServerProcess(url, CODEBLUE_RUN_ENGINE="false")
    token = server.init()
    server.start()
    try:
        status, integration = server.request("POST", "/api/v1/integrations", token=token, body={
            "type": "pagerduty", "service": "telehealth-crm-api", "name": "durability"})
        assert status == 201

        def send(i: int) -> str | None:
            try:
                status, body = server.request("POST", "/v2/enqueue", body={
                    "routing_key": integration["key"], "event_action": "trigger", "dedup_key": f"durable-{i}",
                    "payload": {"summary": f"alert {i}", "source": "test", "severity": "error"}})
            except (OSError, http.client.HTTPException):
                return None  # in flight when the server died (refused or cut off): not accepted, so not promised
            return body.get("dedup_key") if status == 202 else None

        accepted: list[str] = []
        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = [pool.submit(send, i) for i in range(400)]
            for future in as_completed(futures):
                if (key := future.result()) is not None:
                    accepted.append(key)
                if len(accepted) == 150 and server.proc.poll() is None:
                    server.kill9()  # mid-stream: no graceful shutdown, requests still in flight
    finally:
        server.stop()
    assert len(accepted) >= 150
    db = Database(url)
    with db.unit_of_work(readonly=True) as s:
        stored = set(s.scalars(select(Alert.dedup_key)))
    db.dispose()
    assert set(accepted) <= stored
