"""The chain's verifier as a pure function: a chain, a change to it, and the first problem it names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from codeblue.audit import chain

T = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def build(n: int) -> list[chain.Link]:
    links, prev = [], chain.GENESIS
    for seq in range(1, n + 1):
        c = chain.Content(seq=seq, at=T, actor="a", actor_user_id=None, action="x", subject_type="s",
                          subject_id=str(seq), before_json=None, after_json='{"n":%d}' % seq, prev_hash=prev)
        h = chain.content_hash(c)
        links.append(chain.Link(seq=seq, id=seq + 100, prev_hash=prev, hash=h, recomputed=h))
        prev = h
    return links


def head(links):
    return (links[-1].seq, links[-1].hash) if links else (0, chain.GENESIS)


def test_intact_chain__no_problem():
    links = build(5)
    assert chain.first_problem(links, head(links)) == (5, None)
    assert chain.first_problem([], (0, chain.GENESIS)) == (0, None)
    assert chain.first_problem([], None) == (0, None)


def test_content_hash__covers_every_field():
    base = chain.Content(seq=1, at=T, actor="a", actor_user_id=1, action="x", subject_type="s", subject_id="1",
                         before_json=None, after_json="{}", prev_hash=chain.GENESIS)
    h = chain.content_hash(base)
    for field, value in [("seq", 2), ("at", T.replace(microsecond=1)), ("actor", "b"), ("actor_user_id", 2),
                         ("action", "y"), ("subject_type", "t"), ("subject_id", "2"), ("before_json", "{}"),
                         ("after_json", "[]"), ("prev_hash", "f" * 64)]:
        assert chain.content_hash(replace(base, **{field: value})) != h, field


def _edit(links, i):
    links[i] = replace(links[i], recomputed="e" * 64)


def _rehash(links, i):
    links[i] = replace(links[i], hash="e" * 64, recomputed="e" * 64)


@pytest.mark.parametrize(("tamper", "kind", "seq"), [
    pytest.param(lambda ls: _edit(ls, 2), "edited", 3, id="content-edited"),
    pytest.param(lambda ls: _edit(ls, 4), "edited", 5, id="last-entry-edited"),
    pytest.param(lambda ls: _rehash(ls, 1), "edited", 2, id="edited-and-rehashed"),
    pytest.param(lambda ls: ls.pop(2), "deleted", 3, id="middle-deleted"),
    pytest.param(lambda ls: ls.pop(0), "deleted", 1, id="first-deleted"),
    pytest.param(lambda ls: ls.pop(), "deleted", 5, id="last-deleted-the-head-says-so"),
    pytest.param(lambda ls: ls.insert(2, chain.Link(seq=3, id=999, prev_hash="1" * 64, hash="2" * 64,
                                                    recomputed="3" * 64)), "inserted", 3, id="duplicate-number"),
    pytest.param(lambda ls: ls.append(chain.Link(seq=6, id=999, prev_hash="1" * 64, hash="2" * 64,
                                                 recomputed="3" * 64)), "inserted", 6, id="forged-at-the-end"),
])
def test_tampering__names_the_first_entry_changed(tamper, kind, seq):
    links = build(5)
    h = head(links)
    tamper(links)
    count, problem = chain.first_problem(links, h)
    assert (problem.kind, problem.seq) == (kind, seq), problem
    assert f"#{seq}" in problem.message and kind in problem.message


def test_tampering__a_perfectly_forged_tail_entry_still_shows_against_the_head():
    links = build(6)
    count, problem = chain.first_problem(links, head(links[:5]))
    assert (problem.kind, problem.seq) == ("inserted", 6)


def test_tampering__a_deleted_head_record_is_reported():
    assert chain.first_problem(build(2), None)[1].kind == "deleted"
