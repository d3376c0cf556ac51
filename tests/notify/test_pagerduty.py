"""PagerDuty Events API v2 channel against a local enqueue endpoint."""

from __future__ import annotations

import time

import pytest

from codeblue.notify.channels.pagerduty import PagerDutyChannel, PagerDutyConfig
from tests.notify.fakes import FakeHTTP, Request, fail, free_port, message, run


def enqueue(req: Request) -> tuple[int, dict]:
    event = req.json()
    if len(event.get("routing_key", "")) != 32 or event["payload"]["severity"] not in {"critical", "error",
                                                                                        "warning", "info"}:
        return 400, {"status": "invalid event", "message": "Event object is invalid",
                     "errors": ["Length of 'routing_key' is incorrect (should be 32 characters)"]}
    return 202, {"status": "success", "message": "Event processed", "dedup_key": event["dedup_key"]}


def channel(http: FakeHTTP, timeout: float = 10.0) -> PagerDutyChannel:
    return PagerDutyChannel(PagerDutyConfig(events_url=f"{http.url}/v2/enqueue"), timeout=timeout)


KEY = "R" * 32


def test_triggers_event_deduplicated_per_incident(http: FakeHTTP) -> None:
    http.route("/v2/enqueue", enqueue)
    result = run(channel(http).send(message(channel="pagerduty", address=KEY, subject="S" * 2000)))
    event = http.requests[0].json()
    assert event["routing_key"] == KEY and event["event_action"] == "trigger"
    assert event["dedup_key"] == "page:7" == result.provider_id
    assert event["payload"]["summary"] == "S" * 1024
    assert event["payload"]["source"] == "codeblue" and event["payload"]["severity"] == "error"
    assert event["payload"]["custom_details"] == {"incident_id": "INC-7", "service": "orders",
                                                  "link": "https://cb.example/incidents/INC-7"}
    assert event["links"][0]["href"] == "https://cb.example/ack/tok"


def test_every_step_of_an_incident_shares_the_dedup_key(http: FakeHTTP) -> None:
    http.route("/v2/enqueue", enqueue)
    for key in ("page:7:0:0:3", "page:7:1:0:4", "page:7:0:1:3"):
        run(channel(http).send(message(address=KEY, idempotency_key=key)))
    assert {r.json()["dedup_key"] for r in http.requests} == {"page:7"}


def test_without_incident_the_idempotency_key_is_the_dedup_key(http: FakeHTTP) -> None:
    http.route("/v2/enqueue", enqueue)
    run(channel(http).send(message(address=KEY, idempotency_key="test:42", data={}, ack_url=None)))
    event = http.requests[0].json()
    assert event["dedup_key"] == "test:42"
    assert "links" not in event and event["payload"]["severity"] == "critical"


@pytest.mark.parametrize(("severity", "expected"), [("P0", "critical"), ("P1", "error"), ("P2", "warning"),
                                                    ("P3", "info"), ("p2", "warning"), ("bogus", "critical")])
def test_severity_mapping(http: FakeHTTP, severity: str, expected: str) -> None:
    http.route("/v2/enqueue", enqueue)
    run(channel(http).send(message(address=KEY, data={"incident_id": "INC-7", "severity": severity})))
    assert http.requests[0].json()["payload"]["severity"] == expected


def test_invalid_event_is_not_retryable(http: FakeHTTP) -> None:
    http.route("/v2/enqueue", enqueue)
    err = fail(channel(http).send(message(address="short")))
    assert not err.retryable and "routing_key" in str(err)


@pytest.mark.parametrize("status", [429, 500, 502])
def test_rate_limit_and_server_errors_are_retryable(http: FakeHTTP, status: int) -> None:
    http.route("/v2/enqueue", (status, {"status": "error"}))
    assert fail(channel(http).send(message(address=KEY))).retryable


def test_refused_and_timeout_are_retryable(http: FakeHTTP) -> None:
    dead = PagerDutyChannel(PagerDutyConfig(events_url=f"http://127.0.0.1:{free_port()}/v2/enqueue"))
    assert fail(dead.send(message(address=KEY))).retryable
    http.route("/v2/enqueue", lambda req: (time.sleep(1.5), enqueue(req))[1])
    assert fail(channel(http, timeout=0.5).send(message(address=KEY))).retryable
