"""The incident's Slack channel, against a local server speaking the Slack Web API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from codeblue.auth.actor import SYSTEM
from codeblue.bootstrap import ADMIN_EMAIL
from codeblue.comms import service as comms
from codeblue.comms.models import ChatChannel
from codeblue.comms.schemas import UpdateIn
from codeblue.incidents import service as incidents
from codeblue.notify.models import Notification
from codeblue.oncall import service as oncall
from codeblue.settings import Settings
from codeblue.worker import build_engine
from tests import factories
from tests.comms.conftest import drain, entries, open_incident
from tests.peers import SlackWorkspace, slack_web_api
from tests.web.conftest import people, seeded  # noqa: F401 - signed-in people for the page

TOKEN = "xoxb-test-token"
P0 = {"facts": {"availability": "down"}}


@pytest.fixture
def slack() -> Iterator[SlackWorkspace]:
    with slack_web_api(TOKEN) as ws:
        yield ws


@pytest.fixture
def settings(tmp_path, slack):
    return Settings(env="test", auto_migrate=False, run_engine=False, database_url=f"sqlite:///{tmp_path}/unused.db",
                    slack_bot_token=TOKEN, slack_api_url=slack.api_url, notify_retry_base_seconds=1)


@pytest.fixture
def engine(db, clock, settings):
    return build_engine(db, clock, settings)  # the channels these settings configure: Slack among them


@pytest.fixture
def team(db, clock):
    """The demo set-up; the admin, on call first, has a Slack user id."""
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_="slack", address="U0ADMIN", now=clock.now())


def stored(db) -> list[tuple[str, str]]:
    with db.unit_of_work(readonly=True) as s:
        return [(c.channel_id, c.name) for c in s.scalars(select(ChatChannel))]


def test_a_p0__gets_its_channel_with_the_responders_and_the_incident_alert(db, clock, team, engine, slack, client):
    ref = open_incident(db, clock, **P0)
    drain(engine)
    name = f"incident-{ref.lower()}"
    assert list(slack.channels) == [name]
    channel = slack.channels[name]
    assert channel["members"] == ["U0ADMIN"]
    posted = [m for m in slack.messages if m["channel"] == channel["id"]]
    assert len(posted) == 1 and "INCIDENT ALERT" in posted[0]["text"] and f"#{name}" in posted[0]["text"]
    assert stored(db) == [(channel["id"], name)]
    assert entries(db, ref, "chat_channel_created") == [
        f"Slack channel #{name} opened, 1 responder(s) invited, incident alert posted"]
    token = factories.tokens(db, clock.now())["viewer"]
    got = client.get(f"/api/v1/incidents/{ref}/channel", headers={"Authorization": f"Bearer {token}"}).json()
    assert got["name"] == f"#{name}" and got["url"].endswith(channel["id"])
    assert all(call[0] != "conversations.create" or call[1]["name"] == name for call in slack.calls)


def test_a_p2__gets_no_channel(db, clock, team, engine, slack, client):
    ref = open_incident(db, clock, severity="P2", type="general")
    drain(engine)
    assert slack.channels == {} and stored(db) == []
    token = factories.tokens(db, clock.now())["viewer"]
    assert client.get(f"/api/v1/incidents/{ref}/channel", headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_without_a_bot_token__no_channel(db, clock, team, slack, tmp_path):
    engine = build_engine(db, clock, Settings(env="test", run_engine=False, auto_migrate=False,
                                              database_url=f"sqlite:///{tmp_path}/x.db"))
    open_incident(db, clock, **P0)
    drain(engine)
    assert slack.calls == [] and stored(db) == []


def test_name_taken_by_a_live_channel__reuses_it(db, clock, team, engine, slack):
    ref = f"INC-{clock.now():%Y-%m-%d}-001"
    existing = slack.add_channel(f"incident-{ref.lower()}")  # made by hand before, the bot not in it
    open_incident(db, clock, **P0)
    drain(engine)
    assert list(slack.channels) == [existing["name"]] and existing["is_member"]
    assert "conversations.join" in slack.methods() and stored(db) == [(existing["id"], existing["name"])]


def test_name_taken_by_an_archived_channel__suffixes_the_name(db, clock, team, engine, slack):
    ref = f"INC-{clock.now():%Y-%m-%d}-001"
    slack.add_channel(f"incident-{ref.lower()}", archived=True)
    open_incident(db, clock, **P0)
    drain(engine)
    assert stored(db) == [(slack.channels[f"incident-{ref.lower()}-2"]["id"], f"incident-{ref.lower()}-2")]


def test_a_failed_invite__is_retried_through_the_outbox_and_reuses_the_channel(db, clock, team, engine, slack):
    slack.fail["conversations.invite"] = ["internal_error"]
    ref = open_incident(db, clock, **P0)
    drain(engine)
    assert stored(db) == [] and len(slack.channels) == 1
    clock.advance(timedelta(seconds=5))
    drain(engine)
    name = f"incident-{ref.lower()}"
    assert list(slack.channels) == [name] and stored(db) == [(slack.channels[name]["id"], name)]
    assert slack.methods().count("conversations.create") == 2  # the second answered name_taken
    assert slack.channels[name]["members"] == ["U0ADMIN"]
    assert len([m for m in slack.messages if m["channel"] == slack.channels[name]["id"]]) == 1


def test_a_bad_token__fails_for_good_and_the_timeline_says_so(db, clock, team, slack, tmp_path):
    engine = build_engine(db, clock, Settings(env="test", run_engine=False, auto_migrate=False,
                                              database_url=f"sqlite:///{tmp_path}/x.db", slack_bot_token="xoxb-wrong",
                                              slack_api_url=slack.api_url))
    ref = open_incident(db, clock, **P0)
    drain(engine)
    assert slack.channels == {} and stored(db) == []
    failed = entries(db, ref, "chat_channel_failed")
    assert len(failed) == 1 and "invalid_auth" in failed[0] and "xoxb-wrong" not in failed[0]


def test_status_updates__are_posted_in_the_channel_without_patient_data(db, clock, team, engine, slack):
    ref = open_incident(db, clock, **P0)
    drain(engine)
    with db.unit_of_work() as s:
        incident = incidents.get(s, ref=ref)
        incidents.acknowledge(s, incident=incident, actor=SYSTEM, now=clock.now())
        comms.post_update(s, incident=incident, data=UpdateIn(status="identified", actions="Restored the pool",
                                                              next_steps="Watch"), actor=SYSTEM, now=clock.now(),
                          base_url="")
        comms.post_update(s, incident=incident, data=UpdateIn(status="monitoring",
                                                              actions="Called back patient name: Jane Roe",
                                                              next_steps="Watch"), actor=SYSTEM, now=clock.now(),
                          base_url="")
    drain(engine)
    channel = slack.channels[f"incident-{ref.lower()}"]
    texts = [m["text"] for m in slack.messages if m["channel"] == channel["id"]]
    # The sender posts the two updates concurrently, so they may reach the channel in either order.
    assert len(texts) == 3 and "INCIDENT ALERT" in texts[0]
    assert any("UPDATE #1" in text and "Restored the pool" in text for text in texts[1:])
    assert "Jane Roe" not in "".join(texts) and any("withheld" in text for text in texts[1:])
    with db.unit_of_work(readonly=True) as s:
        assert s.scalar(select(Notification.status).where(Notification.idempotency_key.like("update:%:2:chat"))) == "sent"


def test_the_incident_page__links_the_channel(db, clock, team, engine, slack, people):  # noqa: F811
    ref = open_incident(db, clock, **P0)
    drain(engine)
    channel = slack.channels[f"incident-{ref.lower()}"]
    page = people["viewer"].get(f"/incidents/{ref}").text
    assert f'href="https://slack.com/app_redirect?channel={channel["id"]}"' in page
    assert f"#incident-{ref.lower()}</a>" in page
