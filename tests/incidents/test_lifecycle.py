"""The lifecycle table: every allowed move succeeds, every other one is refused by name."""

from __future__ import annotations

import itertools

import pytest

from codeblue.errors import InvalidTransition
from codeblue.incidents import lifecycle
from codeblue.incidents.lifecycle import ALLOWED, Status

ALL_PAIRS = list(itertools.product(Status, Status))
REFUSED = [(a, b) for a, b in ALL_PAIRS if b not in ALLOWED[a]]
PERMITTED = [(a, b) for a, b in ALL_PAIRS if b in ALLOWED[a]]


def test_allowed_moves__match_the_documented_lifecycle():
    assert ALLOWED[Status.TRIGGERED] == {Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.IDENTIFIED,
                                         Status.MONITORING, Status.RESOLVED}
    assert ALLOWED[Status.RESOLVED] == {Status.INVESTIGATING, Status.CLOSED}
    assert ALLOWED[Status.CLOSED] == frozenset()
    assert all(Status.TRIGGERED not in targets for targets in ALLOWED.values())
    assert all(Status.ACKNOWLEDGED not in ALLOWED[s] for s in Status if s != Status.TRIGGERED)


@pytest.mark.parametrize(("src", "dst"), PERMITTED, ids=[f"{a}->{b}" for a, b in PERMITTED])
def test_check__permits_allowed_move(src, dst):
    assert lifecycle.check(src, dst) == dst


@pytest.mark.parametrize(("src", "dst"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_check__refuses_every_other_move(src, dst):
    with pytest.raises(InvalidTransition) as info:
        lifecycle.check(src, dst)
    assert f"from '{src.value}' to '{dst.value}'" in info.value.message
    assert info.value.details["allowed"] == sorted(s.value for s in ALLOWED[src])


def test_check__unknown_status_is_named():
    with pytest.raises(InvalidTransition, match="unknown status 'paused'"):
        lifecycle.check("triggered", "paused")
