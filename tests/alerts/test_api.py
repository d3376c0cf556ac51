"""The sender endpoints over HTTP: every sample payload, batches, and each way a delivery is refused."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient

from codeblue.app import create_app
from tests import factories
from tests.alerts.samples import sample, sample_path
from tests.alerts.senders import JSON, alerts, create_integration, deliver, incident, incident_count

CRM, IVR = factories.CRM, factories.IVR
LIMIT = 512 * 1024
NOT_FOUND = {"error": {"code": "not_found", "message": "no integration with that key", "details": None}}


def alertmanager_body(*alerts_: tuple[str, str]) -> dict[str, Any]:
    """An Alertmanager v4 webhook with one entry per (fingerprint, status)."""
    entries = [{
        "status": status, "fingerprint": fingerprint,
        "labels": {"alertname": "HighLatency", "instance": f"api-{fingerprint}:9100", "job": "crm-api"},
        "annotations": {"summary": f"p99 latency above 2 s on api-{fingerprint}"},
        "startsAt": "2026-03-10T13:58:00Z",
        "endsAt": "2026-03-10T14:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
    } for fingerprint, status in alerts_]
    return {"version": "4", "receiver": "codeblue", "groupKey": '{}:{alertname="HighLatency"}',
            "status": "firing" if any(s == "firing" for _, s in alerts_) else "resolved", "alerts": entries,
            "externalURL": "http://alertmanager:9093", "truncatedAlerts": 0}


def pagerduty_event(action: str, dedup_key: str = "crm/latency", **payload: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"event_action": action, "dedup_key": dedup_key}
    if action == "trigger":
        event["payload"] = {"summary": "CRM API latency high", "source": "crm-api-1", "severity": "error", **payload}
    return event


# --- every sample that pages: its alerts, and the incident the service's pack opens for it


@dataclass(frozen=True)
class Opens:
    sample: str
    type: str
    service: str
    count: int  # alerts stored
    keys: tuple[str, ...]  # the sender's own dedup keys, where it sends them
    severity: str
    incident_type: str
    rule: str | None  # the classification rule that matched; None for the pack's default
    options: dict[str, Any] = field(default_factory=dict)


SECURITY_HUB_FINDING = ("arn:aws:guardduty:us-east-1:193043430472:detector/d4b040365221be2b54a6264dc9a4bc64/"
                        "finding/46ba0ac2845071e23ccdeb2ae03bfdea")
OPENS = [
    # "critical" is only a severity hint: no telehealth-crm rule reads it, so the pack's default P2.
    Opens("pagerduty_events_v2_trigger.json", "pagerduty", CRM, 1, ("srv01/mysql",), "P2", "general", None),
    # The sample's label is "serverity" (sic): no severity, no rule, the default.
    Opens("alertmanager_webhook_firing.json", "alertmanager", CRM, 1, ("fa65a21db3335b7d",), "P2", "general", None),
    # Two alerts in one request, one incident.
    Opens("grafana_alerting_webhook.json", "grafana", CRM, 2, ("c6eadffa33fcdf37", "bc97ff14869b13e3"), "P2",
          "general", None),
    # The template's variables are unrendered: nothing to classify by.
    Opens("datadog_webhook_default_template.json", "datadog", CRM, 1, (), "P2", "general", None),
    # An EC2 CPU alarm: no healthcare-ivr rule reads CPU, so the default.
    Opens("aws_eventbridge_cloudwatch_alarm_state_change.json", "eventbridge", IVR, 1,
          ("arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh",), "P2", "general", None),
    # GuardDuty SSH brute force (UnauthorizedAccess, MEDIUM): "Security incident without PHI exposure" on the IVR...
    Opens("aws_eventbridge_securityhub_finding.json", "eventbridge", IVR, 1, (SECURITY_HUB_FINDING,), "P1",
          "unauthorized_access", "security-incident"),
    # ...while the telehealth CRM treats any unauthorised access as P0.
    Opens("aws_eventbridge_securityhub_finding.json", "eventbridge", CRM, 1, (SECURITY_HUB_FINDING,), "P0",
          "security_incident", "unauthorized-access"),
    # An AWS Health issue arrives as a warning: "Non-critical alerts", P3.
    Opens("aws_eventbridge_health_event.json", "eventbridge", IVR, 1,
          ("arn:aws:health:ap-southeast-2::event/AWS_ELASTICLOADBALANCING_API_ISSUE_90353408594353980",), "P3",
          "general", "non-critical-alert"),
    # "Failed backup with no redundancy": P1 until a responder confirms another recovery point.
    Opens("aws_eventbridge_backup_job_failed.json", "eventbridge", IVR, 1, (), "P1", "failed_backup_jobs",
          "backup-failed-no-redundancy"),
    # An essential container exited 1: ECS Service Failure.
    Opens("aws_eventbridge_ecs_task_stopped.json", "eventbridge", IVR, 1, (), "P1", "ecs_service_failure",
          "ecs-task-stopped"),
    # The sample's genuine AWS signature needs Amazon's historical certificate, so verification is off here;
    # tests/alerts/test_sns_endpoint.py signs its messages with a test key instead.
    Opens("aws_sns_cloudwatch_alarm_alarm.json", "sns", IVR, 1,
          ("arn:aws:cloudwatch:ap-southeast-1:528104389666:alarm:node_disk_used(i-007a83a108d6e2c6e)",), "P2",
          "general", None, {"verify_signature": False}),
]


@pytest.mark.parametrize("case", OPENS, ids=lambda c: f"{c.sample.removesuffix('.json')}-{c.service}")
def test_sample__stores_its_alerts_and_opens_the_incident_its_pack_classifies(client, admin, case):
    key = create_integration(client, admin, case.type, case.service, **case.options)
    response = deliver(client, case.type, key, sample_path(case.sample).read_bytes())
    assert response.status_code == 202, response.text
    stored = alerts(client, admin)
    assert len(stored) == case.count and {a["status"] for a in stored} == {"firing"}
    assert set(case.keys) <= {a["dedup_key"] for a in stored}
    [ref] = {a["incident"] for a in stored}
    if case.type == "pagerduty":
        assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": "srv01/mysql"}
    else:
        assert [(o["result"], o["incident"]) for o in response.json()["alerts"]] == [("created", ref)] * case.count
    opened = incident(client, admin, ref)
    assert (opened["service"], opened["status"], opened["source"]) == (case.service, "triggered", "alert")
    assert (opened["severity"], opened["type"], opened["classification"]["rule"]) == (
        case.severity, case.incident_type, case.rule)


def test_pagerduty_acknowledge_and_resolve_samples__with_nothing_open_change_nothing(client, admin):
    key = create_integration(client, admin, "pagerduty")
    for name in ("pagerduty_events_v2_acknowledge.json", "pagerduty_events_v2_resolve.json"):
        response = deliver(client, "pagerduty", key, sample(name))
        assert response.status_code == 202
        assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": "dedupkeyhere"}
    assert alerts(client, admin) == [] and incident_count(client, admin) == 0


def test_pagerduty_samples__acknowledge_then_resolve_what_the_trigger_opened(client, admin, clock):
    key = create_integration(client, admin, "pagerduty")
    acknowledge, resolve = sample("pagerduty_events_v2_acknowledge.json"), sample("pagerduty_events_v2_resolve.json")
    # The samples come from different pages of PagerDuty's docs; the trigger takes the other two's dedup key.
    trigger = {**sample("pagerduty_events_v2_trigger.json"), "dedup_key": acknowledge["dedup_key"]}
    assert deliver(client, "pagerduty", key, trigger).status_code == 202
    [opened] = alerts(client, admin)
    clock.advance(timedelta(minutes=3))
    assert deliver(client, "pagerduty", key, acknowledge).status_code == 202
    [acked] = alerts(client, admin)
    assert acked["acknowledged_at"] == clock.now().isoformat().replace("+00:00", "Z")
    assert incident(client, admin, opened["incident"])["status"] == "acknowledged"
    clock.advance(timedelta(minutes=10))
    assert deliver(client, "pagerduty", key, resolve).status_code == 202
    [resolved] = alerts(client, admin)
    assert (resolved["id"], resolved["status"]) == (opened["id"], "resolved")
    # telehealth-crm's auto_resolve is "monitoring": a person confirms the fix before it is resolved.
    assert incident(client, admin, opened["incident"])["status"] == "monitoring"


def test_sns_subscription_confirmation_sample__is_confirmed_and_pages_no_one(client, admin, app):
    confirmed: list[str] = []
    app.state.sns_confirm = confirmed.append  # the GET to Amazon is the network boundary
    key = create_integration(client, admin, "sns", IVR, verify_signature=False)
    message = sample("aws_sns_subscription_confirmation.json")
    response = deliver(client, "sns", key, sample_path("aws_sns_subscription_confirmation.json").read_bytes())
    assert response.status_code == 200
    assert response.json() == {"status": "confirmed", "topic": "arn:aws:sns:us-west-2:123456789012:MyTopic"}
    assert confirmed == [message["SubscribeURL"]]
    assert alerts(client, admin) == [] and incident_count(client, admin) == 0


def test_eventbridge_alarm_sample__ok_resolves_what_alarm_opened(client, admin):
    key = create_integration(client, admin, "eventbridge", IVR)
    alarm = sample("aws_eventbridge_cloudwatch_alarm_state_change.json")
    ok = {**alarm, "detail": {**alarm["detail"], "previousState": alarm["detail"]["state"],
                              "state": {**alarm["detail"]["state"], "value": "OK"}}}
    deliver(client, "eventbridge", key, alarm)
    response = deliver(client, "eventbridge", key, ok)
    [stored] = alerts(client, admin)
    assert [o["result"] for o in response.json()["alerts"]] == ["resolved"]
    assert stored["status"] == "resolved"
    assert incident(client, admin, stored["incident"])["status"] == "monitoring"  # healthcare-ivr auto_resolve


# --- several alerts per request, and dedup over HTTP


def test_alertmanager_batch__each_alert_applied_in_order_one_incident(client, admin):
    key = create_integration(client, admin, "alertmanager")
    deliver(client, "alertmanager", key, alertmanager_body(("c", "firing")))
    response = deliver(client, "alertmanager", key, alertmanager_body(("a", "firing"), ("b", "firing"),
                                                                      ("c", "resolved")))
    assert response.status_code == 202
    assert [(o["dedup_key"], o["result"]) for o in response.json()["alerts"]] == [
        ("a", "created"), ("b", "created"), ("c", "resolved")]
    stored = alerts(client, admin)
    assert [(a["dedup_key"], a["status"]) for a in stored] == [("c", "resolved"), ("a", "firing"), ("b", "firing")]
    [ref] = {a["incident"] for a in stored}
    assert incident(client, admin, ref)["status"] == "triggered"  # a and b still fire
    deliver(client, "alertmanager", key, alertmanager_body(("a", "resolved"), ("b", "resolved")))
    assert incident(client, admin, ref)["status"] == "monitoring"


def test_repeat_trigger__counts_on_the_open_alert(client, admin, clock):
    key = create_integration(client, admin, "pagerduty")
    deliver(client, "pagerduty", key, pagerduty_event("trigger"))
    clock.advance(timedelta(minutes=1))
    deliver(client, "pagerduty", key, pagerduty_event("trigger", summary="CRM API latency still high"))
    [stored] = alerts(client, admin)
    assert (stored["count"], stored["summary"]) == (2, "CRM API latency still high")
    assert incident_count(client, admin) == 1


def test_trigger_after_resolve__opens_a_new_alert_on_the_same_key(client, admin, clock):
    key = create_integration(client, admin, "pagerduty")
    for action in ("trigger", "resolve", "trigger"):
        assert deliver(client, "pagerduty", key, pagerduty_event(action)).status_code == 202
        clock.advance(timedelta(minutes=1))
    first, second = alerts(client, admin)
    assert (first["dedup_key"], first["status"], first["count"]) == ("crm/latency", "resolved", 1)
    assert (second["dedup_key"], second["status"], second["count"]) == ("crm/latency", "firing", 1)
    assert second["incident"] is not None


# --- refused deliveries


def test_unknown_key__404_that_reveals_nothing(client, admin):
    pagerduty_key = create_integration(client, admin, "pagerduty")
    heartbeat_key = create_integration(client, admin, "heartbeat", interval="5m")
    unknown = "0123456789abcdef0123456789abcdef"
    requests = [
        ("POST", f"/api/v1/hooks/alertmanager/{unknown}"),
        ("POST", f"/api/v1/hooks/alertmanager/{pagerduty_key}"),  # a real key, of another type
        ("POST", f"/api/v1/hooks/nagios/{unknown}"),  # a type there is no endpoint for
        ("POST", f"/api/v1/hooks/sns/{heartbeat_key}"),
        ("GET", f"/api/v1/heartbeats/{unknown}"),
        ("POST", f"/api/v1/heartbeats/{pagerduty_key}"),
    ]
    for method, path in requests:
        response = client.request(method, path, content=b'{"alerts": []}', headers=JSON)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path
    assert alerts(client, admin) == []


def test_unknown_routing_key__pagerduty_404_that_reveals_nothing(client, admin):
    alertmanager_key = create_integration(client, admin, "alertmanager")
    answers = [deliver(client, "pagerduty", key, pagerduty_event("trigger"))
               for key in ("0123456789abcdef0123456789abcdef", alertmanager_key)]
    assert [(a.status_code, a.json()) for a in answers] == [(404, {
        "status": "invalid event", "message": "Invalid routing key",
        "errors": ["no integration with that routing key"]})] * 2


@pytest.mark.parametrize("type_", ["alertmanager", "grafana", "datadog", "eventbridge", "sns"])
def test_malformed_json__400_naming_the_body(client, admin, type_):
    key = create_integration(client, admin, type_)
    response = client.post(f"/api/v1/hooks/{type_}/{key}", content=b'{"alerts": [', headers=JSON)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["details"]) == ("invalid_payload", {"field": "body"})
    assert error["message"].startswith("the request body is not valid JSON")


def test_malformed_json__pagerduty_400_in_pagerdutys_shape(client, admin):
    create_integration(client, admin, "pagerduty")
    response = client.post("/v2/enqueue", content=b'{"routing_key": ', headers=JSON)
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["message"]) == ("invalid event", "Event object is invalid")
    [error] = body["errors"]
    assert error.startswith("the request body is not valid JSON")


def test_missing_payload_summary__pagerduty_400_naming_it(client, admin):
    key = create_integration(client, admin, "pagerduty")
    event = pagerduty_event("trigger")
    del event["payload"]["summary"]
    response = deliver(client, "pagerduty", key, event)
    assert (response.status_code, response.json()) == (400, {
        "status": "invalid event", "message": "Event object is invalid",
        "errors": ["'payload.summary' is missing or blank"]})
    assert alerts(client, admin) == []


MISSING = {
    "alertmanager without alerts": ("alertmanager", {"version": "4", "status": "firing", "receiver": "x"}, "alerts"),
    "alertmanager alert of unknown status": (
        "alertmanager", {"version": "4", "alerts": [{"status": "pending", "labels": {"alertname": "x"}}]},
        "alerts[0].status"),
    "grafana without alerts": ("grafana", {"receiver": "x", "status": "firing", "orgId": 1}, "alerts"),
    "eventbridge without detail-type": ("eventbridge", {"source": "aws.backup", "detail": {}}, "detail-type"),
    "sns without TopicArn": ("sns", {"Type": "Notification", "MessageId": "m-1", "Message": "{}"}, "TopicArn"),
}


@pytest.mark.parametrize(("type_", "body", "field_name"), MISSING.values(), ids=MISSING.keys())
def test_missing_required_field__400_naming_it(client, admin, type_, body, field_name):
    key = create_integration(client, admin, type_)
    response = deliver(client, type_, key, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["details"] == {"field": field_name} and f"'{field_name}'" in error["message"]
    assert alerts(client, admin) == []


def _oversized(type_: str) -> dict[str, Any]:
    padding = "x" * LIMIT
    if type_ == "pagerduty":
        return pagerduty_event("trigger", custom_details={"log": padding})
    body = alertmanager_body(("a", "firing"))
    body["alerts"][0]["annotations"]["description"] = padding
    return body


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("type_", ["pagerduty", "alertmanager"])
def test_body_over_512_kb__413_and_nothing_stored(client, admin, type_, streamed):
    key = create_integration(client, admin, type_)
    body = _oversized(type_)
    if type_ == "pagerduty":
        body["routing_key"] = key
    raw = json.dumps(body).encode()
    assert len(raw) > LIMIT
    path = "/v2/enqueue" if type_ == "pagerduty" else f"/api/v1/hooks/{type_}/{key}"
    content = (raw[i:i + 65536] for i in range(0, len(raw), 65536)) if streamed else raw
    response = client.post(path, content=content, headers=JSON)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert alerts(client, admin) == []


def test_body_just_under_512_kb__is_accepted(client, admin):
    key = create_integration(client, admin, "pagerduty")
    event = {**pagerduty_event("trigger", custom_details={"log": ""}), "routing_key": key}
    room = LIMIT - len(json.dumps(event).encode())
    event["payload"]["custom_details"]["log"] = "x" * room
    raw = json.dumps(event).encode()
    assert len(raw) == LIMIT
    assert client.post("/v2/enqueue", content=raw, headers=JSON).status_code == 202


def test_rate_limit__429_with_retry_after_for_that_key_only(db, clock, settings, admin):
    app = create_app(settings.model_copy(update={"ingest_rate_per_key": 0.5}), clock=clock, db=db)  # burst: 1
    with TestClient(app, raise_server_exceptions=False) as client:
        limited, other = create_integration(client, admin, "alertmanager"), create_integration(client, admin,
                                                                                                  "alertmanager")
        body = alertmanager_body(("a", "firing"))
        assert deliver(client, "alertmanager", limited, body).status_code == 202
        refused = deliver(client, "alertmanager", limited, body)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 2  # whole seconds until the bucket holds a token
        assert deliver(client, "alertmanager", other, body).status_code == 202
        assert [a["count"] for a in alerts(client, admin)] == [1, 1]  # the refused delivery left no trace


# --- heartbeats


def test_heartbeat__get_and_post_pings_push_the_deadline_on(client, admin, clock):
    key = create_integration(client, admin, "heartbeat", interval="5m", grace="1m")
    got = client.get(f"/api/v1/heartbeats/{key}")
    assert got.status_code == 200 and got.json()["status"] == "ok"
    assert datetime.fromisoformat(got.json()["next_ping_due_by"]) == clock.now() + timedelta(minutes=6)
    clock.advance(timedelta(minutes=4))
    posted = client.post(f"/api/v1/heartbeats/{key}", content=b"nightly export finished")
    assert posted.status_code == 200
    assert datetime.fromisoformat(posted.json()["next_ping_due_by"]) == clock.now() + timedelta(minutes=6)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_heartbeat__unknown_key_404(client, admin, method):
    response = client.request(method, "/api/v1/heartbeats/0123456789abcdef0123456789abcdef")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- the formats beyond their one sample: other states, resolutions, other findings


def _finding(workflow: str = "NEW", record: str = "ACTIVE") -> dict[str, Any]:
    event = sample("aws_eventbridge_securityhub_finding.json")
    finding = event["detail"]["findings"][0]
    finding["Workflow"], finding["RecordState"] = {"Status": workflow}, record
    return event


def _health(status: str, category: str = "issue") -> dict[str, Any]:
    event = sample("aws_eventbridge_health_event.json")
    event["detail"].update(statusCode=status, eventTypeCategory=category)
    return event


def _backup(state: str) -> dict[str, Any]:
    event = sample("aws_eventbridge_backup_job_failed.json")
    event["detail"]["state"] = state
    return event


def _ecs(exit_code: int, reason: str = "Essential container in task exited",
         stop_code: str = "EssentialContainerExited") -> dict[str, Any]:
    event = sample("aws_eventbridge_ecs_task_stopped.json")
    event["detail"].update(stoppedReason=reason, stopCode=stop_code)
    for container in event["detail"]["containers"]:
        container["exitCode"] = exit_code
    return event


# Events are built inside each test, so a missing shared sample skips the test, not the module.
@pytest.mark.parametrize("first, then, status", [
    (_finding, partial(_finding, workflow="RESOLVED"), "resolved"),
    (_finding, partial(_finding, record="ARCHIVED"), "resolved"),
    (partial(_health, "open"), partial(_health, "closed"), "resolved"),
    (partial(_backup, "FAILED"), partial(_backup, "COMPLETED"), "resolved"),
], ids=["finding-workflow-resolved", "finding-archived", "health-closed", "backup-completed-after-failure"])
def test_eventbridge__a_later_event_resolves_what_the_first_opened(client, admin, first, then, status):
    key = create_integration(client, admin, "eventbridge", IVR)
    assert deliver(client, "eventbridge", key, first()).json()["alerts"][0]["result"] == "created"
    response = deliver(client, "eventbridge", key, then())
    assert [o["result"] for o in response.json()["alerts"]] == ["resolved"]
    [stored] = alerts(client, admin)
    assert stored["status"] == status
    assert incident(client, admin, stored["incident"])["status"] == "monitoring"


@pytest.mark.parametrize("event, severity, type_, rule", [
    (partial(_backup, "ABORTED"), "P1", "failed_backup_jobs", "backup-failed-no-redundancy"),
    (partial(_backup, "EXPIRED"), "P1", "failed_backup_jobs", "backup-failed-no-redundancy"),
    (partial(_backup, "PARTIAL"), "P1", "failed_backup_jobs", "backup-failed-no-redundancy"),
    (partial(_health, "upcoming", "scheduledChange"), "P3", "general", "non-critical-alert"),
    (partial(_ecs, 137, reason="Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:tg/ivr)",
          stop_code="ServiceSchedulerInitiated"), "P1", "ecs_service_failure", "health-check-failed"),
    (partial(_ecs, 2), "P1", "ecs_service_failure", "ecs-task-stopped"),
], ids=["backup-aborted", "backup-expired", "backup-partial", "health-scheduled-change", "ecs-health-check",
        "ecs-exit-2"])
def test_eventbridge__other_failures_page_as_the_pack_classifies(client, admin, event, severity, type_, rule):
    key = create_integration(client, admin, "eventbridge", IVR)
    [outcome] = deliver(client, "eventbridge", key, event()).json()["alerts"]
    assert outcome["result"] == "created"
    opened = incident(client, admin, outcome["incident"])
    assert (opened["severity"], opened["type"], opened["classification"]["rule"]) == (severity, type_, rule)


@pytest.mark.parametrize("event", [
    partial(_ecs, 0),
    partial(_ecs, 143, reason="Scaling activity initiated by deployment", stop_code="ServiceSchedulerInitiated"),
    partial(_backup, "RUNNING"),
], ids=["ecs-clean-exit", "ecs-deployment-stop", "backup-running"])
def test_eventbridge__routine_events_are_recorded_and_page_no_one(client, admin, event):
    key = create_integration(client, admin, "eventbridge", IVR)
    [outcome] = deliver(client, "eventbridge", key, event()).json()["alerts"]
    assert outcome["result"] == "recorded" and outcome["incident"] is None
    assert incident_count(client, admin) == 0


def test_backup_failure_with_redundancy__is_p2_over_http(client, admin):
    key = create_integration(client, admin, "eventbridge", IVR, backup_redundancy=True)
    [outcome] = deliver(client, "eventbridge", key, _backup("FAILED")).json()["alerts"]
    opened = incident(client, admin, outcome["incident"])
    assert (opened["severity"], opened["classification"]["rule"]) == ("P2", "backup-failed-with-redundancy")


def _alb_rate_alarm(datapoint: float) -> dict[str, Any]:
    """The usual ALB error-rate alarm: metric math 5XX / requests * 100 over two counts."""
    event = sample("aws_eventbridge_cloudwatch_alarm_state_change.json")
    event["detail"]["alarmName"] = "crm-alb-5xx-rate"
    event["detail"]["configuration"]["metrics"] = [
        {"id": "e1", "expression": "m1/m2*100", "label": "5XX rate", "returnData": True},
        {"id": "m1", "returnData": False, "metricStat": {"metric": {
            "namespace": "AWS/ApplicationELB", "name": "HTTPCode_Target_5XX_Count",
            "dimensions": {"LoadBalancer": "app/crm/50dc6c495c0c9188"}}, "period": 60, "stat": "Sum"}},
        {"id": "m2", "returnData": False, "metricStat": {"metric": {
            "namespace": "AWS/ApplicationELB", "name": "RequestCount",
            "dimensions": {"LoadBalancer": "app/crm/50dc6c495c0c9188"}}, "period": 60, "stat": "Sum"}}]
    event["detail"]["state"]["reasonData"] = json.dumps({"recentDatapoints": [2.0, datapoint], "threshold": 10.0})
    return event


@pytest.mark.parametrize("rate, severity, rule", [
    (14.2, "P1", "high-error-rate"), (6.0, "P2", "elevated-error-rate"), (3.0, "P2", None)])
def test_alb_5xx_rate_alarm__above_ten_percent_is_a_p1_high_error_rate(client, admin, rate, severity, rule):
    key = create_integration(client, admin, "eventbridge", CRM)
    [outcome] = deliver(client, "eventbridge", key, _alb_rate_alarm(rate)).json()["alerts"]
    opened = incident(client, admin, outcome["incident"])
    assert (opened["severity"], opened["classification"]["rule"]) == (severity, rule)


def test_phi_exposure__opens_a_p0_and_the_timeline_says_which_rule_and_why(client, admin):
    key = create_integration(client, admin, "pagerduty")
    deliver(client, "pagerduty", key, pagerduty_event("trigger", summary="Export bucket made public",
                                                      custom_details={"phi_exposure": True}))
    [stored] = alerts(client, admin)
    opened = incident(client, admin, stored["incident"])
    assert (opened["severity"], opened["phi_suspected"]) == ("P0", True)
    timeline = client.get(f"/api/v1/incidents/{stored['incident']}/timeline", headers=admin).json()
    [classified] = [e for e in timeline if e["kind"] == "classified"]
    assert classified["data"]["rule"] == opened["classification"]["rule"]
    assert opened["classification"]["reason"] in classified["summary"]


# --- generic senders


def test_generic__fields_come_from_the_configured_expressions(client, admin):
    key = create_integration(client, admin, "generic", summary="$.title", dedup_key="$.id", action="$.state",
                             action_map={"ok": "resolve"}, component="billing-api",
                             facts={"error_rate_pct": "$.metrics['5xx pct']"})
    body = {"id": "chk-7", "title": "Billing 5xx", "state": "alerting", "metrics": {"5xx pct": 31}}
    [outcome] = deliver(client, "generic", key, body).json()["alerts"]
    [stored] = alerts(client, admin)
    assert (stored["dedup_key"], stored["summary"], stored["component"]) == ("chk-7", "Billing 5xx", "billing-api")
    assert incident(client, admin, outcome["incident"])["type"] == "high_error_rate"
    deliver(client, "generic", key, {**body, "state": "ok"})
    assert alerts(client, admin)[0]["status"] == "resolved"


@pytest.mark.parametrize("options, field_name", [
    ({}, "options.summary"),
    ({"summary": "$.title", "dedup_key": "$.a[b"}, "options.dedup_key"),
    ({"summary": "$.title", "facts": {"rate": "$..x"}}, "options.facts.rate"),
    ({"summary": "$.title", "action_map": {"ok": "close"}}, "options.action_map"),
])
def test_generic__bad_options_are_refused_when_the_integration_is_made(client, admin, options, field_name):
    response = client.post("/api/v1/integrations", headers=admin, json={
        "type": "generic", "service": CRM, "name": "custom", "options": options})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["field"] == field_name
    assert client.get("/api/v1/integrations", headers=admin).json() == []


def test_sns__an_empty_topic_allow_list_is_refused(client, admin):
    response = client.post("/api/v1/integrations", headers=admin, json={
        "type": "sns", "service": IVR, "name": "alarms", "options": {"allowed_topics": []}})
    assert response.status_code == 422 and "allowed_topics" in response.json()["error"]["message"]


# --- NUL characters: PostgreSQL cannot store them


def test_nul_in_an_alert__is_kept_as_a_replacement_character_not_lost(client, admin):
    key = create_integration(client, admin, "pagerduty")
    response = deliver(client, "pagerduty", key, pagerduty_event(
        "trigger", dedup_key="db\u0000primary", summary="Replica lag\u0000", custom_details={"host\u0000": "a\u0000"}))
    assert response.status_code == 202 and response.json()["dedup_key"] == "db\ufffdprimary"
    [stored] = alerts(client, admin)
    assert (stored["dedup_key"], stored["summary"]) == ("db\ufffdprimary", "Replica lag\ufffd")
    deliver(client, "pagerduty", key, {"event_action": "resolve", "dedup_key": "db\u0000primary"})
    assert alerts(client, admin)[0]["status"] == "resolved"  # the same key, replaced the same way


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/v1/incidents", {"service": CRM, "title": "API\u0000 down"}),
    ("GET", "/api/v1/incidents?service=a%00b", None),
    ("GET", "/api/v1/incidents/INC%00x", None),
])
def test_nul_in_api_input__400_naming_it_and_nothing_created(client, admin, method, path, body):
    response = client.request(method, path, headers=admin, json=body)
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]["message"]
    assert incident_count(client, admin) == 0


# --- heartbeats over HTTP


def test_heartbeat__silence_opens_an_alert_and_the_next_ping_resolves_it(client, admin, clock, app):
    key = create_integration(client, admin, "heartbeat", interval="5m", grace="1m")
    clock.advance(timedelta(minutes=6, seconds=1))
    app.state.engine.run_once()
    [missed] = alerts(client, admin)
    assert missed["status"] == "firing" and "missed" in missed["summary"]
    assert incident(client, admin, missed["incident"])["status"] == "triggered"
    assert client.post(f"/api/v1/heartbeats/{key}").status_code == 200
    [resolved] = alerts(client, admin)
    assert (resolved["id"], resolved["status"]) == (missed["id"], "resolved")
