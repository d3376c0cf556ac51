"""Evidence: stored once with its SHA-256, refused alteration and deletion while retained, downloadable."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from codeblue.errors import BadInput, Forbidden, PayloadTooLarge, RetentionHold
from codeblue.incidents import service as incidents
from codeblue.runbooks import evidence
from codeblue.runbooks.models import Evidence
from tests import factories

LOG = b"2026-03-10T14:00:01Z ERROR pool exhausted\n"


@pytest.fixture
def responder(db, session, clock):
    factories.seed(db, clock.now())
    return factories.actor_for(factories.user(session, "responder", clock.now()))


@pytest.fixture
def incident(session, clock, responder):
    return factories.incident(session, clock.now(), actor=responder)


def add(session, incident, responder, clock, **kw):
    kw.setdefault("kind", "log")
    kw.setdefault("name", "api.log")
    kw.setdefault("content", LOG)
    return evidence.add(session, incident=incident, actor=responder, now=clock.now(), max_bytes=1024, **kw)


def test_add__keeps_the_hash_size_who_and_when_and_lists_it_on_the_timeline(session, clock, incident, responder):
    row = add(session, incident, responder, clock, content_type="text/plain")
    assert (row.sha256, row.size, row.created_by, row.created_at) == (
        hashlib.sha256(LOG).hexdigest(), len(LOG), "responder@example.org", clock.now())
    assert row.retain_until == clock.now().replace(year=clock.now().year + 6)
    entry = incidents.timeline(session, incident=incident)[-1]
    assert (entry.kind, entry.data["evidence_id"], entry.data["sha256"]) == ("evidence_added", row.id, row.sha256)
    assert evidence.content(session, evidence=row) == LOG


def test_add__the_same_content_is_stored_once(session, clock, incident, responder):
    first = add(session, incident, responder, clock)
    again = add(session, incident, responder, clock, name="api.log (again)")
    assert again.id == first.id
    assert len(evidence.list_for(session, incident=incident)) == 1


def test_add__a_link_is_kept_by_its_url(session, clock, incident, responder):
    row = add(session, incident, responder, clock, kind="link", content=None, url="https://grafana.example.org/d/x")
    assert (row.url, row.content_type, row.sha256) == ("https://grafana.example.org/d/x", "text/uri-list",
                                                      hashlib.sha256(b"https://grafana.example.org/d/x").hexdigest())


@pytest.mark.parametrize(("kw", "problem"), [
    ({"content": b""}, "empty"),
    ({"kind": "link", "content": None, "url": "javascript:alert(1)"}, "http"),
    ({"kind": "video"}, "unknown evidence kind"),
    ({"url": "https://x.example"}, "only a link"),
])
def test_add__bad_evidence_is_refused_by_name(session, clock, incident, responder, kw, problem):
    with pytest.raises(BadInput, match=problem):
        add(session, incident, responder, clock, **kw)


def test_add__over_the_size_limit_is_refused(session, clock, incident, responder):
    with pytest.raises(PayloadTooLarge, match="limit is 1024"):
        add(session, incident, responder, clock, content=b"x" * 1025)


def test_remove__refused_while_retained_then_allowed_to_an_admin(session, clock, incident, responder):
    admin = factories.actor_for(factories.user(session, "admin", clock.now()))
    row = add(session, incident, responder, clock)
    with pytest.raises(RetentionHold, match="kept until 2032-03-10"):
        evidence.remove(session, evidence=row, actor=admin, now=clock.now() + timedelta(days=365))
    with pytest.raises(Forbidden):
        evidence.remove(session, evidence=row, actor=responder, now=clock.now())


def committed_evidence(db, clock) -> int:
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        who = factories.actor_for(factories.user(s, "responder", clock.now()))
        return add(s, factories.incident(s, clock.now(), actor=who), who, clock).id


def test_database__refuses_to_alter_evidence(db, clock):
    evidence_id = committed_evidence(db, clock)
    with pytest.raises(DatabaseError, match="immutable"):
        with db.unit_of_work() as s:
            s.execute(text("UPDATE evidence SET name = 'edited' WHERE id = :id"), {"id": evidence_id})
    with pytest.raises(DatabaseError, match="immutable"):
        with db.unit_of_work() as s:
            s.execute(text("UPDATE evidence SET content = :c WHERE id = :id"), {"id": evidence_id, "c": b"forged"})
    with db.unit_of_work(readonly=True) as s:
        assert evidence.content(s, evidence=s.get(Evidence, evidence_id)) == LOG


def test_database__refuses_to_delete_evidence_under_retention(db, clock):
    evidence_id = committed_evidence(db, clock)
    with pytest.raises(DatabaseError, match="retention"):
        with db.unit_of_work() as s:
            s.execute(text("DELETE FROM evidence WHERE id = :id"), {"id": evidence_id})
    with db.unit_of_work(readonly=True) as s:
        assert s.get(Evidence, evidence_id) is not None
