"""PagerDuty's own Python client (the `pagerduty` package), unchanged, against a real `codeblue serve`."""

from __future__ import annotations

import httpx2
import pagerduty
import pytest

from tests.factories import CRM
from tests.server import ServerProcess


class BehindTlsProxy(httpx2.HTTPTransport):
    """The library accepts only https base URLs, as production is reached through a TLS-terminating proxy;
    the test server speaks plain http, so the scheme is swapped below everything the library does."""

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.url = request.url.copy_with(scheme="http")
        return super().handle_request(request)


@pytest.mark.slow
def test_pagerduty_client__trigger_acknowledge_resolve_one_dedup_key(db):
    server = ServerProcess(db.url, CODEBLUE_RUN_ENGINE="false")
    token = server.init()
    server.start()
    try:
        status, integration = server.request("POST", "/api/v1/integrations", token=token, body={
            "type": "pagerduty", "service": CRM, "name": "crm monitors"})
        assert status == 201 and integration["url"] == f"{server.url}/v2/enqueue"
        events = pagerduty.EventsApiV2Client(integration["key"], base_url=server.url.replace("http:", "https:"),
                                             transport=BehindTlsProxy(), trust_env=False)

        def alert() -> dict:
            status, alerts = server.request("GET", "/api/v1/alerts", token=token)
            assert status == 200
            [one] = alerts
            return one

        def incident_status(ref: str) -> str:
            return server.request("GET", f"/api/v1/incidents/{ref}", token=token)[1]["status"]

        assert events.trigger("CRM API p99 latency above 2 s", "crm-api-1", dedup_key="crm/latency",
                              severity="error", custom_details={"p99_ms": 2350}) == "crm/latency"
        fired = alert()
        assert (fired["status"], fired["summary"], fired["facts"]["p99_ms"]) == (
            "firing", "CRM API p99 latency above 2 s", 2350)
        assert incident_status(fired["incident"]) == "triggered"

        assert events.acknowledge("crm/latency") == "crm/latency"
        assert alert()["acknowledged_at"] is not None
        assert incident_status(fired["incident"]) == "acknowledged"

        assert events.resolve("crm/latency") == "crm/latency"
        resolved = alert()
        assert (resolved["id"], resolved["status"]) == (fired["id"], "resolved")
        # telehealth-crm's auto_resolve is "monitoring": a person confirms the fix before it is resolved.
        assert incident_status(fired["incident"]) == "monitoring"
    finally:
        server.stop()
