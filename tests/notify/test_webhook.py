"""The generic webhook channel against a local receiver that verifies signatures."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from codeblue.notify.channels.webhook import WebhookChannel, WebhookConfig, sign, verify
from tests.notify.fakes import FakeHTTP, Request, fail, free_port, http_server, message, run, server_tls_context

SECRET = "s3cret"
NOW = 1_773_151_200.0


def test_delivers_signed_json_with_idempotency_key(http: FakeHTTP) -> None:
    verified: list[bool] = []

    def receiver(req: Request) -> tuple[int, dict]:
        ok = verify(SECRET, req.headers["x-codeblue-timestamp"], req.body,
                    req.headers["x-codeblue-signature"], now=NOW + 5)
        verified.append(ok)
        return (200, {"received": True}) if ok else (401, {"error": "bad signature"})

    http.route("/hook", receiver)
    channel = WebhookChannel(WebhookConfig(signing_secret=SECRET), now=lambda: NOW)
    result = run(channel.send(message(address=f"{http.url}/hook", data={"incident_id": "INC-7", "severity": "P1"})))

    assert verified == [True]
    assert result.detail == "HTTP 200"
    req = http.requests[0]
    assert req.headers["content-type"] == "application/json"
    assert req.headers["idempotency-key"] == "page:7:0:0:3"
    assert req.headers["x-codeblue-timestamp"] == str(int(NOW))
    body = req.json()
    assert body == {"idempotency_key": "page:7:0:0:3", "subject": "[P1] INC-7 Orders API down",
                    "text": "[P1] INC-7 orders: Orders API down\nhttps://cb.example/ack/tok",
                    "ack_url": "https://cb.example/ack/tok", "incident_id": "INC-7", "severity": "P1"}


def test_data_cannot_overwrite_the_idempotency_key(http: FakeHTTP) -> None:
    http.route("/hook", (204, b""))
    run(WebhookChannel().send(message(address=f"{http.url}/hook", data={"idempotency_key": "forged"})))
    assert http.requests[0].json()["idempotency_key"] == "page:7:0:0:3"


def test_unsigned_without_secret(http: FakeHTTP) -> None:
    http.route("/hook", (200, "ok"))
    run(WebhookChannel(now=lambda: NOW).send(message(address=f"{http.url}/hook")))
    assert "x-codeblue-signature" not in http.requests[0].headers


def test_verify_rejects_tampering_other_secrets_and_stale_timestamps() -> None:
    body = json.dumps({"text": "hello"})
    signature = sign(SECRET, 1000, body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify(SECRET, "1000", body.encode(), signature, now=1000)
    assert not verify(SECRET, 1000, body.replace("hello", "hellp"), signature, now=1000)
    assert not verify("other", 1000, body, signature, now=1000)
    assert not verify(SECRET, 1001, body, signature, now=1000)  # the timestamp is part of what is signed
    assert not verify(SECRET, 1000, body, signature, now=1000 + 301)
    assert verify(SECRET, 1000, body, signature, now=1000 + 300)
    assert not verify(SECRET, "not-a-number", body, signature, now=1000)
    assert not verify(SECRET, 1000, body, "sha256=" + "0" * 64, now=1000)


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (429, True), (400, False),
                                                   (401, False), (404, False), (410, False)])
def test_status_decides_retry(http: FakeHTTP, status: int, retryable: bool) -> None:
    http.route("/hook", (status, {"error": "nope"}))
    err = fail(WebhookChannel().send(message(address=f"{http.url}/hook")))
    assert err.retryable is retryable
    assert f"HTTP {status}" in str(err)


def test_connection_refused_is_retryable() -> None:
    err = fail(WebhookChannel().send(message(address=f"http://127.0.0.1:{free_port()}/hook")))
    assert err.retryable


def test_untrusted_certificate_is_not_retryable(tmp_path: Path) -> None:
    with http_server(tls=server_tls_context(tmp_path)) as https:
        https.route("/hook", (200, "ok"))
        err = fail(WebhookChannel().send(message(address=f"{https.url}/hook")))
    assert not err.retryable and https.requests == []


def test_timeout_is_retryable(http: FakeHTTP) -> None:
    http.route("/slow", lambda _req: (time.sleep(1.5), (200, "late"))[1])
    started = time.monotonic()
    err = fail(WebhookChannel(timeout=0.5).send(message(address=f"{http.url}/slow")))
    assert err.retryable and "0.5 s" in str(err)
    assert time.monotonic() - started < 1.4


@pytest.mark.parametrize("address", ["not a url", "ftp://example.com/x", ""])
def test_bad_address_is_not_retryable(address: str) -> None:
    err = fail(WebhookChannel().send(message(address=address)))
    assert not err.retryable
