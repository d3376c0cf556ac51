"""PHI-safe pages: identity, severity, service, title and link everywhere; alert details only where PHI-safe."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from codeblue.bootstrap import ADMIN_EMAIL
from codeblue.notify.channels import EmailChannel, EmailConfig, SlackChannel, SlackConfig, TwilioConfig
from codeblue.notify.channels import TwilioSmsChannel
from codeblue.notify.channels.phi import WITHHELD
from codeblue.notify.pages import Page, render
from codeblue.oncall import service as oncall
from tests import factories
from tests.alerts.senders import create_integration, deliver
from tests.notify.fakes import free_port, http_server
from tests.oncall import team
from tests.peers import http_receiver

SSN, NAME = "123-45-6789", "Jane Roe"
TITLE = f"Export job failed for patient_name={NAME}, SSN {SSN}"
ALERT = {"source": "export-worker", "summary": TITLE,
         "facts": {"patient_name": NAME, "ssn": SSN, "phi_exposure": True}, "details": {"row": 4411}}
PAGE = Page(ref="INC-20260310-001", severity="P0", service="Telehealth CRM API", title=TITLE,
            link="https://cb.example/incidents/INC-20260310-001", ack_url="https://cb.example/ack/1.2.x",
            ack_code="042424", description=f"Reported by the export owner: {NAME}", alerts=(ALERT,))


def everything(rendered) -> str:
    return rendered.subject + rendered.text + json.dumps(rendered.data)


def test_render__not_phi_safe_carries_identity_and_link_and_withholds_the_title():
    rendered = render(PAGE, phi_safe=False)
    assert SSN not in everything(rendered) and NAME not in everything(rendered) and "4411" not in everything(rendered)
    assert rendered.subject == f"[P0] INC-20260310-001 {WITHHELD}"
    assert rendered.text == (f"[P0] INC-20260310-001 Telehealth CRM API: {WITHHELD}\n"
                             "https://cb.example/ack/1.2.x\nReply ACK 042424 to acknowledge")
    assert rendered.data == {"incident_id": "INC-20260310-001", "severity": "P0", "service": "Telehealth CRM API",
                             "title": WITHHELD, "link": PAGE.link, "ack_url": PAGE.ack_url, "ack_code": "042424",
                             "phi_safe": False}


def test_render__not_phi_safe_keeps_an_ordinary_title():
    rendered = render(Page(**{**PAGE.__dict__, "title": "Export job failed"}), phi_safe=False)
    assert rendered.subject == "[P0] INC-20260310-001 Export job failed" and "alerts" not in rendered.data


def test_render__phi_safe_carries_the_title_and_the_alert_details():
    rendered = render(PAGE, phi_safe=True)
    assert rendered.subject == f"[P0] INC-20260310-001 {TITLE}"
    lines = rendered.text.splitlines()
    assert lines[:3] == [f"[P0] INC-20260310-001 Telehealth CRM API: {TITLE}", PAGE.ack_url,
                         "Reply ACK 042424 to acknowledge"]
    assert f"- export-worker: {TITLE}" in lines and f"  patient_name: {NAME}" in lines and f"  ssn: {SSN}" in lines
    assert "  row: 4411" in lines and f"Reported by the export owner: {NAME}" in lines
    assert rendered.data["alerts"] == [ALERT] and rendered.data["phi_safe"] is True


# --- end to end: an alert with PHI in it, through ingest and the engine, to each channel's local peer


class Inbox:
    """An SMTP server's handler that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's naming
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def apis():
    """A local server answering as Twilio's Messages API and Slack's chat.postMessage."""
    with http_server() as fake:
        fake.route("/2010-04-01/Accounts/AC1/Messages.json", (201, {"sid": "SM1", "status": "queued"}))
        fake.route("/api/chat.postMessage", (200, {"ok": True, "channel": "C0", "ts": "1.1"}))
        yield fake


@pytest.fixture
def hooks():
    with http_receiver() as receiver:
        yield receiver


ADDRESSES = {  # (type, PHI-safe) → address
    ("email", True): "safe@hospital.example", ("email", False): "plain@hospital.example",
    ("sms", True): "+15550000001", ("sms", False): "+15550000002",
    ("slack", True): "C0SAFE", ("slack", False): "C0PLAIN",
    ("webhook", True): "/safe", ("webhook", False): "/plain",
}


@pytest.fixture
def delivered(db, clock, settings, client, smtp, apis, hooks) -> dict[tuple[str, bool], str]:
    """What each contact method of the paged admin received, decoded, after a PHI-laden alert."""
    inbox, port = smtp
    factories.seed(db, clock.now())
    admin = {"Authorization": f"Bearer {factories.tokens(db, clock.now())['admin']}"}
    with db.unit_of_work() as s:
        for (type_, safe), address in ADDRESSES.items():
            address = hooks.url + address if type_ == "webhook" else address
            oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_=type_, address=address, phi_safe=safe,
                                      now=clock.now())
    key = create_integration(client, admin, "pagerduty")
    event = {"event_action": "trigger", "dedup_key": "export-4411",
             "payload": {"summary": TITLE, "source": "export-worker", "severity": "critical",
                         "custom_details": ALERT["facts"]}}
    assert deliver(client, "pagerduty", key, event).status_code == 202
    engine = team.webhook_engine(db, clock, settings, **{
        "email": EmailChannel(EmailConfig(host="127.0.0.1", port=port, starttls=False)),
        "sms": TwilioSmsChannel(TwilioConfig(account_sid="AC1", auth_token="t", from_number="+15559990000",
                                             base_url=apis.url)),
        "slack": SlackChannel(SlackConfig(bot_token="xoxb-1", base_url=f"{apis.url}/api/")),
    })
    team.drain(engine)
    got: dict[tuple[str, bool], str] = {}
    for rcpt, raw in inbox.messages:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        safe = rcpt == [ADDRESSES[("email", True)]]
        got[("email", safe)] = f"{parsed['subject']}\n{parsed.get_content()}\n{raw.decode(errors='replace')}"
    for req in apis.requests:
        if "Messages.json" in req.path:
            form = req.form()
            got[("sms", form["To"] == ADDRESSES[("sms", True)])] = form["Body"]
        else:
            body = req.json()
            got[("slack", body["channel"] == "C0SAFE")] = json.dumps(body, ensure_ascii=False)
    for req in hooks.delivered():
        got[("webhook", req.path == "/safe")] = req.body.decode()
    assert set(got) == set(ADDRESSES), f"not every method was paged: {sorted(got)}"
    return got


@pytest.mark.parametrize("channel", ["email", "sms", "slack", "webhook"])
def test_alert_with_phi__a_plain_method_gets_no_phi_but_identity_and_the_ack_link(delivered, channel):
    text = delivered[(channel, False)]
    assert SSN not in text and NAME not in text and "Roe" not in text
    assert "INC-" in text and "P0" in text and "Telehealth CRM API" in text and "/ack/" in text
    assert WITHHELD in text


@pytest.mark.parametrize("channel", ["email", "sms", "slack", "webhook"])
def test_alert_with_phi__a_phi_safe_method_gets_the_title_and_details(delivered, channel):
    text = delivered[(channel, True)]
    assert TITLE in text and "/ack/" in text
    if channel == "webhook":
        body = json.loads(text)
        assert body["title"] == TITLE and body["phi_safe"] is True
        assert body["alerts"][0]["facts"]["ssn"] == SSN and body["alerts"][0]["facts"]["patient_name"] == NAME
    else:
        assert f"patient_name: {NAME}" in text and f"ssn: {SSN}" in text


def test_alert_with_phi__the_ack_page_from_a_plain_method_withholds_the_title(delivered, client):
    ack_url = json.loads(delivered[("webhook", False)])["ack_url"]
    page = client.get(urlsplit(ack_url).path)
    assert page.status_code == 200 and SSN not in page.text and NAME not in page.text
    assert "withheld: may contain PHI" in page.text


def test_alert_with_phi__the_ack_page_from_a_phi_safe_method_shows_it(delivered, client):
    ack_url = json.loads(delivered[("webhook", True)])["ack_url"]
    page = client.get(urlsplit(ack_url).path)
    assert page.status_code == 200 and SSN in page.text
