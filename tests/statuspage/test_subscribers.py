"""Subscribing to the status page: double opt-in, tokens stored hashed, throttled, no list ever shown."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from codeblue.notify.models import Notification
from codeblue.statuspage.models import Subscriber

HTML = {"accept": "text/html"}


def subscribe(client, email, **headers):
    return client.post("/status/subscribe", data={"email": email}, headers={**HTML, **headers})


def confirmations(db, email):
    with db.unit_of_work(readonly=True) as s:
        return [n.text for n in s.scalars(select(Notification).where(Notification.address == email)
                                          .order_by(Notification.id))]


def test_subscribe__emails_a_link_whose_token_is_stored_only_hashed(client, tokens, db, clock):
    r = subscribe(client, "Pat@Example.net")
    assert r.status_code == 200 and "Check your inbox" in r.text
    [text] = confirmations(db, "pat@example.net")
    token = re.search(r"/status/confirm/(\S+)", text).group(1)
    with db.unit_of_work(readonly=True) as s:
        row = s.scalar(select(Subscriber))
        assert row.confirmed_at is None and row.confirm_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (row.confirm_hash or "")
    assert client.get(f"/status/confirm/{token}").status_code == 200
    assert client.get(f"/status/confirm/{token}").status_code == 404  # used once
    with db.unit_of_work(readonly=True) as s:
        row = s.scalar(select(Subscriber))
        assert row.confirmed_at is not None and row.confirm_hash is None


def test_subscribe__the_same_answer_whether_known_or_not_and_one_email_per_ten_minutes(client, tokens, db, clock):
    first, second = subscribe(client, "sam@example.net"), subscribe(client, "sam@example.net")
    assert first.text == second.text
    assert len(confirmations(db, "sam@example.net")) == 1
    clock.advance(timedelta(minutes=11))
    subscribe(client, "sam@example.net")
    assert len(confirmations(db, "sam@example.net")) == 2


def test_subscribe__expired_link_is_refused(client, tokens, db, clock):
    subscribe(client, "old@example.net")
    token = re.search(r"/status/confirm/(\S+)", confirmations(db, "old@example.net")[0]).group(1)
    clock.advance(timedelta(days=8))
    assert client.get(f"/status/confirm/{token}").status_code == 404


def test_subscribe__refuses_what_is_not_one_address(client, tokens, db):
    for bad in ("", "not-an-address", "a@b.example, c@d.example", "x" * 250 + "@e.example", "nul\x00@e.example"):
        r = client.post("/status/subscribe", data={"email": bad}, headers={"accept": "application/json"})
        assert r.status_code == 422, bad
    with db.unit_of_work(readonly=True) as s:
        assert s.scalar(select(Subscriber)) is None


def test_subscribe__throttled_per_address_after_five(client, tokens, db, clock):
    answers = [subscribe(client, f"p{i}@example.net").status_code for i in range(7)]
    assert answers == [200] * 5 + [429, 429]
    clock.advance(timedelta(minutes=2))
    assert subscribe(client, "later@example.net").status_code == 200


def test_subscribers__never_listed_on_the_page_or_its_json(client, tokens, db, clock):
    subscribe(client, "hidden@example.net")
    assert "hidden@example.net" not in client.get("/status").text
    assert "hidden@example.net" not in client.get("/status.json").text


def test_unsubscribe__a_forged_token_is_refused(client, tokens, db, clock):
    with db.unit_of_work() as s:
        s.add(Subscriber(email="kept@example.net", created_at=clock.now(), confirmed_at=clock.now()))
    with db.unit_of_work(readonly=True) as s:
        sid = s.scalar(select(Subscriber.id))
    assert client.post(f"/status/unsubscribe/{sid}.AAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    with db.unit_of_work(readonly=True) as s:
        assert s.scalar(select(Subscriber.email)) == "kept@example.net"
