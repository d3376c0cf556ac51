"""The SNS endpoint over HTTP: signed alarms become alerts; forged, misdirected or unconfirmable messages get 403."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from codeblue.alerts.models import Alert, Delivery
from codeblue.alerts.sns_verify import CertificateCache
from tests.alerts.samples import sample, sample_path
from tests.alerts.senders import alerts, create_integration, deliver, incident, incident_count
from tests.alerts.sns_signing import CERT_URL, Fetcher, make_cert, make_key, sign
from tests.factories import IVR

TOPIC = "arn:aws:sns:us-east-1:123456789012:ivr-alarms"
ALARM_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ivr-db-cpu-high"
SUBSCRIBE_URL = f"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=2336412f"


@pytest.fixture(scope="module")
def key():
    return make_key()


@pytest.fixture
def fetcher(key, clock) -> Fetcher:
    return Fetcher(make_cert(key, now=clock.now()))


@pytest.fixture
def confirmed(app, fetcher, clock) -> list[str]:
    """The network boundary stubbed: certificates come from the test key, confirmations are recorded."""
    app.state.sns_certificates = CertificateCache(fetcher, now=clock.now)
    urls: list[str] = []
    app.state.sns_confirm = urls.append
    return urls


def alarm(state: str) -> str:
    """A CloudWatch alarm's SNS Message: the IVR database's CPU."""
    return json.dumps({
        "AlarmName": "ivr-db-cpu-high", "AlarmDescription": "IVR database CPU above 90 %",
        "AWSAccountId": "123456789012", "NewStateValue": state, "OldStateValue": "OK",
        "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [97.5 (10/03/26 13:58:00)] was greater "
                          "than the threshold (90.0) (minimum 1 datapoint for OK -> ALARM transition).",
        "StateChangeTime": "2026-03-10T13:59:07.423+0000", "Region": "US East (N. Virginia)", "AlarmArn": ALARM_ARN,
        "Trigger": {"MetricName": "CPUUtilization", "Namespace": "AWS/RDS", "Statistic": "AVERAGE", "Period": 300,
                    "Dimensions": [{"value": "ivr-db", "name": "DBInstanceIdentifier"}], "EvaluationPeriods": 1,
                    "ComparisonOperator": "GreaterThanThreshold", "Threshold": 90.0},
    })


def notification(state: str = "ALARM", topic: str = TOPIC) -> dict[str, Any]:
    return {"Type": "Notification", "MessageId": f"5f2c8a4e-{state.lower()}", "TopicArn": topic,
            "Subject": f'{state}: "ivr-db-cpu-high" in US East (N. Virginia)', "Message": alarm(state),
            "Timestamp": "2026-03-10T13:59:07.472Z",
            "UnsubscribeURL": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={TOPIC}:1"}


def confirmation(subscribe_url: str = SUBSCRIBE_URL) -> dict[str, Any]:
    return {"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
            "Token": "2336412f", "TopicArn": TOPIC, "SubscribeURL": subscribe_url,
            "Message": f"You have chosen to subscribe to the topic {TOPIC}.\nTo confirm the subscription, visit the "
                       "SubscribeURL included in this message.",
            "Timestamp": "2026-03-10T13:45:04.751Z"}


def stored(db) -> tuple[int, int]:
    """(deliveries, alerts) in the database."""
    with db.unit_of_work(readonly=True) as s:
        return (s.scalar(select(func.count()).select_from(Delivery)),
                s.scalar(select(func.count()).select_from(Alert)))


@pytest.fixture
def sns_key(client, admin) -> str:
    return create_integration(client, admin, "sns", IVR)


@pytest.mark.parametrize("version", ["1", "2"])
def test_signed_alarm__202_an_alert_and_the_incident_the_pack_classifies(client, admin, confirmed, fetcher,
                                                                          sns_key, key, version):
    response = deliver(client, "sns", sns_key, sign(notification("ALARM"), key, version))
    assert response.status_code == 202
    [alert] = alerts(client, admin)
    assert response.json() == {"status": "accepted", "alerts": [
        {"action": "trigger", "dedup_key": ALARM_ARN, "result": "created", "incident": alert["incident"]}]}
    assert (alert["status"], alert["summary"], alert["component"]) == ("firing", "ALARM: ivr-db-cpu-high", "ivr-db")
    opened = incident(client, admin, alert["incident"])
    # An RDS alarm carries DBInstanceIdentifier: healthcare-ivr's "Database Issues", at the type's P1.
    assert (opened["severity"], opened["type"], opened["classification"]["rule"]) == ("P1", "database_issues",
                                                                                      "database-signal")
    assert fetcher.calls == [CERT_URL]


def test_signed_ok__resolves_the_alarm_and_the_certificate_is_fetched_once(client, admin, confirmed, fetcher,
                                                                           sns_key, key):
    deliver(client, "sns", sns_key, sign(notification("ALARM"), key))
    response = deliver(client, "sns", sns_key, sign(notification("OK"), key))
    assert response.status_code == 202
    assert [o["result"] for o in response.json()["alerts"]] == ["resolved"]
    [alert] = alerts(client, admin)
    assert alert["status"] == "resolved"
    assert incident(client, admin, alert["incident"])["status"] == "monitoring"  # healthcare-ivr auto_resolve
    assert fetcher.calls == [CERT_URL]


def test_signed_insufficient_data__recorded_without_an_incident(client, admin, confirmed, sns_key, key):
    response = deliver(client, "sns", sns_key, sign(notification("INSUFFICIENT_DATA"), key))
    assert response.status_code == 202
    assert [(o["result"], o["incident"]) for o in response.json()["alerts"]] == [("recorded", None)]
    [alert] = alerts(client, admin)
    assert (alert["status"], alert["incident"]) == ("recorded", None)
    assert incident_count(client, admin) == 0


def test_changed_message__403_and_nothing_stored(client, db, confirmed, sns_key, key):
    forged = {**sign(notification("OK"), key), "Message": alarm("ALARM")}
    response = deliver(client, "sns", sns_key, forged)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "SNS message rejected: signature does not match"
    assert stored(db) == (0, 0)


BAD_CERT_URLS = {
    "non-SNS host": ("https://evil.example.com/SimpleNotificationService-0123456789abcdef.pem",
                     "'evil.example.com' is not an Amazon SNS host"),
    "SNS name inside another host": ("https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
                                     "is not an Amazon SNS host"),
    "plain http": ("http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem",
                   "SigningCertURL must use https"),
}


@pytest.mark.parametrize(("url", "error"), BAD_CERT_URLS.values(), ids=BAD_CERT_URLS.keys())
def test_certificate_url_not_sns_https__403_without_fetching(client, db, confirmed, fetcher, sns_key, key, url,
                                                             error):
    # Signed with the right key, so only the URL check can stop it.
    response = deliver(client, "sns", sns_key, sign(notification("ALARM"), key, url=url))
    assert response.status_code == 403 and error in response.json()["error"]["message"]
    assert fetcher.calls == [] and stored(db) == (0, 0)


def test_signed_subscription_confirmation__confirms_the_subscribe_url(client, admin, confirmed, sns_key, key):
    response = deliver(client, "sns", sns_key, sign(confirmation(), key))
    assert (response.status_code, response.json()) == (200, {"status": "confirmed", "topic": TOPIC})
    assert confirmed == [SUBSCRIBE_URL]
    assert alerts(client, admin) == []


BAD_SUBSCRIBE_URLS = {
    "plain http": (SUBSCRIBE_URL.replace("https://", "http://"), "SubscribeURL must use https"),
    "non-SNS host": ("https://evil.example.com/?Action=ConfirmSubscription&Token=2336412f",
                     "'evil.example.com' is not an Amazon SNS host"),
    "another AWS service": (SUBSCRIBE_URL.replace("sns.", "sqs."), "is not an Amazon SNS host"),
}


@pytest.mark.parametrize(("url", "error"), BAD_SUBSCRIBE_URLS.values(), ids=BAD_SUBSCRIBE_URLS.keys())
def test_subscription_confirmation_to_elsewhere__403_and_not_confirmed(client, confirmed, sns_key, key, url, error):
    # The signature is valid: the URL is what Code Blue must refuse to visit.
    response = deliver(client, "sns", sns_key, sign(confirmation(url), key))
    assert response.status_code == 403 and error in response.json()["error"]["message"]
    assert confirmed == []


def test_topic_not_allowed__403_before_any_fetch(client, admin, db, confirmed, fetcher, key):
    sns_key = create_integration(client, admin, "sns", IVR, allowed_topics=[TOPIC])
    other = "arn:aws:sns:us-east-1:999999999999:someone-elses-topic"
    refused = deliver(client, "sns", sns_key, sign(notification("ALARM", topic=other), key))
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        f"SNS message rejected: topic {other} is not allowed for this integration")
    assert fetcher.calls == [] and stored(db) == (0, 0)
    assert deliver(client, "sns", sns_key, sign(notification("ALARM"), key)).status_code == 202


def test_verification_off__the_unverifiable_sample_is_accepted(client, admin, confirmed, fetcher):
    body = sample_path("aws_sns_cloudwatch_alarm_alarm.json").read_bytes()
    checked = create_integration(client, admin, "sns", IVR)
    # Its genuine signature needs Amazon's certificate; against the stand-in it does not match.
    assert deliver(client, "sns", checked, body).status_code == 403
    assert fetcher.calls == [sample("aws_sns_cloudwatch_alarm_alarm.json")["SigningCertURL"]]
    unchecked = create_integration(client, admin, "sns", IVR, verify_signature=False)
    response = deliver(client, "sns", unchecked, body)
    assert response.status_code == 202
    [alert] = alerts(client, admin)
    assert (alert["status"], alert["summary"]) == ("firing", "ALARM: node_disk_used(i-007a83a108d6e2c6e)")
    assert len(fetcher.calls) == 1


def test_verification_off__an_unsigned_message_is_accepted(client, admin, confirmed, key):
    unchecked = create_integration(client, admin, "sns", IVR, verify_signature=False)
    assert deliver(client, "sns", unchecked, notification("ALARM")).status_code == 202
    checked = create_integration(client, admin, "sns", IVR)
    refused = deliver(client, "sns", checked, notification("ALARM"))
    assert (refused.status_code, refused.json()["error"]["message"]) == (
        403, "SNS message rejected: the message is missing SignatureVersion")
