"""Every rule in hipaa-breach-rules.md, as tables of facts and the deadlines they must produce."""

from __future__ import annotations

from datetime import date

import pytest

from codeblue.compliance import state_rules
from codeblue.compliance.days import add_days
from codeblue.compliance.deadlines import BreachFacts, InvalidFacts, compute_deadlines, hhs_annual_base

D = date(2026, 3, 2)  # a Monday; D + 60 days = 2026-05-01 (a Friday)
D60 = date(2026, 5, 1)


def report(**kw):
    """Deadlines for a breach discovered on D affecting 100 people, with `kw` changed."""
    kw.setdefault("individuals", 100)
    if not any(k in kw for k in ("discovered", "actual_knowledge", "reasonable_diligence", "ba_discovered")):
        kw["discovered"] = D
    return compute_deadlines(BreachFacts(**kw))


# --- Discovery (rule 5) ---------------------------------------------------------------------------

@pytest.mark.parametrize(("dates", "expected", "basis"), [
    pytest.param({"actual_knowledge": date(2026, 3, 9), "reasonable_diligence": date(2026, 3, 2)},
                 date(2026, 3, 2), "reasonable diligence", id="diligence-earlier"),
    pytest.param({"actual_knowledge": date(2026, 3, 2), "reasonable_diligence": date(2026, 3, 9)},
                 date(2026, 3, 2), "actual knowledge", id="knowledge-earlier"),
    pytest.param({"actual_knowledge": date(2026, 3, 5)}, date(2026, 3, 5), "actual knowledge", id="knowledge-only"),
    pytest.param({"reasonable_diligence": date(2026, 3, 5)}, date(2026, 3, 5), "reasonable diligence",
                 id="diligence-only"),
    pytest.param({"discovered": date(2026, 3, 5)}, date(2026, 3, 5), "discovered", id="given-directly"),
])
def test_discovery__is_the_earlier_of_actual_knowledge_and_reasonable_diligence(dates, expected, basis):
    r = report(**dates)
    assert (r.discovery_date, r.discovery_basis) == (expected, basis)
    assert r.discovery_citation == "45 CFR 164.404(a)(2)"
    assert r.individuals.base_due == add_days(expected, 60)


def test_individuals__due_60_calendar_days_after_discovery_with_citation():
    r = report()
    assert (r.individuals.due, r.individuals.base_due, r.individuals.citation) == (D60, D60, "45 CFR 164.404(b)")
    assert r.notice_required and r.reason is None


def test_individuals__a_deadline_on_a_saturday_does_not_move():
    assert report(discovered=date(2026, 3, 3)).individuals.due == date(2026, 5, 2)  # a Saturday


# --- HHS (rule 10) --------------------------------------------------------------------------------

def test_hhs__499_individuals_goes_to_the_annual_log():
    hhs = report(individuals=499).hhs
    assert (hhs.mode, hhs.due, hhs.citation) == ("annual", date(2027, 3, 1), "45 CFR 164.408(c)")


@pytest.mark.parametrize("individuals", [500, 501])
def test_hhs__500_or_more_individuals_is_contemporaneous_with_the_individual_notice(individuals):
    hhs = report(individuals=individuals).hhs
    assert (hhs.mode, hhs.due, hhs.citation) == ("contemporaneous", D60, "45 CFR 164.408(b)")


@pytest.mark.parametrize(("discovered", "expected"), [
    pytest.param(date(2027, 6, 1), date(2028, 2, 29), id="2027-then-leap-2028-feb-29"),
    pytest.param(date(2026, 6, 1), date(2027, 3, 1), id="2026-then-2027-mar-1"),
    pytest.param(date(2023, 6, 1), date(2024, 2, 29), id="2023-then-leap-2024-feb-29"),
    pytest.param(date(2024, 2, 29), date(2025, 3, 1), id="in-a-leap-year-then-mar-1"),
    pytest.param(date(2027, 12, 31), date(2028, 2, 29), id="discovered-dec-31"),
    pytest.param(date(2027, 1, 1), date(2028, 2, 29), id="discovered-jan-1"),
    pytest.param(date(2099, 5, 5), date(2100, 3, 1), id="2100-is-not-a-leap-year"),
])
def test_hhs__annual_log_is_due_60_days_after_december_31_of_the_discovery_year(discovered, expected):
    assert hhs_annual_base(discovered) == expected
    assert report(discovered=discovered, individuals=10).hhs.due == expected


# --- Media (rule 9) -------------------------------------------------------------------------------

@pytest.mark.parametrize(("per_state", "media_states"), [
    pytest.param({"CA": 500}, [], id="exactly-500-no-media"),
    pytest.param({"CA": 501}, ["CA"], id="501-media"),
    pytest.param({"CA": 300, "NV": 300}, [], id="300+300-never-summed"),
    pytest.param({"CA": 501, "TX": 600, "NY": 500, "NV": 499}, ["CA", "TX"], id="each-state-on-its-own"),
])
def test_media__only_states_with_more_than_500_residents_never_summed(per_state, media_states):
    r = report(individuals=sum(per_state.values()), per_state=per_state)
    assert [m.state for m in r.media] == media_states
    assert all((m.due, m.base_due, m.citation) == (D60, D60, "45 CFR 164.406") for m in r.media)


def test_media__300_plus_300_is_no_media_but_600_in_total_is_contemporaneous_hhs():
    r = report(individuals=600, per_state={"CA": 300, "NV": 300})
    assert r.media == () and r.hhs.mode == "contemporaneous"


# --- Substitute notice (rule 8) -------------------------------------------------------------------

@pytest.mark.parametrize(("insufficient", "expected"), [
    (0, None), (1, "alternative"), (9, "alternative"), (10, "web_or_media"), (11, "web_or_media"),
])
def test_substitute_notice__fewer_than_10_alternative_10_or_more_web_or_media(insufficient, expected):
    r = report(insufficient_contact=insufficient)
    assert r.substitute_notice == expected
    assert r.substitute_notice_citation == "45 CFR 164.404(d)(2)"


# --- Safe harbor (rule 4) -------------------------------------------------------------------------

@pytest.mark.parametrize(("flags", "required"), [
    pytest.param({"encrypted": True}, False, id="encrypted-key-safe"),
    pytest.param({"encrypted": True, "key_compromised": True}, True, id="encrypted-key-compromised"),
    pytest.param({"destroyed": True}, False, id="destroyed"),
    pytest.param({"destroyed": True, "encrypted": True, "key_compromised": True}, False, id="destroyed-wins"),
    pytest.param({}, True, id="unsecured"),
])
def test_safe_harbor__encrypted_with_a_safe_key_or_destroyed_needs_no_notice(flags, required):
    r = report(individuals=5000, per_state={"CA": 5000}, **flags)
    assert r.notice_required is required
    if required:
        assert r.individuals.due == D60 and r.media
    else:
        assert r.reason and "secured" in r.reason
        assert r.discovery_date is None and r.individuals.due is None and r.hhs.due is None
        assert r.media == () and r.states == () and r.business_associate is None
        assert r.earliest_individual_due is None and r.substitute_notice is None


def test_safe_harbor__a_compromised_key_is_recorded_as_unsecured():
    assert any("key was compromised" in n for n in report(encrypted=True, key_compromised=True).notes)


def test_safe_harbor__needs_no_discovery_date():
    assert not compute_deadlines(BreachFacts(individuals=10, destroyed=True)).notice_required


# --- Business associate (rule 11) -----------------------------------------------------------------

BA = date(2026, 2, 20)


@pytest.mark.parametrize(("kw", "discovery", "relationship", "assumed"), [
    pytest.param({"ba_relationship": "agent"}, BA, "agent", False, id="agent-imputed"),
    pytest.param({}, BA, "agent", True, id="no-relationship-agent-assumed"),
    pytest.param({"ba_relationship": "agent", "ba_notified_ce": date(2026, 3, 20)}, BA, "agent", False,
                 id="agent-notification-date-ignored"),
    pytest.param({"ba_relationship": "independent", "ba_notified_ce": date(2026, 3, 20)}, date(2026, 3, 20),
                 "independent", False, id="independent-from-notification"),
    pytest.param({"ba_relationship": "independent"}, None, "independent", False, id="independent-unknown"),
])
def test_business_associate__agent_imputes_discovery_independent_starts_at_notification(
        kw, discovery, relationship, assumed):
    r = compute_deadlines(BreachFacts(individuals=100, ba_discovered=BA, **kw))
    ba = r.business_associate
    assert (ba.due, ba.citation, ba.relationship, ba.relationship_assumed) == (
        date(2026, 4, 21), "45 CFR 164.410", relationship, assumed)
    assert r.discovery_date == discovery
    assert r.individuals.due == (add_days(discovery, 60) if discovery else None)
    if assumed:
        assert any("agent" in n and "record this choice" in n for n in r.notes)
    if discovery is None:
        assert r.discovery_basis.startswith("unknown") and any("unknown" in n for n in r.notes)
        assert r.hhs.mode == "annual" and r.hhs.due is None and r.earliest_individual_due is None


def test_business_associate__the_earlier_of_the_ce_and_imputed_agent_discovery_wins():
    r = compute_deadlines(BreachFacts(individuals=1, discovered=D, ba_discovered=BA, ba_relationship="agent"))
    assert r.discovery_date == BA
    r = compute_deadlines(BreachFacts(individuals=1, discovered=D, ba_discovered=BA, ba_relationship="independent"))
    assert r.discovery_date == D and any("own knowledge" in n for n in r.notes)


def test_business_associate__none_without_a_ba():
    assert report().business_associate is None


# --- Law-enforcement delay (rule 12): discovery D, every base deadline D + 60 = 2026-05-01 ------------

@pytest.mark.parametrize(("le", "due"), [
    pytest.param({"le_written": date(2026, 3, 10), "le_written_until": date(2026, 6, 30)}, date(2026, 6, 30),
                 id="written-period"),
    pytest.param({"le_written": date(2026, 3, 10), "le_written_until": date(2026, 4, 1)}, D60,
                 id="written-period-ending-before-the-deadline"),
    pytest.param({"le_oral": date(2026, 4, 21)}, date(2026, 5, 21), id="oral-capped-at-30-days"),
    pytest.param({"le_oral": date(2026, 3, 10)}, D60, id="oral-30-days-ending-before-the-deadline"),
    pytest.param({"le_oral": date(2026, 4, 21), "le_written": date(2026, 5, 11),
                  "le_written_until": date(2026, 7, 31)}, date(2026, 7, 31), id="oral-then-written-in-window"),
    pytest.param({"le_oral": date(2026, 4, 21), "le_written": date(2026, 5, 21),
                  "le_written_until": date(2026, 7, 31)}, date(2026, 7, 31), id="written-on-the-30th-day"),
    pytest.param({"le_oral": date(2026, 4, 21), "le_written": date(2026, 5, 25),
                  "le_written_until": date(2026, 7, 31)}, date(2026, 5, 21), id="written-after-window-and-due"),
    pytest.param({"le_oral": date(2026, 3, 10), "le_written": date(2026, 4, 20),
                  "le_written_until": date(2026, 6, 30)}, date(2026, 6, 30), id="written-after-window-before-due"),
    pytest.param({"le_written": date(2026, 5, 5), "le_written_until": date(2026, 6, 30)}, D60,
                 id="statement-after-the-notice-fell-due"),
])
def test_law_enforcement__due_is_the_later_of_the_deadline_and_the_end_of_the_delay(le, due):
    r = report(individuals=600, per_state={"CA": 600}, ba_discovered=D, **le)
    for notice in (r.individuals, r.hhs, r.media[0], r.business_associate):
        assert (notice.due, notice.base_due, notice.delayed) == (due, D60, due != D60)
    assert r.law_enforcement_delay.citation == "45 CFR 164.412"
    assert any("counsel" in n for n in r.notes)


@pytest.mark.parametrize(("le", "basis", "ends"), [
    ({"le_written": date(2026, 3, 10), "le_written_until": date(2026, 6, 30)}, "written statement",
     date(2026, 6, 30)),
    ({"le_oral": date(2026, 4, 21)}, "oral statement (at most 30 days)", date(2026, 5, 21)),
    ({"le_oral": date(2026, 4, 21), "le_written": date(2026, 5, 11), "le_written_until": date(2026, 7, 31)},
     "oral statement, then a written one within 30 days", date(2026, 7, 31)),
])
def test_law_enforcement__the_delay_and_its_form_are_reported(le, basis, ends):
    delay = report(**le).law_enforcement_delay
    assert (delay.basis, delay.ends) == (basis, ends)


def test_law_enforcement__oral_statement_asks_to_document_the_official():
    assert any("identity of the official" in n for n in report(le_oral=D).notes)


def test_law_enforcement__the_annual_hhs_log_keeps_its_later_deadline():
    hhs = report(individuals=10, le_oral=date(2026, 4, 21)).hhs
    assert (hhs.due, hhs.delayed) == (date(2027, 3, 1), False)


def test_law_enforcement__state_deadlines_are_not_delayed_and_say_so():
    r = report(per_state={"CA": 10}, le_written=D, le_written_until=date(2026, 8, 1))
    assert r.states[0].due == date(2026, 4, 1) and r.earliest_individual_due == date(2026, 4, 1)
    assert any("state deadlines are shown without" in n for n in r.notes)


# --- State rules (rule 15) ------------------------------------------------------------------------

def test_states__california_30_days_beats_hipaa_60_and_both_are_shown():
    r = report(per_state={"CA": 100})
    assert r.individuals.due == D60
    (ca,) = r.states
    assert (ca.state, ca.due, ca.citation) == ("CA", date(2026, 4, 1), "Cal. Civ. Code 1798.82")
    assert (r.earliest_individual_due, r.earliest_individual_citation) == (date(2026, 4, 1), "Cal. Civ. Code 1798.82")


@pytest.mark.parametrize(("state", "residents", "due", "regulator_due", "citation"), [
    pytest.param("CA", 500, date(2026, 4, 1), None, "Cal. Civ. Code 1798.82", id="CA-500-no-AG"),
    pytest.param("CA", 501, date(2026, 4, 1), date(2026, 4, 16), "Cal. Civ. Code 1798.82", id="CA-501-AG-15-after"),
    pytest.param("CO", 499, date(2026, 4, 1), None, "Colo. Rev. Stat. 6-1-716", id="CO-499-no-AG"),
    pytest.param("CO", 500, date(2026, 4, 1), date(2026, 4, 1), "Colo. Rev. Stat. 6-1-716", id="CO-500-AG"),
    pytest.param("FL", 499, date(2026, 4, 1), None, "Fla. Stat. 501.171", id="FL-499-no-DLA"),
    pytest.param("FL", 500, date(2026, 4, 1), date(2026, 4, 1), "Fla. Stat. 501.171", id="FL-500-DLA"),
    pytest.param("WA", 500, date(2026, 4, 1), None, "RCW 19.255", id="WA-500-no-AG"),
    pytest.param("WA", 501, date(2026, 4, 1), date(2026, 4, 1), "RCW 19.255", id="WA-501-AG"),
    pytest.param("TX", 249, D60, None, "Tex. Bus. & Com. Code 521.053", id="TX-249-no-AG"),
    pytest.param("TX", 250, D60, date(2026, 4, 1), "Tex. Bus. & Com. Code 521.053", id="TX-250-AG"),
    pytest.param("NY", 1, date(2026, 4, 1), date(2026, 4, 1), "N.Y. Gen. Bus. Law 899-aa", id="NY-any-AG-DoS-police"),
])
def test_states__individual_and_regulator_deadlines(state, residents, due, regulator_due, citation):
    (s,) = report(individuals=residents, per_state={state: residents}).states
    assert (s.state, s.due, s.regulator_due, s.citation) == (state, due, regulator_due, citation)
    assert all(reg.citation == citation for reg in s.regulators)


@pytest.mark.parametrize(("individuals", "hhs_ag_due"), [
    pytest.param(600, date(2026, 5, 8), id="5-business-days-after-contemporaneous-hhs"),
    pytest.param(10, date(2027, 3, 8), id="5-business-days-after-the-annual-log"),
])
def test_states__new_york_hipaa_entities_tell_the_ag_within_5_business_days_of_hhs(individuals, hhs_ag_due):
    (ny,) = report(individuals=individuals, per_state={"NY": 10}).states
    assert [r.due for r in ny.regulators] == [date(2026, 4, 1), hhs_ag_due]


@pytest.mark.parametrize(("discovered", "due"), [
    pytest.param(D, date(2026, 3, 23), id="monday-over-two-weekends"),
    pytest.param(date(2026, 3, 6), date(2026, 3, 27), id="friday-over-three-weekends"),
    pytest.param(date(2026, 3, 7), date(2026, 3, 27), id="saturday-counts-from-monday"),
])
def test_states__california_health_and_safety_15_business_days_skip_weekends(discovered, due):
    r = report(discovered=discovered, per_state={"CA": 10}, licensed_facility=True)
    hs = next(s for s in r.states if s.citation == "Cal. Health & Safety Code 1280.15")
    assert (hs.due, hs.regulator_due) == (due, due)  # CDPH: same period
    assert r.earliest_individual_due == due


def test_states__california_health_and_safety_only_for_licensed_facilities():
    r = report(per_state={"CA": 10})
    assert [s.citation for s in r.states] == ["Cal. Civ. Code 1798.82"]
    assert any("licensed clinics" in n for n in r.notes)


def test_states__california_30_day_rule_is_not_applied_before_it_took_effect():
    r = report(discovered=date(2025, 12, 31), per_state={"CA": 10})
    assert r.states == () and any("2026-01-01" in n for n in r.notes)
    assert report(discovered=date(2026, 1, 1), per_state={"CA": 10}).states[0].due == date(2026, 1, 31)


def test_states__a_tie_with_hipaa_names_both_citations():
    r = report(per_state={"TX": 10})
    assert r.earliest_individual_due == D60
    assert r.earliest_individual_citation == "45 CFR 164.404(b); Tex. Bus. & Com. Code 521.053"


def test_states__earliest_is_the_minimum_over_every_state_and_hipaa():
    r = report(individuals=30, per_state={"TX": 10, "CA": 10, "OH": 10}, licensed_facility=True)
    assert r.earliest_individual_due == min([r.individuals.due] + [s.due for s in r.states]) == date(2026, 3, 23)
    assert r.states_without_rules == ("OH",) and any("OH" in n for n in r.notes)


def test_states__rules_are_editable_data():
    custom = state_rules.parse_state_rules("""
version: 1
rules:
  - {state: OH, name: Ohio, citation: Ohio Rev. Code 1349.19, individuals: {days: 45, after: discovery}}
""")
    r = compute_deadlines(BreachFacts(individuals=10, discovered=D, per_state={"OH": 10}), custom)
    assert [(s.state, s.due, s.citation) for s in r.states] == [("OH", date(2026, 4, 16), "Ohio Rev. Code 1349.19")]


def test_states__missing_per_state_counts_are_flagged():
    assert any("no per-state resident counts" in n for n in report().notes)
    assert any("40 individuals have no state" in n for n in report(per_state={"CA": 60}).notes)


# --- Days, the rules file, and the facts' own checks ----------------------------------------------

@pytest.mark.parametrize(("start", "days", "business", "expected"), [
    (date(2026, 3, 6), 1, True, date(2026, 3, 9)),  # Friday + 1 business day = Monday
    (date(2026, 3, 7), 1, True, date(2026, 3, 9)),  # Saturday
    (date(2026, 3, 6), 5, True, date(2026, 3, 13)),
    (date(2026, 3, 6), 0, True, date(2026, 3, 6)),
    (date(2026, 3, 6), 1, False, date(2026, 3, 7)),  # calendar days land on weekends
])
def test_days__business_days_skip_weekends_calendar_days_do_not(start, days, business, expected):
    assert add_days(start, days, business=business) == expected


def test_state_rules__the_shipped_file_has_the_reference_examples():
    rules = state_rules.load_state_rules()
    assert [r.state for r in rules.rules] == ["CA", "CA", "CO", "FL", "WA", "TX", "NY"]
    assert all(r.citation for r in rules.rules)


@pytest.mark.parametrize(("yaml_text", "message"), [
    pytest.param("version: 1\nrules: [{state: ca, name: x, citation: y, individuals: {days: 1, after: discovery}}]",
                 "rules.0.state", id="lower-case-state"),
    pytest.param("version: 1\nrules: [{state: CA, name: x, citation: y, individuals: {days: 1, after: hhs_notice}}]",
                 "individuals.after", id="individuals-not-from-discovery"),
    pytest.param("version: 1\nrules: [{state: CA, name: x, citation: y, individuals: {days: -1, after: discovery}}]",
                 "days", id="negative-days"),
    pytest.param("version: 1\nrules: [{state: CA, name: x, citation: y, individuals: {days: 1, after: discovery},"
                 " regulators: [{name: AG, citation: z, when: {more_than: 1, at_least: 2},"
                 " period: {days: 1, after: discovery}}]}]", "exactly one", id="two-thresholds"),
    pytest.param("version: 1\nrules: [{state: CA, name: x, citation: y, individuals: {days: 1, after: discovery},"
                 " typo: 1}]", "typo", id="unknown-key"),
    pytest.param("version: 1\nrules: [{state: CA, name: x, individuals: {days: 1, after: discovery}}]",
                 "citation", id="missing-citation"),
    pytest.param("rules: [", "not valid YAML", id="bad-yaml"),
])
def test_state_rules__invalid_files_are_rejected_with_where(yaml_text, message):
    with pytest.raises(state_rules.StateRulesError, match="test.yaml") as exc:
        state_rules.parse_state_rules(yaml_text, "test.yaml")
    assert message in str(exc.value)


@pytest.mark.parametrize(("kw", "message"), [
    ({"individuals": -1}, "individuals must be"),
    ({"insufficient_contact": -1}, "insufficient_contact must be"),
    ({"insufficient_contact": 101}, "cannot exceed"),
    ({"per_state": {"CA": 60, "NV": 60}}, "add up to 120"),
    ({"per_state": {"California": 1}}, "two-letter"),
    ({"key_compromised": True}, "only to encrypted"),
    ({"le_written": D}, "written law-enforcement statement needs"),
    ({"le_written": D, "le_written_until": date(2026, 3, 1)}, "ends before"),
    ({"ba_relationship": "agent"}, "BA discovery date"),
    ({"ba_discovered": D, "ba_notified_ce": date(2026, 3, 1)}, "cannot notify"),
    ({"discovered": None}, "discovery date is needed"),
])
def test_facts__contradictions_are_refused(kw, message):
    kw = {"individuals": 100, "discovered": D, **kw}
    with pytest.raises(InvalidFacts, match=message):
        BreachFacts(**kw)
