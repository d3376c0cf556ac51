"""Sender formats → NormalAlert: every fixture, the variants a real sender also sends, and malformed input."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codeblue.alerts.adapters import ADAPTERS, cloudwatch, eventbridge, generic, pagerduty, sns
from codeblue.alerts.normal import NormalAlert, PayloadError

FIXTURES = Path("/work/shared/fixtures/payloads")
GENERIC_OPTIONS = {"summary": "$.title", "dedup_key": "$.id", "action": "$.state",
                   "action_map": {"ok": "resolve", "alerting": "trigger"}, "severity": "$.level",
                   "facts": {"error_rate_pct": "$.metrics.errors"}, "component": "billing-api"}


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def only(alerts: list[NormalAlert]) -> NormalAlert:
    assert len(alerts) == 1, alerts
    return alerts[0]


def sns_alarm_message() -> dict[str, Any]:
    return json.loads(load("aws_sns_cloudwatch_alarm_alarm.json")["Message"])


def sns_with(message: Any, **fields: Any) -> dict[str, Any]:
    envelope = load("aws_sns_cloudwatch_alarm_alarm.json")
    envelope["Message"] = message if isinstance(message, str) else json.dumps(message)
    return {**envelope, **fields}


def test_registry_maps_every_hook_type():
    assert set(ADAPTERS) == {"pagerduty", "alertmanager", "grafana", "datadog", "eventbridge", "sns", "generic"}


# --- PagerDuty Events v2


def test_pagerduty_trigger_fixture():
    alert = only(ADAPTERS["pagerduty"](load("pagerduty_events_v2_trigger.json"), {}))
    assert (alert.action, alert.dedup_key, alert.source, alert.component, alert.severity_hint) == (
        "trigger", "srv01/mysql", "prod-datapipe03.example.com", "mysql", "critical")
    assert alert.summary == "DISK at 99% on machine prod-datapipe03.example.com"
    assert alert.occurred_at == datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)
    assert alert.facts == {"source": "pagerduty", "severity_hint": "critical", "component": "mysql",
                           "group": "prod-datapipe", "class": "disk",
                           "free space": "1%", "ping time": "1500ms", "load avg": 0.75}
    assert alert.details["custom_details"]["load avg"] == 0.75
    assert {"href": "http://pagerduty.example.com", "text": "An example link."} in alert.links


@pytest.mark.parametrize("name, action", [("pagerduty_events_v2_acknowledge.json", "acknowledge"),
                                          ("pagerduty_events_v2_resolve.json", "resolve")])
def test_pagerduty_acknowledge_and_resolve_fixtures(name, action):
    alert = only(ADAPTERS["pagerduty"](load(name), {}))
    assert (alert.action, alert.dedup_key, alert.source) == (action, "dedupkeyhere", "pagerduty")
    assert pagerduty.validate_pagerduty(load(name)) == []


def test_pagerduty_custom_details_become_facts_but_cannot_override_the_source():
    body = load("pagerduty_events_v2_trigger.json")
    body["payload"]["custom_details"] = {"phi_exposure": True, "source": "spoofed", "nested": {"a": 1}}
    alert = only(ADAPTERS["pagerduty"](body, {}))
    assert alert.facts["phi_exposure"] is True and alert.facts["source"] == "pagerduty"
    assert "nested" not in alert.facts and alert.details["custom_details"]["nested"] == {"a": 1}


def test_pagerduty_missing_summary_gives_pagerduty_style_errors():
    body = load("pagerduty_events_v2_trigger.json")
    del body["payload"]["summary"]
    body["payload"]["severity"] = "disastrous"
    assert pagerduty.validate_pagerduty(body) == [
        "'payload.summary' is missing or blank",
        "'payload.severity' must be one of critical, error, warning, info",
    ]
    with pytest.raises(PayloadError) as exc:
        ADAPTERS["pagerduty"](body, {})
    assert exc.value.field == "payload.summary" and str(exc.value) == "'payload.summary' is missing or blank"


def test_pagerduty_validation_names_every_problem():
    assert pagerduty.validate_pagerduty({"event_action": "trigger", "payload": {"summary": " "}}) == [
        "'routing_key' is missing or blank",
        "'payload.summary' is missing or blank",
        "'payload.source' is missing or blank",
        "'payload.severity' is missing or blank",
    ]
    assert pagerduty.validate_pagerduty([1, 2]) == ["Event object is invalid"]
    assert pagerduty.validate_pagerduty({"routing_key": "k"}) == ["'event_action' is missing or blank"]


def test_pagerduty_accepts_our_longer_routing_keys_and_truncates_long_summaries():
    body = load("pagerduty_events_v2_trigger.json")
    body["routing_key"] = "x" * 64
    body["payload"]["summary"] = "s" * 2000
    assert pagerduty.validate_pagerduty(body) == []
    assert len(only(ADAPTERS["pagerduty"](body, {})).summary) == 1024


# --- Alertmanager and Grafana


def test_alertmanager_fixture():
    alert = only(ADAPTERS["alertmanager"](load("alertmanager_webhook_firing.json"), {}))
    assert (alert.action, alert.dedup_key, alert.source) == ("trigger", "fa65a21db3335b7d", "alertmanager")
    assert alert.summary == "127.0.0.1:8080 of job spring-creed-prometheus High Memory usage detected"
    assert alert.occurred_at == datetime(2022, 11, 2, 8, 12, 16, 3000, tzinfo=UTC)
    assert alert.component == "spring-creed-prometheus"
    assert alert.facts["label.instance"] == "127.0.0.1:8080"
    assert alert.facts["alarm_name"] == "high-memory-usage" and alert.facts["source"] == "alertmanager"
    assert alert.severity_hint is None  # the sample's label is spelled "serverity": copied, not guessed
    assert alert.facts["label.serverity"] == "warning"
    assert alert.links[0]["text"] == "Source"


def test_alertmanager_resolved_alert_resolves_the_same_key():
    body = load("alertmanager_webhook_firing.json")
    body["status"] = body["alerts"][0]["status"] = "resolved"
    body["alerts"][0]["endsAt"] = "2022-11-02T08:30:00Z"
    alert = only(ADAPTERS["alertmanager"](body, {}))
    assert (alert.action, alert.dedup_key) == ("resolve", "fa65a21db3335b7d")
    assert alert.occurred_at == datetime(2022, 11, 2, 8, 30, tzinfo=UTC)


def test_alertmanager_several_alerts_with_well_known_labels():
    body = load("alertmanager_webhook_firing.json")
    second = copy.deepcopy(body["alerts"][0])
    second.update(fingerprint="0123456789abcdef", status="resolved",
                  labels={"alertname": "ApiDown", "severity": "CRITICAL", "availability": "down", "service": "api"},
                  annotations={"description": "API is down\nsince 5 minutes"})
    body["alerts"].append(second)
    first, down = ADAPTERS["alertmanager"](body, {})
    assert first.action == "trigger" and down.action == "resolve"
    assert down.summary == "API is down" and down.component == "api"
    assert down.severity_hint == "critical" and down.facts["severity_hint"] == "critical"
    assert down.facts["availability"] == "down" and down.facts["label.availability"] == "down"


def test_alertmanager_without_fingerprint_keys_on_group_and_sorted_labels():
    body = load("alertmanager_webhook_firing.json")
    del body["alerts"][0]["fingerprint"]
    key = only(ADAPTERS["alertmanager"](body, {})).dedup_key
    body["alerts"][0]["labels"] = dict(reversed(list(body["alerts"][0]["labels"].items())))
    assert only(ADAPTERS["alertmanager"](body, {})).dedup_key == key
    assert key.startswith('{}:{alertname="high-memory-usage"}|alertname=high-memory-usage,area=heap')


def test_grafana_fixture_two_alerts_with_values():
    first, second = ADAPTERS["grafana"](load("grafana_alerting_webhook.json"), {})
    assert (first.action, first.dedup_key, first.summary) == (
        "trigger", "c6eadffa33fcdf37", "This alert was triggered for zone us-1")
    assert (second.dedup_key, second.summary) == ("bc97ff14869b13e3", "This alert was triggered for zone eu-1")
    assert first.source == "grafana" and first.facts["source"] == "grafana"
    assert first.facts["value.B"] == pytest.approx(44.23943737541908) and first.facts["value.C"] == 1
    assert first.facts["label.zone"] == "us-1" and first.facts["alarm_name"] == "High memory usage"
    assert first.occurred_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert [link["text"] for link in first.links] == ["Source", "Silence", "Runbook"]


def test_grafana_resolved_and_value_string_only():
    body = load("grafana_alerting_webhook.json")
    alert = body["alerts"][0]
    alert.update(status="resolved", endsAt="2021-10-12T10:00:00+02:00", annotations={})
    del alert["values"]
    alert["valueString"] = "[ var='B' labels={zone=us-1} value=12.5 ], [ var='C' labels={zone=us-1} value=0 ]"
    first = ADAPTERS["grafana"](body, {})[0]
    assert first.action == "resolve" and first.summary == "High memory usage"
    assert (first.facts["value.B"], first.facts["value.C"]) == (12.5, 0.0)
    assert first.occurred_at == datetime(2021, 10, 12, 8, 0, tzinfo=UTC)


# --- Datadog


def test_datadog_default_template_reads_unrendered_variables_as_absent():
    alert = only(ADAPTERS["datadog"](load("datadog_webhook_default_template.json"), {}))
    assert (alert.action, alert.summary, alert.source, alert.dedup_key) == ("trigger", "Datadog alert", "datadog", None)
    assert alert.occurred_at is None and alert.facts == {"source": "datadog"}


def rendered_datadog(**changes: Any) -> dict[str, Any]:
    body = {"id": "7011543456789", "title": "[Triggered on {host:web-1}] API 5xx rate high", "body": "%%%\nrate>5",
            "alert_transition": "Triggered", "alert_type": "error", "priority": "P1", "aggregate": "a1b2c3",
            "alert_id": "12345", "tags": "env:prod, service:billing-api,dbinstanceidentifier:ehr-db,muted",
            "date": 1700000000000, "last_updated": "1700000060000", "link": "https://app.datadoghq.com/event/1"}
    return {**body, **changes}


def test_datadog_rendered_trigger():
    alert = only(ADAPTERS["datadog"](rendered_datadog(), {}))
    assert (alert.action, alert.dedup_key, alert.severity_hint, alert.component) == (
        "trigger", "a1b2c3", "critical", "billing-api")
    assert alert.summary == "[Triggered on {host:web-1}] API 5xx rate high"
    assert alert.facts["tag.env"] == "prod" and alert.facts["tag.muted"] is True
    assert alert.facts["db_instance"] == "ehr-db"
    assert alert.occurred_at == datetime.fromtimestamp(1700000060, UTC)  # last_updated wins over date
    assert alert.links == [{"href": "https://app.datadoghq.com/event/1", "text": "Datadog"}]


@pytest.mark.parametrize("changes, action", [
    ({"alert_transition": "Recovered", "alert_type": "success"}, "resolve"),
    ({"alert_transition": None, "alert_type": "success"}, "resolve"),
    ({"alert_transition": "Re-Triggered"}, "trigger"),
    ({"alert_transition": "Warn", "alert_type": "warning", "priority": None}, "trigger"),
    ({"alert_transition": "No Data"}, "record"),
    ({"alert_transition": "Something New"}, "trigger"),
])
def test_datadog_transitions(changes, action):
    alert = only(ADAPTERS["datadog"](rendered_datadog(**changes), {}))
    assert alert.action == action and alert.dedup_key == "a1b2c3"


def test_datadog_recovery_without_aggregate_keys_on_alert_id_and_scope():
    body = rendered_datadog(aggregate="$AGGREG_KEY", alert_scope="host:web-1", tags=["env:prod"], priority=None,
                            alert_transition="Recovered", alert_type="success", date=1700000000)
    alert = only(ADAPTERS["datadog"](body, {}))
    assert (alert.action, alert.dedup_key, alert.severity_hint) == ("resolve", "12345:host:web-1", "info")
    assert alert.occurred_at == datetime.fromtimestamp(1700000060, UTC)


# --- CloudWatch over SNS and EventBridge


def test_sns_cloudwatch_alarm_fixture():
    envelope = sns.parse_envelope(load("aws_sns_cloudwatch_alarm_alarm.json"))
    assert envelope.type == "Notification"
    assert envelope.topic_arn == "arn:aws:sns:ap-southeast-1:528104389666:BugRaidTopic"
    alert = only(sns.alerts_from_notification(envelope, {}))
    assert (alert.action, alert.source, alert.component) == ("trigger", "cloudwatch", "i-007a83a108d6e2c6e")
    assert alert.dedup_key == "arn:aws:cloudwatch:ap-southeast-1:528104389666:alarm:node_disk_used(i-007a83a108d6e2c6e)"
    assert alert.summary == "ALARM: node_disk_used(i-007a83a108d6e2c6e)"
    assert alert.occurred_at == datetime(2024, 9, 9, 1, 59, 7, 423000, tzinfo=UTC)
    assert alert.facts["alarm_name"] == "node_disk_used(i-007a83a108d6e2c6e)"
    assert (alert.facts["metric_name"], alert.facts["namespace"]) == ("disk_used_percent", "CWAgent")
    assert alert.facts["dimension.InstanceId"] == "i-007a83a108d6e2c6e" and alert.facts["dimension.path"] == "/"
    assert alert.facts["metric_value"] == pytest.approx(66.66201000304783) and alert.facts["threshold"] == 30.0
    assert "error_rate_pct" not in alert.facts  # disk use is a percentage but no error rate
    assert ADAPTERS["sns"](load("aws_sns_cloudwatch_alarm_alarm.json"), {}) == [alert]


@pytest.mark.parametrize("state, action", [("OK", "resolve"), ("INSUFFICIENT_DATA", "record"), ("ALARM", "trigger")])
def test_sns_cloudwatch_states(state, action):
    message = sns_alarm_message()
    message["NewStateValue"] = state
    alert = only(ADAPTERS["sns"](sns_with(message), {}))
    assert alert.action == action and alert.summary.startswith(f"{state}: ")
    assert alert.dedup_key == "arn:aws:cloudwatch:ap-southeast-1:528104389666:alarm:node_disk_used(i-007a83a108d6e2c6e)"


def test_cloudwatch_error_rate_and_well_known_dimensions():
    message = sns_alarm_message()
    message["NewStateReason"] = ("Threshold Crossed: 2 out of the last 2 datapoints [12.5 (09/09/24 01:54:00), "
                                 "7.0 (09/09/24 01:49:00)] was greater than the threshold (5.0)")
    message["Trigger"].update(MetricName="5XXErrorRatePercent", Namespace="Custom/Api", Dimensions=[
        {"name": "ServiceName", "value": "billing"}, {"name": "ClusterName", "value": "prod"},
        {"name": "DBInstanceIdentifier", "value": "ehr-db"}])
    alert = cloudwatch.from_sns_alarm(message)
    assert alert.facts["error_rate_pct"] == 12.5  # the newest datapoint comes first in the reason text
    assert (alert.facts["ecs_service"], alert.facts["ecs_cluster"], alert.facts["db_instance"]) == (
        "billing", "prod", "ehr-db")
    assert alert.component == "billing"
    message["Trigger"]["MetricName"] = "HTTPCode_Target_5XX_Count"  # a count is no rate
    assert "error_rate_pct" not in cloudwatch.from_sns_alarm(message).facts


def test_cloudwatch_healthy_host_count_below_one_is_down():
    message = sns_alarm_message()
    message["NewStateReason"] = "Threshold Crossed: 1 datapoint [0.0 (09/09/24 01:54:00)] was less than 1.0"
    message["Trigger"].update(MetricName="HealthyHostCount", Namespace="AWS/ApplicationELB",
                              ComparisonOperator="LessThanThreshold", Threshold=1.0)
    facts = cloudwatch.from_sns_alarm(message).facts
    assert facts["availability"] == "down" and facts["health_check_failed"] is True


def test_eventbridge_cloudwatch_alarm_fixture():
    alert = only(ADAPTERS["eventbridge"](load("aws_eventbridge_cloudwatch_alarm_state_change.json"), {}))
    assert (alert.action, alert.summary, alert.source) == ("trigger", "ALARM: ServerCpuTooHigh", "cloudwatch")
    assert alert.dedup_key == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"
    assert alert.occurred_at == datetime(2019, 10, 2, 17, 4, 40, 989000, tzinfo=UTC)
    assert alert.facts == {"source": "cloudwatch", "alarm_name": "ServerCpuTooHigh", "metric_name": "CPUUtilization",
                           "namespace": "AWS/EC2", "metric_value": 99.50160229693434, "threshold": 50.0,
                           "dimension.InstanceId": "i-12345678901234567"}
    assert alert.details["previous_state"] == "OK"


@pytest.mark.parametrize("state, action", [("OK", "resolve"), ("INSUFFICIENT_DATA", "record")])
def test_eventbridge_cloudwatch_states(state, action):
    event = load("aws_eventbridge_cloudwatch_alarm_state_change.json")
    event["detail"]["state"]["value"] = state
    alert = only(ADAPTERS["eventbridge"](event, {}))
    assert alert.action == action
    assert alert.dedup_key == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"


def test_eventbridge_metric_math_error_rate_from_recent_datapoints():
    event = load("aws_eventbridge_cloudwatch_alarm_state_change.json")
    event["detail"]["alarmName"] = "api-5xx"
    event["detail"]["configuration"]["metrics"] = [
        {"id": "e1", "label": "5XX error rate (%)", "expression": "m1/m2*100", "returnData": True},
        {"id": "m1", "metricStat": {"metric": {"namespace": "AWS/ApplicationELB", "name": "HTTPCode_Target_5XX_Count",
                                               "dimensions": {"LoadBalancer": "app/web/1"}}}, "returnData": False}]
    event["detail"]["state"]["reasonData"] = json.dumps({"recentDatapoints": [3.0, 14.2], "threshold": 10.0})
    alert = cloudwatch.from_alarm_event(event)
    assert alert.facts["metric_name"] == "HTTPCode_Target_5XX_Count"
    assert alert.facts["load_balancer"] == "app/web/1" and alert.facts["threshold"] == 10.0
    # The metric read is a count, but the alarm compares the expression, whose label says rate.
    assert alert.facts["error_rate_pct"] == 14.2  # the newest datapoint is last in reasonData
    event["detail"]["configuration"]["metrics"][0]["label"] = "5XX errors"
    event["detail"]["alarmName"] = "api-5xx"
    assert "error_rate_pct" not in cloudwatch.from_alarm_event(event).facts  # nothing names a rate


def test_plain_count_alarm_sets_no_error_rate_even_when_named_a_rate():
    event = load("aws_eventbridge_cloudwatch_alarm_state_change.json")
    event["detail"]["alarmName"] = "api-5xx-rate"
    event["detail"]["configuration"]["metrics"] = [
        {"id": "m1", "metricStat": {"metric": {"namespace": "AWS/ApplicationELB", "name": "HTTPCode_Target_5XX_Count",
                                               "dimensions": {"LoadBalancer": "app/web/1"}}}, "returnData": True}]
    event["detail"]["state"]["reasonData"] = json.dumps({"recentDatapoints": [120.0], "threshold": 100.0})
    assert "error_rate_pct" not in cloudwatch.from_alarm_event(event).facts


def test_sns_and_eventbridge_forms_of_one_alarm_share_a_dedup_key():
    event = load("aws_eventbridge_cloudwatch_alarm_state_change.json")
    message = sns_alarm_message()
    message.update(AlarmName="ServerCpuTooHigh", AlarmArn=event["resources"][0], NewStateValue="OK")
    assert cloudwatch.from_sns_alarm(message).dedup_key == cloudwatch.from_alarm_event(event).dedup_key


# --- SNS envelopes


def test_sns_subscription_confirmation_fixture():
    body = load("aws_sns_subscription_confirmation.json")
    envelope = sns.parse_envelope(body)
    assert (envelope.type, envelope.topic_arn, envelope.token) == (
        "SubscriptionConfirmation", "arn:aws:sns:us-west-2:123456789012:MyTopic", body["Token"])
    assert envelope.subscribe_url == body["SubscribeURL"] and envelope.message_id == body["MessageId"]
    assert envelope.timestamp == datetime(2012, 4, 26, 20, 45, 4, 751000, tzinfo=UTC)
    assert envelope.signature == body["Signature"] and envelope.signing_cert_url == body["SigningCertURL"]
    assert sns.alerts_from_notification(envelope, {}) == []


def test_sns_plain_text_notification_is_a_trigger_named_by_subject_or_first_line():
    alert = only(ADAPTERS["sns"](sns_with("\n  Disk almost full on ehr-db\nmore text"), {}))
    assert (alert.action, alert.source) == ("trigger", "sns")
    assert alert.summary == 'ALARM: "node_disk_used(i-007a83a108d6e2c6e)" in Asia Pacific (Singapore)'
    assert alert.facts == {"source": "sns", "sns_topic": "arn:aws:sns:ap-southeast-1:528104389666:BugRaidTopic"}
    body = sns_with("\n  Disk almost full on ehr-db\nmore text")
    del body["Subject"]
    assert only(ADAPTERS["sns"](body, {})).summary == "Disk almost full on ehr-db"


def test_sns_wrapping_an_eventbridge_event():
    alert = only(ADAPTERS["sns"](sns_with(load("aws_eventbridge_backup_job_failed.json")), {}))
    assert alert.source == "aws_backup" and alert.action == "trigger"


# --- EventBridge: Security Hub, Health, Backup, ECS, anything else


def test_securityhub_guardduty_finding_fixture():
    alert = only(ADAPTERS["eventbridge"](load("aws_eventbridge_securityhub_finding.json"), {}))
    assert alert.action == "trigger" and alert.source == "guardduty"
    assert alert.dedup_key == ("arn:aws:guardduty:us-east-1:193043430472:detector/d4b040365221be2b54a6264dc9a4bc64"
                               "/finding/46ba0ac2845071e23ccdeb2ae03bfdea")
    assert alert.summary == "199.241.229.197 is performing SSH brute force attacks against i-0c10c2c7863d1a356."
    assert alert.severity_hint == "warning"
    facts = alert.facts
    assert (facts["security_finding"], facts["finding_severity"], facts["finding_type"]) == (
        True, "MEDIUM", "UnauthorizedAccess:EC2/SSHBruteForce")
    assert facts["unauthorized_access"] is True and facts["data_exfiltration"] is False
    assert facts["source"] == "guardduty" and facts["tag.Name"] == "kubectl"
    assert alert.component == "arn:aws:ec2:us-east-1:193043430472:instance/i-0c10c2c7863d1a356"
    assert alert.links[0]["text"] == "Finding"


def test_securityhub_other_finding_type_and_severity():
    event = load("aws_eventbridge_securityhub_finding.json")
    finding = event["detail"]["findings"][0]
    finding.update(Id="finding-2", Types=["Effects/Data Exfiltration"], Severity={"Label": "CRITICAL"},
                   ProductArn="arn:aws:securityhub:us-east-1::product/aws/macie", ProductFields={})
    alert = only(ADAPTERS["eventbridge"](event, {}))
    assert (alert.source, alert.dedup_key, alert.severity_hint) == ("securityhub", "finding-2", "critical")
    facts = alert.facts
    assert facts["finding_type"] == "Effects/Data Exfiltration" and facts["finding_severity"] == "CRITICAL"
    assert facts["data_exfiltration"] is True and facts["unauthorized_access"] is False


@pytest.mark.parametrize("changes", [{"Workflow": {"Status": "RESOLVED"}}, {"RecordState": "ARCHIVED"},
                                     {"Compliance": {"Status": "PASSED"}}])
def test_securityhub_resolved_findings_resolve(changes):
    event = load("aws_eventbridge_securityhub_finding.json")
    event["detail"]["findings"][0].update(changes)
    assert only(ADAPTERS["eventbridge"](event, {})).action == "resolve"


def test_securityhub_several_findings_and_normalized_severity():
    event = load("aws_eventbridge_securityhub_finding.json")
    control = {"Id": "control-1", "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
               "Title": "S3 bucket allows public read", "Severity": {"Normalized": 75},
               "Compliance": {"Status": "FAILED"}}
    event["detail"]["findings"].append(control)
    first, second = ADAPTERS["eventbridge"](event, {})
    assert second.dedup_key == "control-1" and second.facts["finding_severity"] == "HIGH"
    assert second.facts["compliance_violation"] is True and second.action == "trigger"


def test_guardduty_finding_event_shares_the_security_hub_key():
    detail = {"id": "46ba", "arn": "arn:aws:guardduty:us-east-1:1:detector/d/finding/46ba",
              "type": "Exfiltration:S3/AnomalousBehavior", "severity": 8.5, "title": "Unusual S3 reads",
              "service": {"archived": False}, "resource": {"resourceType": "S3Bucket"}}
    event = {"detail-type": "GuardDuty Finding", "source": "aws.guardduty", "time": "2024-01-01T00:00:00Z",
             "detail": detail}
    alert = only(ADAPTERS["eventbridge"](event, {}))
    assert (alert.dedup_key, alert.facts["finding_severity"], alert.facts["data_exfiltration"]) == (
        detail["arn"], "HIGH", True)
    detail["service"]["archived"] = True
    assert only(ADAPTERS["eventbridge"](event, {})).action == "resolve"


def test_aws_health_fixture():
    alert = only(ADAPTERS["eventbridge"](load("aws_eventbridge_health_event.json"), {}))
    assert (alert.action, alert.source, alert.severity_hint, alert.component) == (
        "trigger", "aws_health", "warning", "ELASTICLOADBALANCING")
    assert alert.dedup_key == ("arn:aws:health:ap-southeast-2::event/"
                               "AWS_ELASTICLOADBALANCING_API_ISSUE_90353408594353980")
    assert alert.summary == "AWS Health issue: AWS_ELASTICLOADBALANCING_API_ISSUE in ap-southeast-2"
    assert alert.facts == {"source": "aws_health", "health_status": "open", "health_event_category": "issue",
                           "health_service": "ELASTICLOADBALANCING",
                           "health_event_type": "AWS_ELASTICLOADBALANCING_API_ISSUE", "severity_hint": "warning"}
    assert alert.occurred_at == datetime(2022, 6, 10, 6, 27, 57, tzinfo=UTC)


@pytest.mark.parametrize("status, category, action, hint", [
    ("closed", "issue", "resolve", "warning"), ("upcoming", "scheduledChange", "trigger", "info"),
    ("open", "accountNotification", "trigger", "info")])
def test_aws_health_variants(status, category, action, hint):
    event = load("aws_eventbridge_health_event.json")
    event["detail"].update(statusCode=status, eventTypeCategory=category)
    alert = only(ADAPTERS["eventbridge"](event, {}))
    assert (alert.action, alert.severity_hint, alert.facts["health_event_category"]) == (action, hint, category)
    assert alert.dedup_key == event["detail"]["eventArn"]


BACKUP_KEY = ("backup:9ab3e749-82c6-4342-9320-5edbf4918b86:"
              "arn:aws:service:us-west-2:1112233445566:resource-type/resource-id")


def test_backup_failed_fixture():
    alert = only(ADAPTERS["eventbridge"](load("aws_eventbridge_backup_job_failed.json"), {}))
    assert (alert.action, alert.source, alert.dedup_key) == ("trigger", "aws_backup", BACKUP_KEY)
    assert alert.summary.startswith("AWS Backup job FAILED for arn:aws:service:us-west-2:1112233445566:resource-type/")
    assert "does not exist." in alert.summary and '"' not in alert.summary
    assert alert.facts == {"source": "aws_backup", "backup_state": "FAILED",
                           "backup_vault": "9ab3e749-82c6-4342-9320-5edbf4918b86",
                           "resource_arn": "arn:aws:service:us-west-2:1112233445566:resource-type/resource-id",
                           "resource_type": "type", "backup_job_id": "34176239-e96d-4e1d-9fad-529dbb3c3556"}


def test_backup_completed_resolves_the_failures_key_and_redundancy_comes_from_options():
    event = load("aws_eventbridge_backup_job_failed.json")
    event["detail"].update(state="COMPLETED", backupJobId="another-job", statusMessage="",
                           recoveryPointArn="arn:aws:backup:us-west-2:1112233445566:recovery-point:rp-1")
    alert = only(ADAPTERS["eventbridge"](event, {"backup_redundancy": True}))
    assert (alert.action, alert.dedup_key) == ("resolve", BACKUP_KEY)
    assert alert.facts["recovery_point_arn"].endswith("rp-1") and alert.facts["backup_redundancy"] is True
    event["detail"]["state"] = "RUNNING"
    assert only(ADAPTERS["eventbridge"](event, {})).action == "record"
    for state in ("ABORTED", "EXPIRED"):
        event["detail"]["state"] = state
        assert only(ADAPTERS["eventbridge"](event, {})).action == "trigger"


ECS_KEY = "ecs:arn:aws:ecs:us-east-1:563873274798:cluster/crossfeed-staging-worker:family:crossfeed-staging-worker"


def test_ecs_task_stopped_fixture():
    alert = only(ADAPTERS["eventbridge"](load("aws_eventbridge_ecs_task_stopped.json"), {}))
    assert (alert.action, alert.source, alert.dedup_key) == ("trigger", "ecs", ECS_KEY)
    assert alert.summary == ("ECS task of crossfeed-staging-worker in cluster crossfeed-staging-worker stopped: "
                             "Essential container in task exited (exit code 1)")
    facts = alert.facts
    assert (facts["ecs_cluster"], facts["exit_code"], facts["health_check_failed"]) == (
        "crossfeed-staging-worker", 1, False)
    assert facts["task_arn"] == "arn:aws:ecs:us-east-1:563873274798:task/eeccdb34-d8cf-49e7-b379-1cf4f123c0ee"
    assert "ecs_service" not in facts  # a standalone task: its group is a family, not a service
    assert alert.occurred_at == datetime(2020, 8, 14, 18, 6, 47, 229000, tzinfo=UTC)


def ecs_event(**detail: Any) -> dict[str, Any]:
    event = load("aws_eventbridge_ecs_task_stopped.json")
    event["detail"].update(detail)
    return event


def test_ecs_exit_zero_is_only_recorded():
    event = ecs_event()
    event["detail"]["containers"][0]["exitCode"] = 0
    alert = only(ADAPTERS["eventbridge"](event, {}))
    assert (alert.action, alert.facts["exit_code"], alert.dedup_key) == ("record", 0, ECS_KEY)


def test_ecs_failed_health_check_of_a_service_triggers_and_groups_per_service():
    first = ecs_event(group="service:billing", stopCode="ServiceSchedulerInitiated",
                      stoppedReason="Task failed ELB health checks in (target-group arn:aws:...:targetgroup/tg/1)")
    first["detail"]["containers"][0]["exitCode"] = 143
    second = copy.deepcopy(first)
    second["detail"]["taskArn"] = "arn:aws:ecs:us-east-1:563873274798:task/other"
    a, b = ADAPTERS["eventbridge"]([first, second], {})
    assert a.action == b.action == "trigger" and a.dedup_key == b.dedup_key
    assert a.facts["health_check_failed"] is True and a.facts["ecs_service"] == "billing"
    assert a.component == "billing"


@pytest.mark.parametrize("changes, exit_code, action", [
    ({"group": "service:billing", "stopCode": "ServiceSchedulerInitiated",
      "stoppedReason": "Scaling activity initiated by (deployment ecs-svc/123)"}, 143, "record"),
    ({"stopCode": "UserInitiated", "stoppedReason": "Task stopped by user"}, 137, "record"),
    ({"stopCode": "TaskFailedToStart", "stoppedReason": "CannotPullContainerError"}, None, "trigger"),
    ({"stopCode": "EssentialContainerExited"}, None, "trigger"),
    ({"lastStatus": "RUNNING", "desiredStatus": "RUNNING"}, 1, "record"),
])
def test_ecs_stop_reasons(changes, exit_code, action):
    event = ecs_event(**changes)
    container = event["detail"]["containers"][0]
    if exit_code is None:
        del container["exitCode"]
    else:
        container["exitCode"] = exit_code
    assert only(ADAPTERS["eventbridge"](event, {})).action == action


def test_eventbridge_unknown_detail_type_is_a_plain_trigger():
    event = {"detail-type": "CodePipeline Pipeline Execution State Change", "source": "aws.codepipeline",
             "time": "2024-01-01T00:00:00Z", "resources": ["arn:aws:codepipeline:us-east-1:1:deploy"],
             "detail": {"state": "FAILED"}}
    alert = only(ADAPTERS["eventbridge"](event, {}))
    assert (alert.action, alert.source) == ("trigger", "aws.codepipeline")
    assert alert.summary == "CodePipeline Pipeline Execution State Change from aws.codepipeline"
    assert alert.dedup_key == "aws.codepipeline:CodePipeline Pipeline Execution State Change:" \
                              "arn:aws:codepipeline:us-east-1:1:deploy"


def test_eventbridge_list_of_events():
    events = [load("aws_eventbridge_health_event.json"), load("aws_eventbridge_backup_job_failed.json")]
    assert [a.source for a in ADAPTERS["eventbridge"](events, {})] == ["aws_health", "aws_backup"]
    assert eventbridge.parse([], {}) == []


# --- generic JSON


def test_generic_maps_fields_by_expression():
    payload = {"id": 42, "title": "Error budget burning", "state": "ALERTING", "level": "High",
               "metrics": {"errors": 7.5}}
    alert = only(ADAPTERS["generic"](payload, GENERIC_OPTIONS))
    assert (alert.action, alert.summary, alert.dedup_key, alert.component, alert.severity_hint) == (
        "trigger", "Error budget burning", "42", "billing-api", "error")
    assert alert.facts == {"source": "generic", "error_rate_pct": 7.5, "severity_hint": "error"}
    assert alert.source == "generic" and alert.details == payload


def test_generic_list_payload_and_action_map():
    payload = [{"title": "a", "state": "ok"}, {"title": "b", "state": "alerting"}, {"title": "c", "state": "?"}]
    assert [a.action for a in ADAPTERS["generic"](payload, GENERIC_OPTIONS)] == ["resolve", "trigger", "trigger"]


def test_generic_paths():
    doc = {"a": {"b": [{"c": 1}, {"c": 2}]}, "key with space": "x"}
    assert generic.resolve(generic.compile_path("$.a.b[1].c"), doc) == 2
    assert generic.resolve(generic.compile_path("$.a.b[-1]"), doc) == {"c": 2}
    assert generic.resolve(generic.compile_path("$['key with space']"), doc) == "x"
    assert generic.resolve(generic.compile_path("$.a.b.0.c"), doc) == 1
    assert generic.resolve(generic.compile_path("$.a.missing.c"), doc) is None
    assert generic.resolve(generic.compile_path("$"), doc) is doc
    with pytest.raises(ValueError):
        generic.compile_path("$.a..b")


def test_generic_bad_option_expression_names_the_option():
    with pytest.raises(PayloadError) as exc:
        ADAPTERS["generic"]({"title": "x"}, {**GENERIC_OPTIONS, "dedup_key": "$..id"})
    assert exc.value.field == "options.dedup_key"


# --- malformed payloads: PayloadError naming the field, never another exception

ALARM_EVENT = "aws_eventbridge_cloudwatch_alarm_state_change.json"


def edited(name: str, path: list[str | int], value: Any = KeyError) -> Any:
    """The fixture with the value at path replaced (or deleted, when value is KeyError)."""
    data = load(name)
    node = data
    for step in path[:-1]:
        node = node[step]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


def sns_message(path: list[str | int], value: Any = KeyError) -> dict[str, Any]:
    message = sns_alarm_message()
    node = message
    for step in path[:-1]:
        node = node[step]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return sns_with(message)


MALFORMED = [
    ("pagerduty", [], "body"),
    ("pagerduty", edited("pagerduty_events_v2_trigger.json", ["payload", "summary"]), "payload.summary"),
    ("pagerduty", edited("pagerduty_events_v2_trigger.json", ["payload"], "text"), "payload"),
    ("pagerduty", edited("pagerduty_events_v2_trigger.json", ["payload", "source"], 5), "payload.source"),
    ("pagerduty", edited("pagerduty_events_v2_trigger.json", ["event_action"], "explode"), "event_action"),
    ("pagerduty", edited("pagerduty_events_v2_resolve.json", ["dedup_key"]), "dedup_key"),
    ("pagerduty", edited("pagerduty_events_v2_trigger.json", ["routing_key"], ""), "routing_key"),
    ("pagerduty", edited("pagerduty_events_v2_trigger.json", ["links"], {"href": "x"}), "links"),
    ("alertmanager", "text", "body"),
    ("alertmanager", edited("alertmanager_webhook_firing.json", ["alerts"]), "alerts"),
    ("alertmanager", edited("alertmanager_webhook_firing.json", ["alerts"], {}), "alerts"),
    ("alertmanager", edited("alertmanager_webhook_firing.json", ["alerts", 0], 1), "alerts[0]"),
    ("alertmanager", edited("alertmanager_webhook_firing.json", ["alerts", 0, "status"], "exploded"),
     "alerts[0].status"),
    ("alertmanager", edited("alertmanager_webhook_firing.json", ["alerts", 0, "labels"], []), "alerts[0].labels"),
    ("alertmanager", edited("alertmanager_webhook_firing.json", ["alerts", 0, "fingerprint"], {}),
     "alerts[0].fingerprint"),
    ("grafana", None, "body"),
    ("grafana", edited("grafana_alerting_webhook.json", ["alerts", 1, "values"], [1]), "alerts[1].values"),
    ("grafana", edited("grafana_alerting_webhook.json", ["alerts", 1, "annotations"], "x"), "alerts[1].annotations"),
    ("datadog", [], "body"),
    ("datadog", {"title": ["x"]}, "title"),
    ("datadog", {"title": "x", "tags": 5}, "tags"),
    ("eventbridge", 5, "body"),
    ("eventbridge", edited(ALARM_EVENT, ["detail-type"]), "detail-type"),
    ("eventbridge", edited(ALARM_EVENT, ["detail"]), "detail"),
    ("eventbridge", edited(ALARM_EVENT, ["detail"], []), "detail"),
    ("eventbridge", edited(ALARM_EVENT, ["detail", "state"]), "detail.state"),
    ("eventbridge", edited(ALARM_EVENT, ["detail", "state", "value"], "BROKEN"), "detail.state.value"),
    ("eventbridge", edited(ALARM_EVENT, ["detail", "alarmName"], None), "detail.alarmName"),
    ("eventbridge", edited(ALARM_EVENT, ["detail", "configuration", "metrics", 0, "metricStat"], 3),
     "detail.configuration.metrics[0].metricStat"),
    ("eventbridge", [load(ALARM_EVENT), edited(ALARM_EVENT, ["detail"])], "[1].detail"),
    ("eventbridge", edited("aws_eventbridge_securityhub_finding.json", ["detail", "findings", 0, "Id"]),
     "detail.findings[0].Id"),
    ("eventbridge", edited("aws_eventbridge_securityhub_finding.json", ["detail", "findings"], {}),
     "detail.findings"),
    ("eventbridge", edited("aws_eventbridge_securityhub_finding.json", ["detail", "findings", 0, "Severity"], 4),
     "detail.findings[0].Severity"),
    ("eventbridge", edited("aws_eventbridge_backup_job_failed.json", ["detail", "resourceArn"]),
     "detail.resourceArn"),
    ("eventbridge", edited("aws_eventbridge_backup_job_failed.json", ["detail", "state"], ["FAILED"]), "detail.state"),
    ("eventbridge", edited("aws_eventbridge_ecs_task_stopped.json", ["detail", "clusterArn"]), "detail.clusterArn"),
    ("eventbridge", edited("aws_eventbridge_health_event.json", ["detail", "affectedEntities"], "x"),
     "detail.affectedEntities"),
    ("sns", [], "body"),
    ("sns", {"Type": "Notification"}, "MessageId"),
    ("sns", edited("aws_sns_cloudwatch_alarm_alarm.json", ["Type"], "Bogus"), "Type"),
    ("sns", edited("aws_sns_subscription_confirmation.json", ["SubscribeURL"]), "SubscribeURL"),
    ("sns", edited("aws_sns_cloudwatch_alarm_alarm.json", ["Message"], {"a": 1}), "Message"),
    ("sns", sns_message(["NewStateValue"], "BROKEN"), "Message.NewStateValue"),
    ("sns", sns_message(["Trigger", "Dimensions"], "x"), "Message.Trigger.Dimensions"),
    ("sns", sns_message(["Trigger", "Dimensions", 0], "x"), "Message.Trigger.Dimensions[0]"),
    ("sns", sns_with(edited("aws_eventbridge_backup_job_failed.json", ["detail", "resourceArn"])),
     "Message.detail.resourceArn"),
    ("generic", {"name": "x"}, "title"),
    ("generic", [{"title": "a"}, {}], "[1].title"),
    ("generic", {"title": {"a": 1}}, "title"),
    ("generic", {"title": "  "}, "title"),
]


@pytest.mark.parametrize("type_, payload, field", MALFORMED, ids=[f"{t}-{f}" for t, _, f in MALFORMED])
def test_malformed_payloads_raise_payload_error_naming_the_field(type_, payload, field):
    options = GENERIC_OPTIONS if type_ == "generic" else {}
    with pytest.raises(PayloadError) as exc:
        ADAPTERS[type_](payload, options)
    assert exc.value.field == field
    assert field in str(exc.value) or field == "body"


# --- property: arbitrary JSON never raises anything but PayloadError

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(
    max_size=12)
# Keys the formats use, so random documents reach past the first checks.
KEYS = st.sampled_from(["alerts", "status", "labels", "annotations", "fingerprint", "values", "valueString",
                        "detail-type", "source", "detail", "findings", "Id", "Types", "Severity", "state", "value",
                        "alarmName", "configuration", "metrics", "containers", "exitCode", "lastStatus",
                        "clusterArn", "Type", "Message", "MessageId", "TopicArn", "event_action", "routing_key",
                        "payload", "summary", "title", "tags", "statusCode", "resourceArn", "backupVaultName"])
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS | st.text(max_size=8), children,
                                                                       max_size=6),
    max_leaves=25,
)
DETAIL_TYPES = st.sampled_from(["CloudWatch Alarm State Change", "Security Hub Findings - Imported",
                                "GuardDuty Finding", "AWS Health Event", "Backup Job State Change",
                                "ECS Task State Change", "Something Else"])


def check(type_: str, payload: Any) -> None:
    options = GENERIC_OPTIONS if type_ == "generic" else {"backup_redundancy": False}
    try:
        alerts = ADAPTERS[type_](payload, options)
    except PayloadError as exc:
        assert exc.field is None or isinstance(exc.field, str)
        return
    assert isinstance(alerts, list)
    for alert in alerts:
        assert isinstance(alert, NormalAlert)
        assert alert.action in ("trigger", "acknowledge", "resolve", "record")
        assert isinstance(alert.summary, str) and isinstance(alert.source, str)
        assert alert.dedup_key is None or isinstance(alert.dedup_key, str)
        assert alert.occurred_at is None or alert.occurred_at.utcoffset().total_seconds() == 0
        json.dumps([alert.facts, alert.links, alert.details])  # stored in JSON columns


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(type_=st.sampled_from(sorted(ADAPTERS)), payload=json_values)
def test_any_json_gives_alerts_or_payload_error(type_, payload):
    check(type_, payload)
    if type_ == "pagerduty":
        assert isinstance(pagerduty.validate_pagerduty(payload), list)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(kind=DETAIL_TYPES, detail=json_values, source=scalars)
def test_any_eventbridge_detail_gives_alerts_or_payload_error(kind, detail, source):
    check("eventbridge", {"detail-type": kind, "source": source, "detail": detail})
    check("sns", sns_with({"detail-type": kind, "source": source, "detail": detail}))


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a decoded JSON document."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += paths(value, (*prefix, i))
    return found


FIXTURE_TYPES = {
    "alertmanager_webhook_firing.json": "alertmanager", "grafana_alerting_webhook.json": "grafana",
    "datadog_webhook_default_template.json": "datadog", "pagerduty_events_v2_trigger.json": "pagerduty",
    "pagerduty_events_v2_resolve.json": "pagerduty", "aws_sns_cloudwatch_alarm_alarm.json": "sns",
    "aws_sns_subscription_confirmation.json": "sns", ALARM_EVENT: "eventbridge",
    "aws_eventbridge_securityhub_finding.json": "eventbridge", "aws_eventbridge_health_event.json": "eventbridge",
    "aws_eventbridge_backup_job_failed.json": "eventbridge", "aws_eventbridge_ecs_task_stopped.json": "eventbridge",
    "sns-alarm-message": "sns",
}


def fixture_document(name: str) -> Any:
    return sns_alarm_message() if name == "sns-alarm-message" else load(name)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(FIXTURE_TYPES)))
def test_fixtures_with_one_value_replaced_give_alerts_or_payload_error(data, name):
    document = fixture_document(name)
    path = data.draw(st.sampled_from(paths(document)[1:]))
    replacement = data.draw(json_values)
    node = document
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = replacement
    check(FIXTURE_TYPES[name], sns_with(document) if name == "sns-alarm-message" else document)
