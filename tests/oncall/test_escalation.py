"""Escalation paths on the injected clock: notification rules with delays, user and named-contact targets,
repeat, and the chain `codeblue init` seeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from codeblue.auth.models import User
from codeblue.bootstrap import ADMIN_EMAIL
from codeblue.engine.models import Timer
from codeblue.notify.channels import TwilioConfig, TwilioSmsChannel, TwilioVoiceChannel
from codeblue.oncall import service as oncall
from codeblue.oncall.models import ContactMethod, NamedContact
from tests import factories
from tests.notify.fakes import http_server
from tests.oncall import team
from tests.peers import http_receiver

MINUTE = timedelta(minutes=1)
START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # the clock fixture's start
SID = "AC1"
PHONE = "+15550000002"


@pytest.fixture
def receiver():
    with http_receiver() as r:
        yield r


def policy(db, clock, *steps, repeat: int = 0) -> None:
    """Bind the CRM service to a policy of these steps, each a list of targets waiting delay seconds."""
    with db.unit_of_work() as s:
        oncall.create_policy(s, slug="paths", name="paths", now=clock.now(), repeat=repeat,
                             steps=[{"delay_seconds": delay, "targets": targets} for targets, delay in steps])
        oncall.bind_service(s, service_slug=factories.CRM, policy_slug="paths", now=clock.now())


def step_at(clock, engine, minutes: float) -> None:
    """Move the clock to `minutes` after the test's start (14:00 UTC) and let the engine catch up."""
    team.drain(engine)
    target = START + timedelta(minutes=minutes)
    assert target >= clock.now(), "the clock only moves forward"
    clock.set(target)
    team.drain(engine)


# --- notification rules: SMS at once, voice after 3 minutes if nobody acknowledged


@pytest.fixture
def twilio():
    with http_server() as fake:
        fake.route(f"/2010-04-01/Accounts/{SID}/Messages.json", (201, {"sid": "SM1", "status": "queued"}))
        fake.route(f"/2010-04-01/Accounts/{SID}/Calls.json", (201, {"sid": "CA1", "status": "queued"}))
        yield fake


@pytest.fixture
def ruled(db, clock, settings, twilio):
    """The admin, paged by the first step, with rules: SMS at once, a voice call 3 minutes later."""
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        sms = oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_="sms", address=PHONE, now=clock.now())
        voice = oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_="voice", address=PHONE, now=clock.now())
        oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_="webhook", address="http://127.0.0.1:9/never",
                                  now=clock.now())  # no rule names it, so the rules leave it out
        oncall.add_rule(s, user_email=ADMIN_EMAIL, contact_method_id=sms.id, delay_seconds=0, now=clock.now())
        oncall.add_rule(s, user_email=ADMIN_EMAIL, contact_method_id=voice.id, delay_seconds=180, now=clock.now())
    policy(db, clock, ([{"type": "user", "ref": ADMIN_EMAIL}], 600))
    config = TwilioConfig(account_sid=SID, auth_token="t", from_number="+15559990000", base_url=twilio.url)
    return team.webhook_engine(db, clock, settings, sms=TwilioSmsChannel(config), voice=TwilioVoiceChannel(config))


def twilio_calls(twilio) -> list[str]:
    return ["sms" if r.path.endswith("Messages.json") else "voice" for r in twilio.requests]


def test_rules__sms_at_once_then_voice_after_three_minutes_without_ack(db, clock, ruled, twilio):
    start = clock.now()
    team.open_incident(db, clock)
    step_at(clock, ruled, 0)
    assert twilio_calls(twilio) == ["sms"]
    step_at(clock, ruled, 2 + 59 / 60)
    assert twilio_calls(twilio) == ["sms"]
    step_at(clock, ruled, 3)
    assert twilio_calls(twilio) == ["sms", "voice"]
    assert team.sent(db) == [
        (PHONE, "sent", start), (PHONE, "sent", start + 3 * MINUTE)]
    assert "<Say>" in twilio.requests[1].form()["Twiml"]


def test_rules__an_ack_in_between_cancels_the_voice_call(db, clock, ruled, twilio):
    ref = team.open_incident(db, clock)
    step_at(clock, ruled, 0)
    step_at(clock, ruled, 2)
    team.acknowledge(db, clock, ref)
    step_at(clock, ruled, 10)
    assert twilio_calls(twilio) == ["sms"]
    assert [status for _, status, _ in team.sent(db)] == ["sent", "cancelled"]


# --- targets: a person by email, a named contact with its own methods, a named contact who is a user


@pytest.fixture
def targets(db, clock, settings, receiver):
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        factories.user(s, "responder", clock.now(), email=team.SECOND)
        oncall.add_contact_method(s, user_email=team.SECOND, type_="webhook", address=f"{receiver.url}/second",
                                  now=clock.now())
        oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_="webhook", address=f"{receiver.url}/admin",
                                  now=clock.now())
        manager = oncall.named_contact(s, slug="engineering_manager")
        s.add(ContactMethod(contact_id=manager.id, type="webhook", address=f"{receiver.url}/manager",
                            created_at=clock.now()))
        oncall.named_contact(s, slug="cto").user_id = s.scalar(select(User.id).where(User.email == ADMIN_EMAIL))
    policy(db, clock,
           ([{"type": "user", "ref": team.SECOND}], 60),
           ([{"type": "contact", "ref": "engineering_manager"}, {"type": "contact", "ref": "legal_team"}], 60),
           ([{"type": "contact", "ref": "cto"}, {"type": "user", "ref": "nobody@example.org"}], 60))
    return team.webhook_engine(db, clock, settings)


def test_targets__user_then_named_contact_then_named_contact_who_is_a_user(db, clock, targets, receiver):
    ref = team.open_incident(db, clock)
    step_at(clock, targets, 0)
    assert team.paths(receiver) == ["/second"]
    step_at(clock, targets, 1)
    assert team.paths(receiver) == ["/second", "/manager"]
    step_at(clock, targets, 2)
    assert team.paths(receiver) == ["/second", "/manager", "/admin"]
    paging = [summary for kind, summary in team.timeline(db, ref) if kind == "paging"]
    assert paging == [
        "Escalation step 1: paging Responder (webhook)",
        "Escalation step 2: paging Engineering Manager (webhook); "
        "no reachable contact method for contact legal_team",  # the seed's legal team has only an email
        "Escalation step 3: paging Administrator (webhook); no reachable contact method for user nobody@example.org",
    ]


# --- repeat: the chain goes round again, then stops


def test_repeat__goes_round_once_more_then_stops(db, clock, settings, receiver):
    team.two_steps(db, clock, receiver.url)
    policy(db, clock, ([{"type": "schedule", "ref": team.PRIMARY_SCHEDULE}], 60),
           ([{"type": "schedule", "ref": "crm-secondary"}], 60), repeat=1)
    engine = team.webhook_engine(db, clock, settings)
    ref = team.open_incident(db, clock)
    for minute in range(0, 11):
        step_at(clock, engine, minute)
    assert team.paths(receiver) == ["/primary", "/secondary", "/primary", "/secondary"]
    keys = [r.headers["idempotency-key"] for r in receiver.delivered()]
    assert len(set(keys)) == 4 and keys[2].split(":")[2:4] == ["0", "1"]  # step 0 of round 2
    sent_minutes = [(sent - START).total_seconds() / 60 for _, _, sent in team.sent(db)]
    assert sent_minutes == [0, 1, 2, 3]
    paging = [summary for kind, summary in team.timeline(db, ref) if kind == "paging"]
    assert paging[2] == "Escalation step 1, round 2: paging Administrator (webhook)"


# --- the chain `codeblue init` seeds: primary → secondary → engineering manager → CTO, twice


def test_seeded_chain__pages_primary_secondary_manager_cto_each_after_the_response_target(db, clock, settings,
                                                                                         receiver):
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:  # what an operator does after init: fill in the placeholder addresses
        oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_="webhook", address=f"{receiver.url}/primary",
                                  now=clock.now())
        placeholder = s.scalar(select(User.id).where(User.email.like("telehealth-crm-secondary-oncall@%")))
        s.execute(update(ContactMethod).where(ContactMethod.user_id == placeholder)
                  .values(type="webhook", address=f"{receiver.url}/secondary"))
        for slug in ("engineering_manager", "cto"):
            contact = s.scalar(select(NamedContact.id).where(NamedContact.slug == slug))
            s.execute(update(ContactMethod).where(ContactMethod.contact_id == contact)
                      .values(type="webhook", address=f"{receiver.url}/{slug}"))
    engine = team.webhook_engine(db, clock, settings)
    ref = team.open_incident(db, clock)  # a CRM P0: each step waits the 5-minute response target
    expected = ["/primary", "/secondary", "/engineering_manager", "/cto"] * 2
    for n in range(len(expected)):
        if n:
            step_at(clock, engine, 5 * n - 1 / 60)
            assert team.paths(receiver) == expected[:n], f"early at minute {5 * n}"
        step_at(clock, engine, 5 * n)
        assert team.paths(receiver) == expected[:n + 1], f"nothing at minute {5 * n}"
    step_at(clock, engine, 120)
    assert team.paths(receiver) == expected
    # The CTO, paged last at minute 35, had the response target too: then the policy is exhausted.
    [(kind, summary)] = [(k, s) for k, s in team.timeline(db, ref) if k == "escalation_exhausted"]
    assert summary == "Escalation policy exhausted after 2 rounds: nobody acknowledged"
    assert team.timeline(db, ref)[-1] == (kind, summary)


# --- exhausted: the last step's wait runs out and nobody answered


def exhausted(db, ref) -> list[str]:
    return [summary for kind, summary in team.timeline(db, ref) if kind == "escalation_exhausted"]


def test_exhausted__recorded_once_when_the_last_steps_wait_runs_out(db, clock, settings, receiver):
    team.two_steps(db, clock, receiver.url)  # primary, then secondary, each waiting 5 minutes
    engine = team.webhook_engine(db, clock, settings)
    ref = team.open_incident(db, clock)
    step_at(clock, engine, 5)
    step_at(clock, engine, 10 - 1 / 60)
    assert team.paths(receiver) == ["/primary", "/secondary"] and exhausted(db, ref) == []
    step_at(clock, engine, 10)
    assert exhausted(db, ref) == ["Escalation policy exhausted: nobody acknowledged"]
    for minute in (15, 60, 240):
        step_at(clock, engine, minute)
    assert exhausted(db, ref) == ["Escalation policy exhausted: nobody acknowledged"]
    assert team.paths(receiver) == ["/primary", "/secondary"]
    with db.unit_of_work(readonly=True) as s:
        assert s.scalars(select(Timer)).all() == []


def test_exhausted__not_recorded_when_someone_acknowledges_in_time(db, clock, settings, receiver):
    team.two_steps(db, clock, receiver.url)
    engine = team.webhook_engine(db, clock, settings)
    ref = team.open_incident(db, clock)
    step_at(clock, engine, 5)
    step_at(clock, engine, 9)
    team.acknowledge(db, clock, ref)
    step_at(clock, engine, 30)
    assert exhausted(db, ref) == []


def test_exhausted__after_the_last_round_of_a_repeating_policy(db, clock, settings, receiver):
    team.two_steps(db, clock, receiver.url)
    policy(db, clock, ([{"type": "schedule", "ref": team.PRIMARY_SCHEDULE}], 60),
           ([{"type": "schedule", "ref": "crm-secondary"}], 60), repeat=1)
    engine = team.webhook_engine(db, clock, settings)
    ref = team.open_incident(db, clock)
    for minute in range(0, 4):
        step_at(clock, engine, minute)
    assert len(team.paths(receiver)) == 4 and exhausted(db, ref) == []
    step_at(clock, engine, 4)
    assert exhausted(db, ref) == ["Escalation policy exhausted after 2 rounds: nobody acknowledged"]


def test_exhausted__at_once_when_the_last_steps_page_fails_for_good(db, clock, settings, receiver):
    team.two_steps(db, clock, receiver.url)
    with http_receiver(respond=lambda _request: (404, b"no such hook")) as refusing:  # 404 is not retried
        with db.unit_of_work() as s:
            s.execute(update(ContactMethod).where(ContactMethod.address.endswith("/secondary"))
                      .values(address=f"{refusing.url}/secondary"))
        engine = team.webhook_engine(db, clock, settings)
        ref = team.open_incident(db, clock)
        step_at(clock, engine, 5)
        assert [r.path for r in refusing.requests] == ["/secondary"]
        assert exhausted(db, ref) == ["Escalation policy exhausted: nobody acknowledged"]
        step_at(clock, engine, 30)
    assert len(exhausted(db, ref)) == 1
