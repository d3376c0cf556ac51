"""Classification: the per-pack verdict cache never answers differently from evaluating the rules afresh."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeblue.policy import loader, rules


@pytest.fixture(scope="module")
def packs():
    return loader.load_all()


def _fresh(pack, facts):
    return rules._first_match(pack, [(r, rules.compile_condition(r.when)) for r in pack.classification], facts)


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 120), st.floats(-5, 120, allow_nan=False),
                   st.sampled_from(["down", "true", "false", "FAILED", "12%", "critical", "yes", "HIGH", ""]),
                   st.dictionaries(st.sampled_from(["label", "Severity"]), st.text(max_size=5), max_size=2))


@pytest.mark.parametrize("name", ["telehealth-crm", "healthcare-ivr"])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_classify__cached_verdict_equals_a_fresh_evaluation(packs, name, data):
    pack = packs[name]
    reads = sorted(rules._compiled_of(pack).reads) + ["instance", "noise"]
    facts = data.draw(st.dictionaries(st.sampled_from(reads), VALUES, max_size=6))
    first = rules.classify(pack, facts)
    assert first == _fresh(pack, facts) == rules.classify(pack, dict(facts))


def test_classify__a_fact_no_rule_reads_shares_the_verdict_but_a_bool_is_not_a_number(packs):
    pack = packs["telehealth-crm"]
    a = rules.classify(pack, {"error_rate_pct": 12, "instance": "a"})
    assert rules.classify(pack, {"error_rate_pct": 12, "instance": "b"}) is a
    assert rules.classify(pack, {"error_rate_pct": True}) == _fresh(pack, {"error_rate_pct": True})
