"""Channels from settings: what CODEBLUE_* variables configure, what they refuse, and that serve uses them."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from codeblue.app import create_app
from codeblue.auth.actor import SYSTEM
from codeblue.incidents import service as incidents
from codeblue.incidents.schemas import IncidentCreate
from codeblue.notify import config
from codeblue.oncall import service as oncall
from codeblue.settings import Settings
from tests import factories
from tests.notify.fakes import http_server, smtp_server

CHANNEL_VARS = {
    "CODEBLUE_SMTP_HOST": "smtp.example.org", "CODEBLUE_SMTP_PORT": "465", "CODEBLUE_SMTP_SECURITY": "tls",
    "CODEBLUE_SMTP_USERNAME": "pager", "CODEBLUE_SMTP_PASSWORD": "hunter2",
    "CODEBLUE_SMTP_FROM": "pages@hospital.example",
    "CODEBLUE_SLACK_BOT_TOKEN": "xoxb-1", "CODEBLUE_SLACK_API_URL": "http://127.0.0.1:9/api/",
    "CODEBLUE_TWILIO_ACCOUNT_SID": "AC1", "CODEBLUE_TWILIO_AUTH_TOKEN": "tok",
    "CODEBLUE_TWILIO_FROM_NUMBER": "+15550001111", "CODEBLUE_TWILIO_API_URL": "http://127.0.0.1:9",
    "CODEBLUE_PAGERDUTY_EVENTS_URL": "http://127.0.0.1:9/v2/enqueue",
    "CODEBLUE_WEBHOOK_SIGNING_SECRET": "whsec", "CODEBLUE_NOTIFY_SEND_TIMEOUT_SECONDS": "3",
}


@pytest.fixture
def env(monkeypatch):
    def set_env(values: dict[str, str]) -> Settings:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return Settings(_env_file=None)
    return set_env


def test_without_channel_settings__only_channels_that_need_just_an_address(env):
    assert sorted(config.channels(env({}))) == ["pagerduty", "slack_webhook", "webhook"]


def test_every_channel_is_configured_from_its_variables(env):
    settings = env(CHANNEL_VARS)
    cfg = config.channels_config(settings)
    assert (cfg.email.host, cfg.email.port, cfg.email.use_tls, cfg.email.starttls) == ("smtp.example.org", 465,
                                                                                      True, False)
    assert (cfg.email.username, cfg.email.password, cfg.email.sender) == ("pager", "hunter2",
                                                                          "pages@hospital.example")
    assert (cfg.slack.bot_token, cfg.slack.base_url) == ("xoxb-1", "http://127.0.0.1:9/api/")
    assert (cfg.twilio.account_sid, cfg.twilio.auth_token, cfg.twilio.from_number, cfg.twilio.base_url) == (
        "AC1", "tok", "+15550001111", "http://127.0.0.1:9")
    assert cfg.pagerduty.events_url == "http://127.0.0.1:9/v2/enqueue"
    assert cfg.webhook.signing_secret == "whsec" and cfg.timeout == 3.0
    assert sorted(config.channels(settings)) == ["email", "pagerduty", "slack", "slack_channel", "slack_webhook",
                                                 "sms", "voice", "webhook"]
    assert "hunter2" not in repr(settings) and "xoxb-1" not in repr(settings)


def test_starttls_is_the_default_and_none_means_plain(env):
    assert config.channels_config(env({"CODEBLUE_SMTP_HOST": "mx"})).email.starttls is True
    plain = config.channels_config(env({"CODEBLUE_SMTP_SECURITY": "none"})).email
    assert (plain.starttls, plain.use_tls) == (False, False)


@pytest.mark.parametrize("values, complaint", [
    ({"CODEBLUE_TWILIO_ACCOUNT_SID": "AC1"}, "CODEBLUE_TWILIO_AUTH_TOKEN, CODEBLUE_TWILIO_FROM_NUMBER missing"),
    ({"CODEBLUE_TWILIO_FROM_NUMBER": "+1555"}, "CODEBLUE_TWILIO_ACCOUNT_SID"),
    ({"CODEBLUE_SMTP_HOST": "mx", "CODEBLUE_SMTP_USERNAME": "pager"}, "go together"),
    ({"CODEBLUE_SMTP_USERNAME": "pager", "CODEBLUE_SMTP_PASSWORD": "x"}, "CODEBLUE_SMTP_HOST is not"),
    ({"CODEBLUE_SMTP_SECURITY": "ssl"}, "smtp_security"),
])
def test_half_a_channel_is_refused_at_start_up(env, values, complaint):
    with pytest.raises(ValidationError, match=complaint):
        env(values)


def test_twilio_auth_token_alone_only_verifies_inbound_sms(env):
    settings = env({"CODEBLUE_TWILIO_AUTH_TOKEN": "tok"})
    assert "sms" not in config.channels(settings)


@pytest.mark.parametrize("values, complaint", [
    ({"CODEBLUE_SMTP_HOST": "mx", "CODEBLUE_SMTP_SECURITY": "none", "CODEBLUE_SMTP_USERNAME": "u",
      "CODEBLUE_SMTP_PASSWORD": "p"}, "password in clear"),
    ({"CODEBLUE_SLACK_API_URL": "http://slack.internal/api/"}, "CODEBLUE_SLACK_API_URL must be an https"),
])
def test_production_refuses_unsafe_channel_settings(env, values, complaint):
    base = {"CODEBLUE_ENV": "production", "CODEBLUE_SECRET_KEY": "k" * 40}
    env(base)  # the defaults themselves are safe
    with pytest.raises(ValidationError, match=complaint):
        env({**base, **values})


def test_the_served_app_delivers_through_the_channels_its_settings_configure(db, clock, settings):
    with smtp_server() as (smtp, port), http_server() as slack:
        slack.route("/api/chat.postMessage", (200, {"ok": True, "channel": "C0PAGING", "ts": "1.2"}))
        app = create_app(settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "smtp_from": "pages@cb.example",
            "slack_bot_token": SecretStr("xoxb-1"), "slack_api_url": f"{slack.url}/api/",
        }), clock=clock, db=db)
        factories.seed(db, clock.now())
        with db.unit_of_work() as s:
            for type_, address in (("email", "oncall@hospital.example"), ("slack", "C0PAGING")):
                oncall.add_contact_method(s, user_email="admin@codeblue.local", type_=type_, address=address,
                                          now=clock.now())
            incidents.create(s, data=IncidentCreate(service=factories.CRM, title="API down",
                                                    facts={"availability": "down"}), actor=SYSTEM, now=clock.now())
        while app.state.engine.run_once():
            pass
    assert [e.rcpt_tos for e in smtp.envelopes] == [["oncall@hospital.example"]]
    # The P0 also asks for its own channel (conversations.create, answered 404 here): the page is the post.
    posts = [r for r in slack.requests if r.path.endswith("/chat.postMessage")]
    assert [r.json()["channel"] for r in posts] == ["C0PAGING"]
    assert posts[0].headers["authorization"] == "Bearer xoxb-1"
