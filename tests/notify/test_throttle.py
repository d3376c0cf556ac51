"""Throttles per contact method: a page over the limit waits and is delivered later, never dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, select

from codeblue import migrate
from codeblue.bootstrap import ADMIN_EMAIL
from codeblue.notify.models import Notification
from codeblue.oncall import service as oncall
from tests import factories
from tests.oncall import team
from tests.peers import http_receiver

REVISION = "0005_edges_throttle"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"notify_throttle_per_minute": 1})


@pytest.fixture
def receiver():
    with http_receiver() as r:
        yield r


@pytest.fixture
def engine(db, clock, settings, receiver):
    team.two_steps(db, clock, receiver.url)
    return team.webhook_engine(db, clock, settings)


def add_method(db, clock, receiver, path: str, throttle: int | None) -> None:
    with db.unit_of_work() as s:
        oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_="webhook", address=f"{receiver.url}{path}",
                                  throttle_per_minute=throttle, now=clock.now())


def pages(db, path: str) -> list[tuple[str, object, object]]:
    """(status, next attempt, sent at) of every page to the path, oldest first."""
    with db.unit_of_work(readonly=True) as s:
        rows = s.scalars(select(Notification).where(Notification.address.endswith(path)).order_by(Notification.id))
        return [(n.status, n.next_attempt_at, n.sent_at) for n in rows]


def test_migration__the_column_is_there_on_both_databases(db):
    columns = {c["name"]: c for c in inspect(db.engine).get_columns("contact_methods")}
    assert columns["throttle_per_minute"]["nullable"] is True
    assert migrate.current_revision(db) == migrate.head_revision()  # REVISION or a later one built on it


def test_migration__downgrades_and_upgrades_again(db):
    config = migrate.alembic_config(db.url)
    with db.engine.connect() as conn:
        transaction = conn.begin()
        config.attributes["connection"] = conn
        try:
            command.downgrade(config, "0004")
            assert "throttle_per_minute" not in {c["name"] for c in inspect(conn).get_columns("contact_methods")}
            command.upgrade(config, "head")
            assert "throttle_per_minute" in {c["name"] for c in inspect(conn).get_columns("contact_methods")}
        finally:
            transaction.rollback()


def test_throttled_page__waits_for_the_window_and_is_delivered_later(db, clock, engine, receiver):
    start = clock.now()
    team.open_incident(db, clock, title="API down")
    team.open_incident(db, clock, title="Database down")
    team.drain(engine)
    assert team.paths(receiver) == ["/primary"]
    assert pages(db, "/primary") == [("sent", start, start), ("pending", start + timedelta(minutes=1), None)]
    clock.advance(timedelta(seconds=59))
    team.drain(engine)
    assert team.paths(receiver) == ["/primary"]
    clock.advance(timedelta(seconds=1))
    team.drain(engine)
    assert team.paths(receiver) == ["/primary", "/primary"]
    assert [(s, sent) for s, _, sent in pages(db, "/primary")] == [("sent", start), ("sent", start + timedelta(minutes=1))]


def test_method_limit__overrides_the_default_either_way(db, clock, engine, receiver):
    add_method(db, clock, receiver, "/unlimited", 0)
    add_method(db, clock, receiver, "/three", 3)
    for n in range(4):
        team.open_incident(db, clock, title=f"outage {n}")
    team.drain(engine)
    delivered = team.paths(receiver)
    # /primary follows the default of 1 a minute; the others their own limit.
    assert (delivered.count("/primary"), delivered.count("/unlimited"), delivered.count("/three")) == (1, 4, 3)
    clock.advance(timedelta(minutes=1))
    team.drain(engine)
    delivered = team.paths(receiver)
    assert (delivered.count("/primary"), delivered.count("/three")) == (2, 4)
    assert {status for _, status, _ in team.sent(db)} == {"sent", "pending"}  # none failed or cancelled


def test_method_without_its_own_limit__follows_a_changed_default(db, clock, settings, receiver):
    team.two_steps(db, clock, receiver.url)
    engine = team.webhook_engine(db, clock, settings.model_copy(update={"notify_throttle_per_minute": 2}))
    for n in range(3):
        team.open_incident(db, clock, title=f"outage {n}")
    team.drain(engine)
    assert team.paths(receiver) == ["/primary", "/primary"]


def test_api__sets_and_shows_the_limit_and_refuses_a_negative_one(client, db, clock):
    factories.seed(db, clock.now())
    admin = {"Authorization": f"Bearer {factories.tokens(db, clock.now())['admin']}"}
    url = f"/api/v1/users/{ADMIN_EMAIL}/contact-methods"
    made = client.post(url, headers=admin, json={"type": "sms", "address": "+15550000002", "throttle_per_minute": 5})
    assert made.status_code == 201 and made.json()["throttle_per_minute"] == 5
    default = client.post(url, headers=admin, json={"type": "sms", "address": "+15550000003"})
    assert default.status_code == 201 and default.json()["throttle_per_minute"] is None
    bad = client.post(url, headers=admin, json={"type": "sms", "address": "+15550000004", "throttle_per_minute": -1})
    assert bad.status_code == 422 and "throttle_per_minute" in bad.text
