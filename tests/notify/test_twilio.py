"""Twilio SMS and voice channels against a local server impersonating Twilio's REST API."""

from __future__ import annotations

import base64
import time
import xml.etree.ElementTree as ET

import pytest

from codeblue.notify.channels.twilio import TwilioConfig, TwilioSmsChannel, TwilioVoiceChannel, sms_body
from tests.notify.fakes import FakeHTTP, Request, fail, free_port, message, run

SID, TOKEN = "AC0123456789abcdef0123456789abcdef", "auth-token"
MESSAGES = f"/2010-04-01/Accounts/{SID}/Messages.json"
CALLS = f"/2010-04-01/Accounts/{SID}/Calls.json"


def twilio(prefix: str):
    def reply(req: Request) -> tuple[int, dict]:
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if req.headers.get("authorization") != expected:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        form = req.form()
        if not form.get("To", "").startswith("+") or form.get("From") != "+15550001111":
            return 400, {"code": 21211, "message": f"The 'To' number {form.get('To')} is not a valid phone number.",
                         "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
        return 201, {"sid": f"{prefix}0001", "status": "queued"}
    return reply


def config(http: FakeHTTP, token: str = TOKEN) -> TwilioConfig:
    return TwilioConfig(account_sid=SID, auth_token=token, from_number="+15550001111", base_url=http.url)


def test_sms_sends_form_with_ack_instructions(http: FakeHTTP) -> None:
    http.route(MESSAGES, twilio("SM"))
    msg = message(channel="sms", address="+15552223333", data={"ack_code": "042424"})
    result = run(TwilioSmsChannel(config(http)).send(msg))
    assert result.provider_id == "SM0001"
    form = http.requests[0].form()
    assert form["To"] == "+15552223333" and form["From"] == "+15550001111"
    assert form["Body"] == msg.text + "\nReply ACK 042424 to acknowledge"
    assert http.requests[0].headers["content-type"] == "application/x-www-form-urlencoded"


def test_sms_body_is_cut_to_1600_keeping_the_instruction() -> None:
    body = sms_body(message(text="x" * 5000, data={"ack_code": "123456"}))
    assert len(body) == 1600 and body.endswith("Reply ACK 123456 to acknowledge")
    assert len(sms_body(message(text="y" * 5000))) == 1600
    # page_text already carries the instruction; it is not repeated
    text = "[P1] INC-7 orders: down\nReply ACK 123456 to acknowledge"
    assert sms_body(message(text=text, data={"ack_code": "123456"})) == text


def test_voice_call_speaks_escaped_text_and_gathers_to_ack_url(http: FakeHTTP) -> None:
    http.route(CALLS, twilio("CA"))
    msg = message(channel="voice", address="+15552223333", text="Orders <script>alert(1)</script> & co",
                  ack_url="https://cb.example/ack/tok?a=1&b=2")
    result = run(TwilioVoiceChannel(config(http)).send(msg))
    assert result.provider_id == "CA0001"
    twiml = http.requests[0].form()["Twiml"]
    assert "<script>" not in twiml and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in twiml
    root = ET.fromstring(twiml)  # well-formed XML despite the markup in the text
    assert root.tag == "Response"
    assert root.find("Say").text == "Orders <script>alert(1)</script> & co"
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("action") == "https://cb.example/ack/tok/voice?a=1&b=2"
    assert "Press 1 to acknowledge" in gather.find("Say").text


def test_voice_skips_links_and_sms_instructions() -> None:
    from codeblue.notify.channels.twilio import twiml
    root = ET.fromstring(twiml(message(text="[P1] INC-7 orders: down\nhttps://cb.example/ack/t\nReply ACK 1 to ack",
                                       ack_url=None)))
    assert root.find("Say").text == "[P1] INC-7 orders: down"
    assert root.find("Gather") is None


def test_twilio_error_message_is_surfaced_and_not_retryable(http: FakeHTTP) -> None:
    http.route(MESSAGES, twilio("SM"))
    err = fail(TwilioSmsChannel(config(http)).send(message(channel="sms", address="5552223333")))
    assert not err.retryable
    assert "is not a valid phone number" in str(err) and "21211" in str(err) and "HTTP 400" in str(err)


def test_bad_credentials_are_not_retryable(http: FakeHTTP) -> None:
    http.route(CALLS, twilio("CA"))
    err = fail(TwilioVoiceChannel(config(http, token="wrong")).send(message(channel="voice", address="+15552223333")))
    assert not err.retryable and "Authenticate" in str(err)
    assert "wrong" not in str(err)


@pytest.mark.parametrize("reply", [(500, "Internal Server Error"),
                                   (503, {"code": 20500, "message": "down", "status": 503}),
                                   (429, {"code": 20429, "message": "Too Many Requests", "status": 429})])
def test_server_errors_and_rate_limits_are_retryable(http: FakeHTTP, reply: tuple) -> None:
    http.route(MESSAGES, reply)
    assert fail(TwilioSmsChannel(config(http)).send(message(channel="sms", address="+15552223333"))).retryable


def test_accepted_without_sid_is_not_retried(http: FakeHTTP) -> None:
    http.route(MESSAGES, (200, "<html>captive portal</html>"))
    assert not fail(TwilioSmsChannel(config(http)).send(message(channel="sms", address="+1555"))).retryable


def test_refused_and_timeout_are_retryable(http: FakeHTTP) -> None:
    dead = TwilioConfig(SID, TOKEN, "+15550001111", base_url=f"http://127.0.0.1:{free_port()}")
    assert fail(TwilioSmsChannel(dead).send(message(channel="sms", address="+15552223333"))).retryable
    http.route(CALLS, lambda req: (time.sleep(1.5), twilio("CA")(req))[1])
    err = fail(TwilioVoiceChannel(config(http), timeout=0.5).send(message(channel="voice", address="+15552223333")))
    assert err.retryable
