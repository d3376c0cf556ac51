"""From a case's facts to the notices it tracks, and how long breach records are kept: pure tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from codeblue.compliance import notices, retention
from codeblue.compliance.deadlines import compute_deadlines
from codeblue.errors import RetentionHold

D = date(2026, 3, 2)


def case(**kw):
    base = dict(individuals_total=100, individuals_per_state={}, insufficient_contact=0, encrypted=False,
                key_compromised=False, destroyed=False, le_oral_on=None, le_written_on=None, le_written_until=None,
                licensed_facility=False, actual_knowledge_on=D, reasonable_diligence_on=None,
                entity_role="covered_entity", ba_relationship=None, ba_discovered_on=None, ba_notified_ce_on=None)
    return SimpleNamespace(**{**base, **kw})


def planned(**kw):
    c = case(**kw)
    return {p.key: p for p in notices.plan(compute_deadlines(notices.facts_for(c).facts),
                                           entity_role=c.entity_role, deceased=kw.get("deceased", 0))}


@pytest.mark.parametrize(("total", "hhs_due", "citation"), [
    (499, date(2027, 3, 1), "45 CFR 164.408(c)"),
    (500, date(2026, 5, 1), "45 CFR 164.408(b)"),
    (501, date(2026, 5, 1), "45 CFR 164.408(b)"),
])
def test_plan__hhs_at_499_500_501(total, hhs_due, citation):
    hhs = planned(individuals_total=total)["hhs"]
    assert (hhs.due, hhs.citation) == (hhs_due, citation)


def test_plan__media_per_state_never_summed():
    keys = planned(individuals_total=1500, individuals_per_state={"CA": 501, "NV": 500, "TX": 499})
    assert [k for k in keys if k.startswith("media:")] == ["media:CA"]


@pytest.mark.parametrize(("insufficient", "note"), [(9, "alternative written notice"), (10, "web posting")])
def test_plan__substitute_notice_at_9_and_10(insufficient, note):
    sub = planned(insufficient_contact=insufficient)["substitute"]
    assert note in sub.note and sub.citation == "45 CFR 164.404(d)(2)" and sub.due == date(2026, 5, 1)


def test_plan__uncounted_individuals_track_the_earlier_hhs_deadline():
    facts = notices.facts_for(case(individuals_total=None, individuals_per_state={"CA": 700}))
    assert facts.facts.individuals == 700 and facts.assumptions
    assert notices.facts_for(case(individuals_total=None)).facts.individuals == 500


def test_plan__secured_phi_owes_nothing():
    assert planned(encrypted=True) == {}
    assert "individuals" in planned(encrypted=True, key_compromised=True)


@pytest.mark.parametrize(("relationship", "discovery"), [("agent", date(2026, 2, 20)), ("independent", D)])
def test_plan__covered_entity_tracks_the_business_associates_notice(relationship, discovery):
    p = planned(ba_discovered_on=date(2026, 2, 20), ba_relationship=relationship)
    assert p["business_associate"].due == date(2026, 4, 21)
    assert p["individuals"].base_due == date.fromordinal(discovery.toordinal() + 60)


def test_plan__as_the_business_associate_only_the_notice_to_the_covered_entity():
    p = planned(entity_role="business_associate", ba_relationship="agent")
    assert list(p) == ["business_associate"] and p["business_associate"].due == date(2026, 5, 1)


def test_plan__law_enforcement_delay_moves_due_and_keeps_base_due():
    p = planned(le_oral_on=date(2026, 4, 21))
    assert (p["individuals"].due, p["individuals"].base_due) == (date(2026, 5, 21), date(2026, 5, 1))


def test_plan__keys_stay_stable_so_recomputing_updates_instead_of_adding():
    a = planned(individuals_per_state={"NY": 10}, individuals_total=10)
    b = planned(individuals_per_state={"NY": 10}, individuals_total=10, actual_knowledge_on=date(2026, 3, 1))
    assert set(a) == set(b) and a["individuals"].due != b["individuals"].due


T = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(("created", "changed", "until"), [
    (T, T, datetime(2032, 3, 10, 14, 0, tzinfo=UTC)),
    (T, T.replace(year=2027), datetime(2033, 3, 10, 14, 0, tzinfo=UTC)),
    (datetime(2028, 2, 29, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC), datetime(2034, 3, 1, tzinfo=UTC)),
])
def test_retention__six_years_from_the_later_of_creation_and_last_change(created, changed, until):
    assert retention.retained_until(created_at=created, last_changed=changed) == until
    with pytest.raises(RetentionHold, match="164.530"):
        retention.check_deletable("x", created_at=created, last_changed=changed, now=until - timedelta(seconds=1))
    retention.check_deletable("x", created_at=created, last_changed=changed, now=until)
