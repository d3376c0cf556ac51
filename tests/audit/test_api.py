"""GET /api/v1/audit pages and filters the log; /export streams it as JSON Lines; both are audited reads."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from codeblue.audit import chain
from codeblue.audit import service as audit
from codeblue.auth.actor import Actor
from tests import factories

ALICE = Actor(kind="user", name="alice@example.org", user_id=7)
BOB = Actor(kind="user", name="bob@example.org", user_id=8)


@pytest.fixture
def bearer(db, clock):
    factories.seed(db, clock.now())
    return factories.tokens(db, clock.now())


@pytest.fixture
def log(db, clock, bearer):
    """Six entries an hour apart, after the set-up's own, alternating actors and subjects."""
    with db.unit_of_work() as s:
        for i in range(6):
            who = ALICE if i % 2 == 0 else BOB
            audit.record(s, actor=who, action="breach_case.read" if i < 4 else "user.created",
                         subject_type="breach_case" if i < 4 else "user", subject_id=i % 2 + 1,
                         now=clock.now() + timedelta(hours=i + 1), after={"i": i})
    return clock.now()


def get(client, bearer, path, role="compliance", **params):
    return client.get(path, params=params, headers={"Authorization": f"Bearer {bearer[role]}"})


def test_list__filters_by_actor_action_subject_and_time(client, bearer, log):
    def items(**params):
        r = get(client, bearer, "/api/v1/audit", **params)
        assert r.status_code == 200, r.text
        return [e["after"]["i"] for e in r.json()["items"] if e["after"] and "i" in e["after"]]

    assert items(actor="alice@example.org") == [4, 2, 0]
    assert items(action="breach_case.read", subject_type="breach_case", subject_id="2") == [3, 1]
    assert items(since=(log + timedelta(hours=2)).isoformat(), until=(log + timedelta(hours=4)).isoformat()) == [2, 1]
    assert items(action="user.") == [5, 4]


def test_list__pages_newest_first_with_the_total(client, bearer, log):
    r = get(client, bearer, "/api/v1/audit", actor="bob@example.org", limit=2, offset=1)
    body = r.json()
    assert body["total"] == 3 and body["limit"] == 2 and body["offset"] == 1
    assert [e["after"]["i"] for e in body["items"]] == [3, 1]


@pytest.mark.parametrize(("params", "field"), [
    ({"since": "2026-03-10T14:00:00"}, "since"),
    ({"since": "2026-03-10T15:00:00Z", "until": "2026-03-10T14:00:00Z"}, "until"),
])
def test_list__a_bad_time_range_is_refused_naming_it(client, bearer, log, params, field):
    r = get(client, bearer, "/api/v1/audit", **params)
    assert r.status_code == 422 and field in r.json()["error"]["message"]


def test_list__reading_the_log_is_itself_recorded(client, db, bearer, log):
    get(client, bearer, "/api/v1/audit", actor="alice@example.org")
    with db.unit_of_work(readonly=True) as s:
        rows, _ = audit.entries(s, actor=ALICE, now=log, where=audit.Filter(action="audit.read"))
        assert rows[0].actor == "tok-compliance@example.org"
        assert json.loads(rows[0].after_json)["actor"] == "alice@example.org"


def test_export__streams_json_lines_oldest_first_that_recompute_to_their_hashes(client, bearer, log):
    r = get(client, bearer, "/api/v1/audit/export", role="admin", since=(log + timedelta(minutes=1)).isoformat())
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in r.headers["content-disposition"]
    lines = [json.loads(line) for line in r.text.splitlines()]
    mine = [line for line in lines if line["action"] != "audit.exported"]
    assert [line["after"]["i"] for line in mine] == [0, 1, 2, 3, 4, 5]
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(mine, mine[1:]))
    first = mine[0]
    content = chain.Content(seq=first["seq"], at=datetime.fromisoformat(first["at"]), actor=first["actor"],
                            actor_user_id=first["actor_user_id"], action=first["action"],
                            subject_type=first["subject_type"], subject_id=first["subject_id"],
                            before_json=first["before_json"], after_json=first["after_json"],
                            prev_hash=first["prev_hash"])
    assert chain.content_hash(content) == first["hash"]


def test_export__is_audited_with_its_filter(client, db, bearer, log):
    get(client, bearer, "/api/v1/audit/export", action="user.")
    with db.unit_of_work(readonly=True) as s:
        rows = list(audit.export(s, where=audit.Filter(action="audit.exported")))
        assert len(rows) == 1 and json.loads(rows[0].after_json) == {"action": "user."}


def test_export__refused_to_a_commander(client, bearer, log):
    assert get(client, bearer, "/api/v1/audit/export", role="commander").status_code == 403
