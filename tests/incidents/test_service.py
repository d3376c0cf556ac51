"""Incident operations: classification from the pack, transitions, and a timeline entry per change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from codeblue.auth.permissions import Role
from codeblue.errors import BadInput, Forbidden, InvalidTransition, NotFound
from codeblue.incidents import service as incidents
from codeblue.incidents.schemas import IncidentPatch
from tests import factories


@pytest.fixture
def people(db, session, clock):
    factories.seed(db, clock.now())
    return {role.value: factories.user(session, role, clock.now()) for role in Role}


@pytest.fixture
def commander(people):
    return factories.actor_for(people["commander"])


def kinds(session, incident):
    return [e.kind for e in incidents.timeline(session, incident=incident)]


def test_create__classifies_by_the_services_pack(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander, facts={"error_rate_pct": 12})
    assert (inc.severity, inc.type) == ("P1", "high_error_rate")
    assert inc.classification_rule is not None
    assert "10%" in inc.classification_reason
    assert inc.status == "triggered" and inc.detected_at == clock.now()
    assert kinds(session, inc) == ["created", "classified"]


def test_create__without_facts_falls_back_to_the_pack_default(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander)
    pack = incidents.pack_of(inc)
    assert (inc.severity, inc.type) == (pack.default_severity, pack.default_type)
    assert inc.classification_rule is None
    assert "no classification rule matched" in inc.classification_reason


def test_create__explicit_severity_and_type_win_over_rules(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander, severity="P3", type="api_down",
                             facts={"phi_exposure": True})
    assert (inc.severity, inc.type) == ("P3", "api_down")
    assert "set by commander@example.org" in inc.classification_reason


def test_create__phi_rule_raises_the_phi_flag_on_the_timeline(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander, facts={"phi_exposure": True})
    assert inc.severity == "P0" and inc.phi_suspected
    assert kinds(session, inc) == ["created", "classified", "flag_changed"]


def test_create__user_report_names_the_reporter(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander, source="user_report", reporter="nurse@clinic.org")
    first = incidents.timeline(session, incident=inc)[0]
    assert "reported by nurse@clinic.org" in first.summary


@pytest.mark.parametrize(
    ("service", "field", "value", "message"),
    [
        ("no-such-service", "type", None, "no service 'no-such-service'"),
        (factories.CRM, "type", "volcano", "'volcano' is not an incident type"),
    ],
)
def test_create__refuses_unknown_references(session, clock, commander, service, field, value, message):
    with pytest.raises((NotFound, BadInput), match=message):
        factories.incident(session, clock.now(), actor=commander, service=service, **{field: value})


def test_create__viewer_may_not(session, clock, people):
    with pytest.raises(Forbidden):
        factories.incident(session, clock.now(), actor=factories.actor_for(people["viewer"]))


def test_acknowledge__records_who_and_how_long(session, clock, commander, people):
    inc = factories.incident(session, clock.now(), actor=commander)
    responder = factories.actor_for(people["responder"])
    clock.advance(timedelta(minutes=3))
    incidents.acknowledge(session, incident=inc, actor=responder, now=clock.now())
    assert inc.status == "acknowledged" and inc.acknowledged_at == clock.now()
    entry = incidents.timeline(session, incident=inc)[-1]
    assert (entry.kind, entry.actor, entry.data["seconds_to_acknowledge"]) == ("acknowledged", "responder@example.org", 180)


def test_acknowledge__twice_is_refused_with_the_first_time(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander)
    incidents.acknowledge(session, incident=inc, actor=commander, now=clock.now())
    with pytest.raises(InvalidTransition, match="cannot be acknowledged: it is acknowledged"):
        incidents.acknowledge(session, incident=inc, actor=commander, now=clock.now())


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_acknowledge_and_resolve__refused_once_resolved(session, clock, commander, status):
    inc = factories.incident(session, clock.now(), actor=commander)
    incidents.resolve(session, incident=inc, actor=commander, now=clock.now())
    if status == "closed":
        factories.complete_review(session, inc, clock.now(), actor=commander)
        incidents.transition(session, incident=inc, to="closed", actor=commander, now=clock.now())
    with pytest.raises(InvalidTransition):
        incidents.acknowledge(session, incident=inc, actor=commander, now=clock.now())
    with pytest.raises(InvalidTransition, match="cannot be resolved"):
        incidents.resolve(session, incident=inc, actor=commander, now=clock.now())


def test_transition__stamps_mitigated_resolved_closed_and_reopen_clears_resolved(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander)
    for step, status in enumerate(["investigating", "identified", "monitoring", "resolved", "investigating",
                                   "resolved", "closed"], start=1):
        if status == "closed":
            factories.complete_review(session, inc, clock.now(), actor=commander)
        incidents.transition(session, incident=inc, to=status, actor=commander, now=clock.now() + timedelta(minutes=step))
    assert inc.acknowledged_at == clock.now() + timedelta(minutes=1)  # leaving triggered acknowledges
    assert inc.mitigated_at == clock.now() + timedelta(minutes=3)
    assert inc.resolved_at == clock.now() + timedelta(minutes=6)
    assert inc.closed_at == clock.now() + timedelta(minutes=7)
    assert kinds(session, inc).count("status_changed") == 5 and kinds(session, inc).count("resolved") == 2


def test_transition__closed_is_final(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander)
    incidents.resolve(session, incident=inc, actor=commander, now=clock.now())
    factories.complete_review(session, inc, clock.now(), actor=commander)
    incidents.transition(session, incident=inc, to="closed", actor=commander, now=clock.now())
    with pytest.raises(InvalidTransition, match="closed is final"):
        incidents.transition(session, incident=inc, to="investigating", actor=commander, now=clock.now())


def test_transition__responder_may_not_close(session, clock, commander, people):
    inc = factories.incident(session, clock.now(), actor=commander)
    incidents.resolve(session, incident=inc, actor=commander, now=clock.now())
    with pytest.raises(Forbidden):
        incidents.transition(session, incident=inc, to="closed", actor=factories.actor_for(people["responder"]),
                             now=clock.now())


def test_change_severity__needs_a_reason_and_is_on_the_timeline(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander, severity="P2", type="general")
    with pytest.raises(BadInput, match="needs a reason"):
        incidents.change_severity(session, incident=inc, severity="P0", reason=None, actor=commander, now=clock.now())
    incidents.change_severity(session, incident=inc, severity="P0", reason="all regions down", actor=commander,
                              now=clock.now())
    entry = incidents.timeline(session, incident=inc)[-1]
    assert inc.severity == "P0"
    assert (entry.kind, entry.data) == ("severity_changed", {"from": "P2", "to": "P0", "reason": "all regions down",
                                                             "manual": True})


def test_change_severity__responder_may_not(session, clock, commander, people):
    inc = factories.incident(session, clock.now(), actor=commander)
    with pytest.raises(Forbidden):
        incidents.change_severity(session, incident=inc, severity="P0", reason="x",
                                  actor=factories.actor_for(people["responder"]), now=clock.now())


def test_update__every_change_appends_its_own_entry(session, clock, commander, people):
    inc = factories.incident(session, clock.now(), actor=commander, severity="P2", type="general")
    patch = IncidentPatch(
        title="Video visits failing", description="Twilio rooms time out", severity="P1", type="api_down",
        user_facing=False, phi_suspected=True, roles={"commander": "commander@example.org",
                                                      "scribe": "responder@example.org"},
        status="investigating", reason="customer reports",
    )
    incidents.update(session, incident=inc, patch=patch, actor=commander, now=clock.now())
    assert kinds(session, inc)[2:] == ["title_changed", "description_changed", "severity_changed", "type_changed",
                                      "flag_changed", "flag_changed", "role_assigned", "role_assigned",
                                      "status_changed"]
    assert {r.role: r.user.email for r in inc.roles} == {"commander": "commander@example.org",
                                                         "scribe": "responder@example.org"}
    incidents.update(session, incident=inc, patch=IncidentPatch(roles={"scribe": None}), actor=commander, now=clock.now())
    assert kinds(session, inc)[-1] == "role_removed" and [r.role for r in inc.roles] == ["commander"]


def test_update__each_entry_says_who_and_when(session, clock, commander, people):
    inc = factories.incident(session, clock.now(), actor=commander, severity="P2", type="general")
    clock.advance(timedelta(minutes=7))
    incidents.update(session, incident=inc, patch=IncidentPatch(severity="P1", reason="spreading", status="investigating"),
                     actor=commander, now=clock.now())
    changed = incidents.timeline(session, incident=inc)[-2:]
    assert [(e.kind, e.actor, e.actor_user_id, e.at) for e in changed] == [
        ("severity_changed", commander.label, commander.user_id, clock.now()),
        ("status_changed", commander.label, commander.user_id, clock.now())]
    assert changed[0].data["reason"] == "spreading"


def test_update__unchanged_values_add_nothing(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander, severity="P2", type="general")
    before = kinds(session, inc)
    incidents.update(session, incident=inc, patch=IncidentPatch(severity="P2", title=inc.title, type="general"),
                     actor=commander, now=clock.now())
    assert kinds(session, inc) == before


def test_update__unknown_user_for_a_role_is_not_found(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander)
    with pytest.raises(NotFound, match="no user with email 'ghost@example.org'"):
        incidents.update(session, incident=inc, patch=IncidentPatch(roles={"commander": "ghost@example.org"}),
                         actor=commander, now=clock.now())


def test_phi_flag__responder_may_raise_but_only_compliance_may_clear(session, clock, commander, people):
    inc = factories.incident(session, clock.now(), actor=commander)
    responder = factories.actor_for(people["responder"])
    incidents.set_flag(session, incident=inc, flag="phi_suspected", value=True, actor=responder, now=clock.now())
    with pytest.raises(Forbidden):
        incidents.set_flag(session, incident=inc, flag="phi_suspected", value=False, actor=responder, now=clock.now())
    incidents.set_flag(session, incident=inc, flag="phi_suspected", value=False, reason="logs show no PHI",
                       actor=factories.actor_for(people["compliance"]), now=clock.now())
    assert not inc.phi_suspected
    assert incidents.timeline(session, incident=inc)[-1].summary == "Cleared PHI suspected: logs show no PHI"


def test_add_note__is_on_the_timeline_with_its_author(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander)
    incidents.add_note(session, incident=inc, text="Rolled back deploy 4812", actor=commander, now=clock.now())
    entry = incidents.timeline(session, incident=inc)[-1]
    assert (entry.kind, entry.actor, entry.summary) == ("note", "commander@example.org", "Rolled back deploy 4812")


def test_list_incidents__filters_and_counts(session, clock, commander):
    a = factories.incident(session, clock.now(), actor=commander, severity="P0", type="api_down")
    factories.incident(session, clock.now() + timedelta(seconds=1), actor=commander, severity="P2", type="general",
                       service=factories.IVR)
    incidents.resolve(session, incident=a, actor=commander, now=clock.now(), override_reason="verified by hand")
    items, total = incidents.list_incidents(session, open_only=True)
    assert total == 1 and items[0].service.slug == factories.IVR
    items, total = incidents.list_incidents(session, severity="P0")
    assert [i.ref for i in items] == [a.ref]
    items, total = incidents.list_incidents(session, service=factories.CRM, status="resolved")
    assert total == 1
