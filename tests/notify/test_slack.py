"""Slack bot (Web API) and incoming-webhook channels against a local server impersonating Slack."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from codeblue.notify.channels.slack import SlackChannel, SlackConfig, SlackWebhookChannel
from tests.notify.fakes import FakeHTTP, Request, fail, free_port, http_server, message, run, server_tls_context

TOKEN = "xoxb-test-token"


def slack_api(req: Request) -> tuple[int, dict]:
    if req.headers.get("authorization") != f"Bearer {TOKEN}":
        return 200, {"ok": False, "error": "invalid_auth"}
    body = req.json()
    if body["channel"] != "C0PAGING":
        return 200, {"ok": False, "error": "channel_not_found"}
    return 200, {"ok": True, "channel": body["channel"], "ts": "1773151200.000100"}


def bot(http: FakeHTTP, token: str = TOKEN, timeout: float = 10.0) -> SlackChannel:
    return SlackChannel(SlackConfig(bot_token=token, base_url=f"{http.url}/api/"), timeout=timeout)


def test_posts_message_with_ack_button(http: FakeHTTP) -> None:
    http.route("/api/chat.postMessage", slack_api)
    result = run(bot(http).send(message(channel="slack", address="C0PAGING", text="a <b> & c")))
    assert result.provider_id == "1773151200.000100"
    body = http.requests[0].json()
    assert body["text"] == "a &lt;b&gt; &amp; c"
    section, actions = body["blocks"]
    assert section["type"] == "section"
    assert section["text"]["text"] == "*[P1] INC-7 Orders API down*\na &lt;b&gt; &amp; c"
    button = actions["elements"][0]
    assert button["type"] == "button" and button["url"] == "https://cb.example/ack/tok"


def test_no_button_without_ack_url(http: FakeHTTP) -> None:
    http.route("/api/chat.postMessage", slack_api)
    run(bot(http).send(message(channel="slack", address="C0PAGING", ack_url=None)))
    assert [b["type"] for b in http.requests[0].json()["blocks"]] == ["section"]


def test_unknown_channel_is_not_retryable(http: FakeHTTP) -> None:
    http.route("/api/chat.postMessage", slack_api)
    err = fail(bot(http).send(message(channel="slack", address="C0NOPE")))
    assert not err.retryable and "channel_not_found" in str(err)


def test_bad_token_is_not_retryable(http: FakeHTTP) -> None:
    http.route("/api/chat.postMessage", slack_api)
    err = fail(bot(http, token="xoxb-wrong").send(message(channel="slack", address="C0PAGING")))
    assert not err.retryable and "invalid_auth" in str(err)
    assert "xoxb-wrong" not in str(err)


def test_rate_limited_is_retryable(http: FakeHTTP) -> None:
    http.route("/api/chat.postMessage", (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}))
    err = fail(bot(http).send(message(channel="slack", address="C0PAGING")))
    assert err.retryable and "ratelimited" in str(err)


@pytest.mark.parametrize("reply", [(500, "<html>oops</html>"), (503, {"ok": False, "error": "service_unavailable"})])
def test_server_errors_are_retryable(http: FakeHTTP, reply: tuple) -> None:
    http.route("/api/chat.postMessage", reply)
    assert fail(bot(http).send(message(channel="slack", address="C0PAGING"))).retryable


def test_connection_refused_is_retryable() -> None:
    channel = SlackChannel(SlackConfig(bot_token=TOKEN, base_url=f"http://127.0.0.1:{free_port()}/api/"))
    assert fail(channel.send(message(channel="slack", address="C0PAGING"))).retryable


def test_untrusted_certificate_is_not_retryable(tmp_path: Path) -> None:
    with http_server(tls=server_tls_context(tmp_path)) as https:
        https.route("/api/chat.postMessage", slack_api)
        err = fail(bot(https).send(message(channel="slack", address="C0PAGING")))
    assert not err.retryable and https.requests == []


def test_timeout_is_retryable(http: FakeHTTP) -> None:
    http.route("/api/chat.postMessage", lambda req: (time.sleep(1.5), slack_api(req))[1])
    started = time.monotonic()
    err = fail(bot(http, timeout=0.5).send(message(channel="slack", address="C0PAGING")))
    assert err.retryable
    assert time.monotonic() - started < 1.4


def test_incoming_webhook_posts_text(http: FakeHTTP) -> None:
    http.route("/services/T0/B0/xyz", (200, "ok"))
    url = f"{http.url}/services/T0/B0/xyz"
    result = run(SlackWebhookChannel().send(message(channel="slack_webhook", address=url)))
    assert result.detail == "ok"
    body = json.loads(http.requests[0].body)
    assert set(body) == {"text"}
    assert body["text"].startswith("*[P1] INC-7 Orders API down*\n[P1] INC-7 orders")
    assert body["text"].endswith("<https://cb.example/ack/tok|Acknowledge>")


@pytest.mark.parametrize(("status", "text", "retryable"), [(404, "no_service", False), (400, "invalid_payload", False),
                                                           (403, "invalid_token", False), (500, "rollup_error", True)])
def test_incoming_webhook_errors(http: FakeHTTP, status: int, text: str, retryable: bool) -> None:
    http.route("/services/T0/B0/secret", (status, text))
    url = f"{http.url}/services/T0/B0/secret"
    err = fail(SlackWebhookChannel().send(message(channel="slack_webhook", address=url)))
    assert err.retryable is retryable and text in str(err)
    assert "secret" not in str(err)  # the webhook URL is a credential


def test_incoming_webhook_refused_and_timeout(http: FakeHTTP) -> None:
    assert fail(SlackWebhookChannel().send(message(address=f"http://127.0.0.1:{free_port()}/x"))).retryable
    http.route("/slow", lambda _req: (time.sleep(1.5), (200, "ok"))[1])
    assert fail(SlackWebhookChannel(timeout=0.5).send(message(address=f"{http.url}/slow"))).retryable
