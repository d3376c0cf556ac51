"""Live pages: the event streams send server-rendered fragments when something changed, and nothing when not."""

from __future__ import annotations

import threading

import pytest

from codeblue.auth import service as auth
from codeblue.auth import sessions
from codeblue.incidents import service as incidents
from codeblue.settings import Settings
from codeblue.web import live
from tests import factories


@pytest.fixture
def settings(tmp_path):
    return Settings(env="test", auto_migrate=False, run_engine=False, database_url=f"sqlite:///{tmp_path}/unused.db",
                    live_stream_seconds=0.6, live_poll_seconds=0.05)


@pytest.fixture
def ref(db, clock, people):
    with db.unit_of_work() as s:
        admin = factories.actor_for(auth.require_user(s, email=people["admin"].email))
        return factories.incident(s, clock.now(), actor=admin, severity="P1", type="general").ref


def stream(person, path: str, **headers: str) -> str:
    person.client.cookies.clear()
    with person.client.stream("GET", path, headers={"cookie": f"{sessions.COOKIE}={person.cookie}",
                                                   "accept": "text/event-stream", **headers}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-store"
        return "".join(r.iter_text())


def events(body: str) -> list[dict[str, str]]:
    out = []
    for block in body.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            if name in ("id", "event"):
                fields[name] = value
            elif name == "data":
                fields["data"] = fields.get("data", "") + ("\n" if "data" in fields else "") + value
        if "event" in fields:
            out.append(fields)
    return out


def version(people) -> str:
    page = people["viewer"].get("/").text
    return page.split('data-live="/events/dashboard" data-version="')[1].split('"')[0]


def test_dashboard_stream__sends_the_incidents_when_the_page_is_behind(people, ref):
    sent = events(stream(people["viewer"], "/events/dashboard?since=0"))
    assert [e["event"] for e in sent] == ["incidents"]
    assert f'data-incident="{ref}"' in sent[0]["data"] and sent[0]["id"] == version(people)


def test_dashboard_stream__sends_nothing_while_nothing_changes(people, ref):
    body = stream(people["viewer"], f"/events/dashboard?since={version(people)}")
    assert body.startswith("retry: 1000") and events(body) == []


def test_dashboard_stream__a_change_during_the_stream_arrives_once(db, clock, people, ref):
    since = version(people)

    def acknowledge() -> None:
        with db.unit_of_work() as s:
            incident = incidents.get(s, ref=ref)
            incidents.acknowledge(s, incident=incident, actor=factories.actor_for(auth.require_user(
                s, email=people["responder"].email)), now=clock.now())

    timer = threading.Timer(0.2, acknowledge)
    timer.start()
    sent = events(stream(people["viewer"], f"/events/dashboard?since={since}"))
    timer.join()
    assert len(sent) == 1 and "acknowledged" in sent[0]["data"] and sent[0]["id"] != since


def test_dashboard_stream__a_reconnecting_browser_is_answered_from_its_last_event_id(people, ref):
    current = version(people)
    assert events(stream(people["viewer"], "/events/dashboard?since=0", **{"last-event-id": current})) == []


def test_incident_stream__sends_each_region_rendered_for_the_viewer(people, ref):
    for role, has_forms in (("viewer", False), ("commander", True)):
        sent = {e["event"]: e["data"] for e in events(stream(people[role], f"/incidents/{ref}/events?since=0"))}
        assert set(sent) == {"header", "actions", "timeline", "alerts"}
        assert ref in sent["header"] and "opened by" in sent["timeline"]
        assert ("Change severity" in sent["actions"]) == has_forms
        assert (people[role].csrf in sent["actions"]) == has_forms


def test_streams__need_a_session_and_the_read_role(client, people, ref):
    client.cookies.clear()
    assert client.get("/events/dashboard", headers={"accept": "text/event-stream"}).status_code == 401
    assert client.get(f"/incidents/{ref}/events", headers={"accept": "text/event-stream"}).status_code == 401
    assert client.get("/incidents/INC-2000-01-01-001/events",
                      headers={"accept": "text/event-stream",
                               "cookie": f"{sessions.COOKIE}={people['viewer'].cookie}"}).status_code == 404


def test_event__every_line_of_a_fragment_is_its_own_data_field():
    assert live.event("timeline", "<ol>\n<li>a</li>\r\n</ol>", id_="7") == (
        "id: 7\nevent: timeline\ndata: <ol>\ndata: <li>a</li>\ndata: </ol>\n\n")
