"""Acknowledging from the page over HTTP: the signed link (GET shows, POST acks) and Twilio's inbound SMS."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr
from fastapi.testclient import TestClient
from sqlalchemy import select

from codeblue.app import create_app
from codeblue.bootstrap import ADMIN_EMAIL
from codeblue.incidents import service as incidents
from codeblue.notify.channels import TwilioConfig, TwilioSmsChannel, TwilioVoiceChannel
from codeblue.notify.models import Notification
from codeblue.notify.twilio_inbound import signature
from codeblue.oncall import service as oncall
from tests.notify.fakes import http_server
from tests.oncall import team
from tests.peers import http_receiver

TWILIO_TOKEN = "twilio-auth-token"
SMS_HOOK = "/api/v1/hooks/twilio/sms"
PHONE = "+15550000002"
HTML = {"Accept": "text/html"}


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"twilio_auth_token": SecretStr(TWILIO_TOKEN)})


@pytest.fixture
def receiver():
    with http_receiver() as r:
        yield r


@pytest.fixture
def twilio_api():
    with http_server() as fake:
        fake.route("/2010-04-01/Accounts/AC1/Messages.json", (201, {"sid": "SM1", "status": "queued"}))
        yield fake


@pytest.fixture
def paged(db, clock, settings, client, receiver, twilio_api) -> str:
    """A P0 on the CRM service whose primary (the admin) has been paged by webhook and by SMS."""
    team.two_steps(db, clock, receiver.url)
    with db.unit_of_work() as s:
        oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_="sms", address=PHONE, now=clock.now())
    sms = TwilioSmsChannel(TwilioConfig(account_sid="AC1", auth_token="t", from_number="+15559990000",
                                        base_url=twilio_api.url))
    engine = team.webhook_engine(db, clock, settings, sms=sms)
    ref = team.open_incident(db, clock)
    team.drain(engine)
    assert team.paths(receiver) == ["/primary"] and len(twilio_api.requests) == 1
    return ref


def link(receiver) -> str:
    """The ack link's path, as the webhook page carried it."""
    return urlsplit(receiver.delivered()[0].json()["ack_url"]).path


def sms_code(twilio_api) -> str:
    body = twilio_api.requests[0].form()["Body"]
    return body.rsplit("Reply ACK ", 1)[1].split()[0]


def status(db, ref) -> str:
    with db.unit_of_work(readonly=True) as s:
        return incidents.get(s, ref=ref).status


def acked_entry(db, ref):
    with db.unit_of_work(readonly=True) as s:
        return [(e.actor, e.summary, e.data) for e in incidents.timeline(s, incident=incidents.get(s, ref=ref))
                if e.kind == "acknowledged"]


# --- the signed link


def test_link_get__shows_the_incident_and_a_button_and_acknowledges_nothing(client, db, paged, receiver):
    page = client.get(link(receiver))
    assert page.status_code == 200 and paged in page.text
    assert '<form method="post">' in page.text and f"Acknowledge {paged}" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert status(db, paged) == "triggered"


def test_link_post__acknowledges_and_records_who_how_and_how_long(client, db, clock, paged, receiver):
    clock.advance(timedelta(seconds=90))
    page = client.post(link(receiver))
    assert page.status_code == 200 and "Acknowledged" in page.text and "<form" not in page.text
    assert status(db, paged) == "acknowledged"
    [(actor, summary, data)] = acked_entry(db, paged)
    assert actor == ADMIN_EMAIL and "(via webhook link)" in summary
    assert data["via"] == "webhook link" and data["seconds_to_acknowledge"] == 90.0


def test_link_post__stops_the_escalation(client, db, clock, settings, paged, receiver):
    assert client.post(link(receiver)).status_code == 200
    clock.advance(timedelta(minutes=30))
    team.drain(team.webhook_engine(db, clock, settings))
    assert team.paths(receiver) == ["/primary"]


def test_link__reused_is_refused_with_409(client, db, paged, receiver):
    assert client.post(link(receiver)).status_code == 200
    again = client.post(link(receiver))
    assert again.status_code == 409 and "already used" in again.json()["error"]["message"]
    shown = client.get(link(receiver))
    assert shown.status_code == 200 and "<form" not in shown.text and "used to acknowledge" in shown.text
    assert len(acked_entry(db, paged)) == 1


def test_link__expired_is_refused_and_changes_nothing(client, db, clock, paged, receiver):
    clock.advance(timedelta(hours=24))
    for response in (client.get(link(receiver)), client.post(link(receiver))):
        assert response.status_code == 404 and "expired" in response.json()["error"]["message"]
    assert status(db, paged) == "triggered"


@pytest.mark.parametrize("tamper", ["mac", "id", "expiry"])
def test_link__tampered_is_refused_and_changes_nothing(client, db, paged, receiver, tamper):
    notification_id, expires, mac = link(receiver).removeprefix("/ack/").split(".")
    if tamper == "mac":
        mac = ("A" if mac[0] != "A" else "B") + mac[1:]
    elif tamper == "id":
        notification_id = str(int(notification_id) + 1)
    else:
        expires = str(int(expires) + 86_400)
    response = client.post(f"/ack/{notification_id}.{expires}.{mac}")
    assert response.status_code == 404 and "not valid" in response.json()["error"]["message"]
    assert status(db, paged) == "triggered"


MALFORMED = ["nonsense", "1.2", "1.2.3.4", "²¹.1.abc", "1.2.%C3%A9", "9" * 40 + ".1.x", "1.99999999999999999999.x",
             "1.2." + "a" * 500]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_link__malformed_is_a_clear_404_never_a_500(client, method):
    for token in MALFORMED:
        response = client.request(method, f"/ack/{token}")
        assert response.status_code == 404, token
        assert "acknowledge link" in response.json()["error"]["message"], token
    # A NUL is refused before routing, as in every path.
    response = client.request(method, "/ack/1.2.%00")
    assert response.status_code == 400 and "NUL" in response.json()["error"]["message"]


def test_link__refused_in_a_browser_is_an_error_page(client, clock, paged, receiver):
    clock.advance(timedelta(hours=25))
    page = client.get(link(receiver), headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "expired" in page.text


def test_link__after_someone_else_acknowledged_is_409(client, db, clock, paged, receiver):
    team.acknowledge(db, clock, paged)
    response = client.post(link(receiver))
    assert response.status_code == 409 and "already acknowledged" in response.json()["error"]["message"]


# --- Twilio inbound SMS: "ACK <code>"


def twilio_post(client, form: dict[str, str], *, token: str = TWILIO_TOKEN, sign: bool = True, query: str = ""):
    path = SMS_HOOK + (f"?{query}" if query else "")
    headers = {"X-Twilio-Signature": signature(token, f"http://127.0.0.1:8080{path}", form.items())} if sign else {}
    return client.post(path, data=form, headers=headers)


def reply(response) -> str:
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    return response.text


def test_sms_ack__correctly_signed_acknowledges(client, db, clock, paged, twilio_api):
    clock.advance(timedelta(minutes=2))
    answer = reply(twilio_post(client, {"From": PHONE, "To": "+15559990000", "Body": f"ack {sms_code(twilio_api)}",
                                        "MessageSid": "SM9"}))
    assert f"<Message>Acknowledged {paged}. Paging stopped.</Message>" in answer
    assert status(db, paged) == "acknowledged"
    [(actor, _, data)] = acked_entry(db, paged)
    assert actor == ADMIN_EMAIL and data["via"] == "sms reply" and data["seconds_to_acknowledge"] == 120.0


def test_sms_ack__signed_url_includes_the_query_string(client, db, paged, twilio_api):
    form = {"From": PHONE, "Body": f"ACK {sms_code(twilio_api)}"}
    assert "Acknowledged" in reply(twilio_post(client, form, query="account=main"))
    assert status(db, paged) == "acknowledged"


@pytest.mark.parametrize("how", ["wrong_token", "missing", "other_body", "garbage"])
def test_sms_ack__bad_signature_is_403_and_changes_nothing(client, db, paged, twilio_api, how):
    form = {"From": PHONE, "Body": f"ACK {sms_code(twilio_api)}"}
    if how == "wrong_token":
        response = twilio_post(client, form, token="not-the-token")
    elif how == "missing":
        response = twilio_post(client, form, sign=False)
    elif how == "other_body":
        headers = {"X-Twilio-Signature": signature(TWILIO_TOKEN, f"http://127.0.0.1:8080{SMS_HOOK}",
                                                   {"From": PHONE, "Body": "hello"}.items())}
        response = client.post(SMS_HOOK, data=form, headers=headers)
    else:
        response = client.post(SMS_HOOK, data=form, headers={"X-Twilio-Signature": "ünïcode".encode("latin-1")})
    assert response.status_code == 403 and "X-Twilio-Signature" in response.json()["error"]["message"]
    assert status(db, paged) == "triggered"


def test_sms_ack__unknown_code_says_so_and_changes_nothing(client, db, paged, twilio_api):
    code = "000000" if sms_code(twilio_api) != "000000" else "000001"
    answer = reply(twilio_post(client, {"From": PHONE, "Body": f"ACK {code}"}))
    assert f"no recent page to {PHONE} has the code {code}" in answer
    assert status(db, paged) == "triggered"
    with db.unit_of_work(readonly=True) as s:
        assert all(n.ack_used_at is None for n in s.scalars(select(Notification)))


def test_sms_ack__right_code_from_another_number_does_not_acknowledge(client, db, paged, twilio_api):
    answer = reply(twilio_post(client, {"From": "+15550009999", "Body": f"ACK {sms_code(twilio_api)}"}))
    assert "no recent page to +15550009999" in answer and status(db, paged) == "triggered"


def test_sms_ack__anything_but_ack_code_gets_the_instructions(client, db, paged):
    answer = reply(twilio_post(client, {"From": PHONE, "Body": "on my way"}))
    assert "reply 'ACK &lt;code&gt;'" in answer and status(db, paged) == "triggered"


def test_sms_ack__second_reply_is_told_it_was_used(client, db, paged, twilio_api):
    form = {"From": PHONE, "Body": f"ACK {sms_code(twilio_api)}"}
    assert "Acknowledged" in reply(twilio_post(client, form))
    assert "already used to acknowledge" in reply(twilio_post(client, form))


def test_sms_ack__without_a_twilio_auth_token_inbound_sms_is_refused(db, clock, settings, paged, twilio_api):
    unsigned = create_app(settings.model_copy(update={"twilio_auth_token": SecretStr("")}), clock=clock, db=db)
    response = TestClient(unsigned, raise_server_exceptions=False).post(
        SMS_HOOK, data={"From": PHONE, "Body": f"ACK {sms_code(twilio_api)}"})
    assert response.status_code == 403 and "CODEBLUE_TWILIO_AUTH_TOKEN" in response.json()["error"]["message"]
    assert status(db, paged) == "triggered"


# --- the voice call: "press 1 to acknowledge"


@pytest.fixture
def called(db, clock, settings, client, receiver, twilio_api) -> tuple[str, str]:
    """A P0 whose primary has been paged by a voice call: (incident ref, the path the keypress posts to)."""
    team.two_steps(db, clock, receiver.url)
    twilio_api.route("/2010-04-01/Accounts/AC1/Calls.json", (201, {"sid": "CA1", "status": "queued"}))
    with db.unit_of_work() as s:
        oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_="voice", address=PHONE, now=clock.now())
    voice = TwilioVoiceChannel(TwilioConfig(account_sid="AC1", auth_token="t", from_number="+15559990000",
                                            base_url=twilio_api.url))
    ref = team.open_incident(db, clock)
    team.drain(team.webhook_engine(db, clock, settings, voice=voice))
    [call] = [r for r in twilio_api.requests if r.path.endswith("/Calls.json")]
    action = ET.fromstring(call.form()["Twiml"]).find("Gather").get("action")
    return ref, urlsplit(action).path


def spoken(response) -> ET.Element:
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    return root


def test_voice_ack__pressing_1_acknowledges_and_answers_twiml(client, db, clock, called):
    ref, path = called
    assert path.startswith("/ack/") and path.endswith("/voice")
    clock.advance(timedelta(seconds=45))
    root = spoken(client.post(path, data={"Digits": "1", "CallSid": "CA1", "From": "+15559990000", "To": PHONE}))
    assert root.find("Say").text == f"Acknowledged {ref}. Paging stopped. Goodbye."
    assert status(db, ref) == "acknowledged"
    [(actor, _, data)] = acked_entry(db, ref)
    assert actor == ADMIN_EMAIL and data["via"] == "voice keypress" and data["seconds_to_acknowledge"] == 45.0


def test_voice_ack__another_key_asks_again_and_changes_nothing(client, db, called):
    ref, path = called
    root = spoken(client.post(path, data={"Digits": "7"}))
    assert root.find("Gather").get("action").endswith(path) and status(db, ref) == "triggered"
    spoken(client.post(path, data={}))
    assert status(db, ref) == "triggered"


def test_voice_ack__a_second_press_or_a_bad_token_is_spoken_not_an_error(client, db, called):
    ref, path = called
    spoken(client.post(path, data={"Digits": "1"}))
    again = spoken(client.post(path, data={"Digits": "1"}))
    assert "already used to acknowledge" in again.find("Say").text
    bad = spoken(client.post("/ack/1.2.nonsense/voice", data={"Digits": "1"}))
    assert "acknowledge link" in bad.find("Say").text
    assert len(acked_entry(db, ref)) == 1
