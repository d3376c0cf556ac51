"""On-call over HTTP: who is on call at an instant, the iCalendar export, and an incident's messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from tests import factories
from tests.oncall import team
from tests.peers import http_receiver

ANN, BOB, CY = "ann@example.org", "bob@example.org", "cy@example.org"


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def tokens(db, clock):
    factories.seed(db, clock.now())
    return factories.tokens(db, clock.now())


def auth(tokens, role="viewer"):
    return {"Authorization": f"Bearer {tokens[role]}"}


@pytest.fixture
def ops(client, tokens) -> str:
    """Daily 09:00 New York from Monday 2026-03-02: ann, bob, cy; DST starts Sunday 03-08."""
    r = client.post("/api/v1/schedules", headers=auth(tokens, "admin"), json={
        "slug": "ops", "name": "Ops", "tz": "America/New_York",
        "layers": [{"rotation": {"kind": "daily", "participants": [ANN, BOB, CY],
                                 "start": "2026-03-02T09:00:00-05:00", "handoff": "09:00"}}]})
    assert r.status_code == 201, r.text
    return "ops"


@pytest.mark.parametrize(("at", "expected"), [
    ("2026-03-07T15:00:00Z", [CY]),
    ("2026-03-07T10:00:00-05:00", [CY]),  # the same instant, written in New York time
    ("2026-03-08T12:59:59Z", [CY]),  # 08:59:59 EDT: cy's 23-hour shift across the DST change
    ("2026-03-08T13:00:00Z", [ANN]),  # 09:00 EDT
    ("2026-03-02T13:59:59Z", []),  # before the rotation starts: a gap
])
def test_oncall_at__the_person_on_call_at_that_instant(client, tokens, ops, at, expected):
    r = client.get(f"/api/v1/schedules/{ops}/oncall", headers=auth(tokens), params={"at": at})
    assert r.status_code == 200, r.text
    assert r.json()["on_call"] == expected and r.json()["schedule"] == "ops"


def test_oncall_at__lists_the_next_handoffs(client, tokens, ops):
    body = client.get(f"/api/v1/schedules/{ops}/oncall", headers=auth(tokens),
                      params={"at": "2026-03-07T15:00:00Z"}).json()
    assert [(datetime.fromisoformat(h["at"]), h["from"], h["to"]) for h in body["next_handoffs"]] == [
        (z(2026, 3, 8, 13), [CY], [ANN]), (z(2026, 3, 9, 13), [ANN], [BOB]), (z(2026, 3, 10, 13), [BOB], [CY])]


def test_oncall__without_at_answers_for_now(client, tokens, ops, clock):
    body = client.get(f"/api/v1/schedules/{ops}/oncall", headers=auth(tokens)).json()
    assert datetime.fromisoformat(body["at"]) == clock.now() and body["on_call"] == [CY]  # 03-10 14:00Z


@pytest.mark.parametrize(("at", "status", "words"), [
    ("2026-03-07T15:00:00", 422, "UTC offset"),
    ("yesterday", 422, "at"),
    ("2026-02-30T10:00:00Z", 422, "at"),
    ("9999-12-31T23:59:59Z", 422, "between the years"),  # two years of handoffs past it would overflow
    ("0001-01-01T00:00:00+14:00", 422, "between the years"),  # before datetime's first instant in UTC
])
def test_oncall_at__an_instant_without_offset_or_not_a_time_is_422(client, tokens, ops, at, status, words):
    r = client.get(f"/api/v1/schedules/{ops}/oncall", headers=auth(tokens), params={"at": at})
    assert r.status_code == status and words in r.json()["error"]["message"]


def test_oncall__unknown_schedule_is_404_and_no_token_is_401(client, tokens, ops):
    r = client.get("/api/v1/schedules/nope/oncall", headers=auth(tokens), params={"at": "2026-03-07T15:00:00Z"})
    assert r.status_code == 404 and "no schedule 'nope'" in r.json()["error"]["message"]
    assert client.get(f"/api/v1/schedules/{ops}/oncall").status_code == 401


def events(body: bytes) -> list[tuple[str, datetime, datetime]]:
    return [(str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend")) for e in Calendar.from_ical(body).walk("VEVENT")]


def test_ics__parses_back_to_the_shifts_of_the_window(client, tokens, ops):
    # now is 2026-03-10 14:00Z: the export runs from a week before to `days` after.
    r = client.get(f"/api/v1/schedules/{ops}.ics", headers=auth(tokens), params={"days": 2})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert r.headers["content-disposition"] == 'attachment; filename="ops.ics"'
    assert events(r.content) == [
        (f"On call: {BOB} (ops)", z(2026, 3, 3, 14), z(2026, 3, 4, 14)),
        (f"On call: {CY} (ops)", z(2026, 3, 4, 14), z(2026, 3, 5, 14)),
        (f"On call: {ANN} (ops)", z(2026, 3, 5, 14), z(2026, 3, 6, 14)),
        (f"On call: {BOB} (ops)", z(2026, 3, 6, 14), z(2026, 3, 7, 14)),
        (f"On call: {CY} (ops)", z(2026, 3, 7, 14), z(2026, 3, 8, 13)),  # 23 hours: spring forward
        (f"On call: {ANN} (ops)", z(2026, 3, 8, 13), z(2026, 3, 9, 13)),
        (f"On call: {BOB} (ops)", z(2026, 3, 9, 13), z(2026, 3, 10, 13)),
        (f"On call: {CY} (ops)", z(2026, 3, 10, 13), z(2026, 3, 11, 13)),
        (f"On call: {ANN} (ops)", z(2026, 3, 11, 13), z(2026, 3, 12, 13)),
        (f"On call: {BOB} (ops)", z(2026, 3, 12, 13), z(2026, 3, 12, 14)),  # cut at the end of the window
    ]


def test_ics__one_persons_shifts_and_an_override(client, tokens, ops):
    r = client.post(f"/api/v1/schedules/{ops}/overrides", headers=auth(tokens, "commander"), json={
        "user": "tok-responder@example.org", "start": "2026-03-10T18:00:00Z", "end": "2026-03-10T20:00:00Z"})
    assert r.status_code == 201, r.text
    mine = events(client.get(f"/api/v1/schedules/{ops}.ics", headers=auth(tokens),
                             params={"days": 2, "user": "tok-responder@example.org"}).content)
    assert mine == [("On call: tok-responder@example.org (ops)", z(2026, 3, 10, 18), z(2026, 3, 10, 20))]
    cys = events(client.get(f"/api/v1/schedules/{ops}.ics", headers=auth(tokens),
                            params={"days": 2, "user": CY}).content)
    assert [(a, b) for _, a, b in cys] == [(z(2026, 3, 4, 14), z(2026, 3, 5, 14)), (z(2026, 3, 7, 14), z(2026, 3, 8, 13)),
                                          (z(2026, 3, 10, 13), z(2026, 3, 10, 18)), (z(2026, 3, 10, 20), z(2026, 3, 11, 13))]


def test_ics__unknown_schedule_404_and_bad_days_422(client, tokens, ops):
    assert client.get("/api/v1/schedules/nope.ics", headers=auth(tokens)).status_code == 404
    for days in (0, 400, "many"):
        assert client.get(f"/api/v1/schedules/{ops}.ics", headers=auth(tokens), params={"days": days}).status_code == 422


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/schedules", {"slug": "far", "name": "x", "layers": [{"rotation": {
        "kind": "custom", "participants": [ANN], "start": "2026-03-01T09:00:00Z", "shift_seconds": 10**30}}]},
     "shift_seconds"),
    ("/api/v1/schedules", {"slug": "far", "name": "x", "layers": [{"rotation": {
        "kind": "daily", "participants": [ANN], "start": "9999-12-31T09:00:00Z"}}]}, "start"),
    ("/api/v1/schedules/ops/overrides", {"user": ANN, "start": "0001-01-01T00:00:00+14:00",
                                         "end": "2026-01-01T00:00:00Z"}, "start"),
    ("/api/v1/schedules/ops/overrides", {"user": ANN, "start": "2026-03-10T18:00:00", "end": "2026-03-10T19:00:00Z"},
     "start"),
    ("/api/v1/escalation-policies", {"slug": "slow", "name": "x", "steps": [
        {"delay_seconds": 10**30, "targets": [{"type": "user", "ref": ANN}]}]}, "delay_seconds"),
    ("/api/v1/users/tok-admin@example.org/notification-rules", {"contact_method_id": 10**30}, "contact_method_id"),
])
def test_out_of_range_input__is_422_naming_the_field_never_a_500(client, tokens, ops, path, body, field):
    r = client.post(path, headers=auth(tokens, "admin"), json=body)
    assert r.status_code == 422 and field in r.json()["error"]["message"]


# --- an incident's messages


def test_notifications__a_page_that_failed_for_good_shows_failed_with_its_error(client, db, clock, settings):
    with http_receiver() as receiver:
        receiver.plan = [500] * 5
        team.two_steps(db, clock, receiver.url)
        viewer = {"Authorization": f"Bearer {factories.tokens(db, clock.now())['viewer']}"}
        engine = team.webhook_engine(db, clock, settings)
        ref = team.open_incident(db, clock)
        for _ in range(8):
            team.drain(engine)
            clock.advance(timedelta(seconds=40))
    r = client.get(f"/api/v1/incidents/{ref}/notifications", headers=viewer)
    assert r.status_code == 200, r.text
    primary, secondary = r.json()
    assert (primary["purpose"], primary["channel"], primary["status"], primary["attempts"]) == ("page", "webhook", "failed", 5)
    assert "HTTP 500" in primary["last_error"] and primary["sent_at"] is None and primary["step"] == 0
    assert (secondary["status"], secondary["step"], secondary["last_error"]) == ("sent", 1, None)
    assert client.get("/api/v1/incidents/INC-2000-01-01-001/notifications", headers=viewer).status_code == 404
