"""SNS signature verification with our own key and certificate standing in for Amazon's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from codeblue.alerts.sns_verify import (
    CertificateCache,
    SnsVerificationError,
    SnsVerifier,
    check_aws_url,
    fetch_certificate,
    string_to_sign,
)
from codeblue.clock import ManualClock
from tests.alerts.samples import sample
from tests.alerts.sns_signing import CERT_URL, Fetcher, make_cert, make_key, sign

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
TOPIC = "arn:aws:sns:us-east-1:123456789012:codeblue-alerts"


@pytest.fixture(scope="module")
def key():
    return make_key()


@pytest.fixture(scope="module")
def other_key():
    return make_key()


@pytest.fixture(scope="module")
def pem(key) -> bytes:
    return make_cert(key, now=NOW)


@pytest.fixture
def fetcher(pem) -> Fetcher:
    return Fetcher(pem)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def verifier(fetcher, clock) -> SnsVerifier:
    return SnsVerifier(CertificateCache(fetcher, now=clock.now))


def notification(subject: str | None = "ALARM: \"disk\" in US East") -> dict:
    message = {"Type": "Notification", "MessageId": "f94e835c-8592-5798-8dee-dc04dd394142", "TopicArn": TOPIC,
               "Message": '{"AlarmName":"disk","NewStateValue":"ALARM"}\nsecond line',
               "Timestamp": "2026-03-10T13:59:07.472Z",
               "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x"}
    if subject is not None:
        message["Subject"] = subject
    return message


def confirmation(kind: str = "SubscriptionConfirmation") -> dict:
    return {"Type": kind, "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b", "Token": "2336412f37fb",
            "TopicArn": TOPIC, "Message": "You have chosen to subscribe to the topic.\nTo confirm, visit the URL.",
            "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=2336412f37fb",
            "Timestamp": "2026-03-10T13:45:04.751Z"}


MESSAGES = {
    "notification with subject": notification,
    "notification without subject": lambda: notification(subject=None),
    "subscription confirmation": confirmation,
    "unsubscribe confirmation": lambda: confirmation("UnsubscribeConfirmation"),
}


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("build", MESSAGES.values(), ids=MESSAGES.keys())
def test_correctly_signed_messages_verify(verifier, key, build, version):
    verifier.verify(sign(build(), key, version))


def test_lambda_spelling_of_the_certificate_url_is_accepted(verifier, key):
    message = sign(notification(), key)
    message["SigningCertUrl"] = message.pop("SigningCertURL")
    verifier.verify(message)


def _without_subject(m: dict) -> dict:
    m = dict(m)
    del m["Subject"]
    return m


TAMPERING = {
    "changed Message": lambda m: {**m, "Message": m["Message"] + " "},
    "changed Subject": lambda m: {**m, "Subject": "OK: all fine"},
    "removed Subject": _without_subject,
    "changed TopicArn": lambda m: {**m, "TopicArn": TOPIC + "-other"},
    "changed Timestamp": lambda m: {**m, "Timestamp": "2026-03-10T14:59:07.472Z"},
    "signature of another version": lambda m: {**m, "SignatureVersion": "2"},
}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_tampered_messages_are_rejected(verifier, key, tamper):
    with pytest.raises(SnsVerificationError, match="signature does not match"):
        verifier.verify(tamper(sign(notification(), key)))


BAD_CERT_URLS = [
    ("https://sns.us-east-1.amazonaws.com.evil.com/cert.pem", "not an Amazon SNS host"),
    ("https://s3.amazonaws.com/bucket/cert.pem", "not an Amazon SNS host"),
    ("https://evil.example.com/SimpleNotificationService-1.pem", "'evil.example.com' is not an Amazon SNS host"),
    ("https://sns.us-east-1.amazonaws.com@evil.example.com/cert.pem", "credentials"),
    ("https://sns.us-east-1.amazonaws.com:8443/cert.pem", "port"),
    ("http://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem", "SigningCertURL must use https"),
    ("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.txt", "does not end in .pem"),
    ("https://sns.us-east-1.amazonaws.com/cert.pem?x=1\n", "not allowed in a URL"),
]


@pytest.mark.parametrize(("url", "error"), BAD_CERT_URLS)
def test_bad_certificate_urls_are_rejected_without_fetching(verifier, fetcher, key, url, error):
    # Signed with the right key, so only the URL check can stop it.
    with pytest.raises(SnsVerificationError, match=error):
        verifier.verify(sign(notification(), key, url=url))
    assert fetcher.calls == []


@pytest.mark.parametrize(("version", "error"), [("3", "unsupported SignatureVersion '3'"),
                                                (1, "unsupported SignatureVersion 1"),
                                                ("", "missing SignatureVersion")])
def test_unknown_signature_versions_are_rejected(verifier, fetcher, key, version, error):
    with pytest.raises(SnsVerificationError, match=error):
        verifier.verify({**sign(notification(), key), "SignatureVersion": version})
    assert fetcher.calls == []


@pytest.mark.parametrize("signature", ["not base64 at all!", "QUJD=x==", ""])
def test_garbage_signatures_are_rejected(verifier, key, signature):
    with pytest.raises(SnsVerificationError, match="base64|missing Signature"):
        verifier.verify({**sign(notification(), key), "Signature": signature})


@pytest.mark.parametrize("field", ["Signature", "SigningCertURL", "TopicArn", "Type", "MessageId", "Timestamp"])
def test_missing_fields_are_rejected(verifier, key, field):
    message = sign(notification(), key)
    del message[field]
    with pytest.raises(SnsVerificationError, match=f"missing {field}"):
        verifier.verify(message)


def test_confirmation_without_token_is_rejected(verifier, key):
    message = sign(confirmation(), key)
    del message["Token"]
    with pytest.raises(SnsVerificationError, match="SubscriptionConfirmation is missing Token"):
        verifier.verify(message)


def test_unknown_type_is_rejected(verifier, key):
    with pytest.raises(SnsVerificationError, match="unknown message Type 'Surprise'"):
        verifier.verify({**sign(notification(), key), "Type": "Surprise"})


CERT_PROBLEMS = {
    "another key's certificate": (lambda other: make_cert(other, now=NOW), "signature does not match"),
    "expired certificate": (lambda other: make_cert(other, now=NOW, not_after=NOW - timedelta(seconds=1)),
                            "not valid now"),
    "not yet valid certificate": (lambda other: make_cert(other, now=NOW, not_before=NOW + timedelta(hours=1)),
                                  "not valid now"),
    "issuer not Amazon": (lambda other: make_cert(other, now=NOW, org="Evil Corp"), "not issued by Amazon"),
    "not a certificate": (lambda other: b"<html>hello</html>", "did not return a PEM X.509 certificate"),
}


@pytest.mark.parametrize(("serve", "error"), CERT_PROBLEMS.values(), ids=CERT_PROBLEMS.keys())
def test_certificate_problems_are_rejected(clock, key, other_key, serve, error):
    verifier = SnsVerifier(CertificateCache(Fetcher(serve(other_key)), now=clock.now))
    # The expired and issuer cases are signed with the certificate's own key: only the check itself can fail them.
    signer = key if "signature" in error else other_key
    with pytest.raises(SnsVerificationError, match=error):
        verifier.verify(sign(notification(), signer))


def test_issuer_check_can_be_turned_off(clock, key):
    cache = CertificateCache(Fetcher(make_cert(key, now=NOW, org="Test CA")), now=clock.now,
                             require_amazon_issuer=False)
    SnsVerifier(cache).verify(sign(notification(), key))


def test_fetch_failures_are_verification_errors(clock, key):
    def broken(url: str) -> bytes:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(SnsVerificationError, match="could not fetch the certificate: connection refused"):
        SnsVerifier(CertificateCache(broken, now=clock.now)).verify(sign(notification(), key))


def test_topic_allow_list(fetcher, clock, key):
    verifier = SnsVerifier(CertificateCache(fetcher, now=clock.now), allowed_topics=[TOPIC])
    verifier.verify(sign(notification(), key))
    other = "arn:aws:sns:us-east-1:999999999999:someone-else"
    fetcher.calls.clear()
    with pytest.raises(SnsVerificationError, match=f"topic {other} is not allowed for this integration"):
        verifier.verify(sign({**notification(), "TopicArn": other}, key))
    assert fetcher.calls == []


def test_an_empty_allow_list_allows_nothing(fetcher, clock, key):
    with pytest.raises(SnsVerificationError, match="not allowed"):
        SnsVerifier(CertificateCache(fetcher, now=clock.now), allowed_topics=[]).verify(sign(notification(), key))


def test_certificate_is_fetched_once_then_again_after_the_ttl(verifier, fetcher, clock, key):
    for version in ["1", "2"] * 5:
        verifier.verify(sign(notification(), key, version))
    assert fetcher.calls == [CERT_URL]
    clock.advance(timedelta(hours=24) - timedelta(seconds=1))
    verifier.verify(sign(notification(), key))
    assert len(fetcher.calls) == 1
    clock.advance(timedelta(seconds=1))
    verifier.verify(sign(notification(), key))
    assert fetcher.calls == [CERT_URL, CERT_URL]


def test_cache_is_bounded(fetcher, clock, key):
    verifier = SnsVerifier(CertificateCache(fetcher, now=clock.now, max_entries=2))
    urls = [CERT_URL.replace(".pem", f"-{i}.pem") for i in range(3)]
    for url in urls + urls[1:]:
        verifier.verify(sign(notification(), key, url=url))
    assert fetcher.calls == urls  # the last two stayed cached
    verifier.verify(sign(notification(), key, url=urls[0]))
    assert fetcher.calls == urls + urls[:1]  # the first was evicted


def test_a_cached_certificate_that_expires_is_rejected(fetcher, clock, key):
    cache = CertificateCache(fetcher, now=clock.now, ttl=timedelta(days=365))
    verifier = SnsVerifier(cache)
    verifier.verify(sign(notification(), key))
    clock.advance(timedelta(days=31))
    with pytest.raises(SnsVerificationError, match="not valid now"):
        verifier.verify(sign(notification(), key))


def test_string_to_sign_of_the_real_cloudwatchsample():
    fx = sample("aws_sns_cloudwatch_alarm_alarm.json")
    expected = (f"Message\n{fx['Message']}\nMessageId\n{fx['MessageId']}\nSubject\n{fx['Subject']}\n"
                f"Timestamp\n{fx['Timestamp']}\nTopicArn\n{fx['TopicArn']}\nType\nNotification\n").encode()
    assert string_to_sign(fx) == expected


def test_string_to_sign_of_the_subscription_confirmationsample():
    fx = sample("aws_sns_subscription_confirmation.json")
    expected = (f"Message\n{fx['Message']}\nMessageId\n{fx['MessageId']}\nSubscribeURL\n{fx['SubscribeURL']}\n"
                f"Timestamp\n{fx['Timestamp']}\nToken\n{fx['Token']}\nTopicArn\n{fx['TopicArn']}\n"
                "Type\nSubscriptionConfirmation\n").encode()
    assert string_to_sign(fx) == expected
    assert b"MyTopic.\nTo confirm" in expected  # the escaped \n is a real newline in what was signed


def test_check_aws_url_accepts_the_fixtures_real_urls():
    check_aws_url(sample("aws_sns_cloudwatch_alarm_alarm.json")["SigningCertURL"], what="SigningCertURL")
    check_aws_url(sample("aws_sns_subscription_confirmation.json")["SubscribeURL"], what="SubscribeURL")


@pytest.mark.parametrize("url", ["https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem",
                                 "https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-1.pem"])
def test_check_aws_url_accepts_china_and_govcloud(url):
    check_aws_url(url, what="SigningCertURL")


@pytest.mark.parametrize(("url", "error"), [
    ("http://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription", "SubscribeURL must use https"),
    ("https://sqs.us-west-2.amazonaws.com/?Action=ConfirmSubscription", "not an Amazon SNS host"),
    ("", "SubscribeURL is missing"),
])
def test_check_aws_url_rejects_bad_subscribe_urls(url, error):
    with pytest.raises(SnsVerificationError, match=error):
        check_aws_url(url, what="SubscribeURL")


def test_default_fetcher_refuses_plain_http_before_any_network_use(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(httpx.Client, "__init__", no_network)
    monkeypatch.setattr(httpx.Client, "send", no_network)
    with pytest.raises(SnsVerificationError, match="must use https"):
        fetch_certificate("http://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem")
