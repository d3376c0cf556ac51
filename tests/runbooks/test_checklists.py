"""Checklists live on the incident: attached by the pack, ticked by people and by what the timeline shows,
and required to resolve a P0/P1 unless someone overrides with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from codeblue.auth.actor import SYSTEM, Actor
from codeblue.errors import Conflict, Forbidden, NotFound
from codeblue.incidents import service as incidents
from codeblue.runbooks import service as runbooks
from tests import factories


@pytest.fixture
def people(db, session, clock):
    factories.seed(db, clock.now())
    now = clock.now()
    return {role: factories.actor_for(factories.user(session, role, now))
            for role in ("viewer", "responder", "commander", "admin")}


def states(session, incident, clock):
    return {(r.checklist_id, r.item_id): r for r in runbooks.checklists(session, incident=incident, now=clock.now())}


def lists(session, incident, clock):
    return sorted({key[0] for key in states(session, incident, clock)})


def test_attach__a_new_incident_gets_the_checklists_its_pack_always_attaches(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["responder"])
    assert lists(session, incident, clock) == ["during_incident", "information_gathering", "initial_response",
                                               "post_incident", "recovery_verification"]
    assert not any(r.done for r in states(session, incident, clock).values()
                   if r.checklist_id == "recovery_verification")


def test_attach__a_type_brings_its_own_checklists(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["commander"], service=factories.IVR,
                                  severity="P0", type="data_breach")
    assert {"data_breach_response", "hipaa_breach_assessment"} <= set(lists(session, incident, clock))


def test_type_change__adds_the_new_types_checklists_and_keeps_what_was_ticked(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["commander"], service=factories.IVR,
                                  severity="P1", type="ecs_service_failure")
    runbooks.tick(session, incident=incident, checklist_id="immediate_actions", item_id="isolate", done=True,
                  actor=people["responder"], now=clock.now())
    assert "data_breach_response" not in lists(session, incident, clock)
    clock.advance(timedelta(minutes=5))
    incidents.change_type(session, incident=incident, type_id="data_breach", actor=people["commander"],
                          now=clock.now(), reason="exfiltration found in the logs")
    now_lists = lists(session, incident, clock)
    assert {"data_breach_response", "hipaa_breach_assessment", "immediate_actions"} <= set(now_lists)
    assert states(session, incident, clock)[("immediate_actions", "isolate")].done
    assert runbooks.runbook(session, incident=incident).type == "data_breach"


def test_tick__records_who_and_when_on_the_timeline(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["responder"])
    clock.advance(timedelta(minutes=3))
    row = runbooks.tick(session, incident=incident, checklist_id="information_gathering", item_id="error-logs",
                        done=True, note="stack traces saved", actor=people["responder"], now=clock.now())
    assert (row.done, row.done_by, row.done_at, row.note) == (True, "responder@example.org", clock.now(),
                                                              "stack traces saved")
    entry = incidents.timeline(session, incident=incident)[-1]
    assert (entry.kind, entry.actor, entry.at) == ("checklist_item_done", "responder@example.org", clock.now())
    assert entry.data == {"checklist": "information_gathering", "item": "error-logs", "done": True,
                          "note": "stack traces saved"}
    assert "Error logs and stack traces" in entry.summary


def test_tick__again_changes_nothing_and_untick_is_recorded(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["responder"])
    args = dict(incident=incident, checklist_id="information_gathering", item_id="network", actor=people["responder"])
    runbooks.tick(session, done=True, now=clock.now(), **args)
    before = len(incidents.timeline(session, incident=incident))
    runbooks.tick(session, done=True, now=clock.now(), **args)
    assert len(incidents.timeline(session, incident=incident)) == before
    row = runbooks.tick(session, done=False, now=clock.now(), **args)
    assert (row.done, row.done_by, row.done_at) == (False, None, None)
    assert incidents.timeline(session, incident=incident)[-1].kind == "checklist_item_undone"


def test_tick__unknown_checklist_or_item_names_what_exists(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["responder"])
    with pytest.raises(NotFound, match="no checklist 'nope'.*initial_response"):
        runbooks.tick(session, incident=incident, checklist_id="nope", item_id="x", done=True,
                      actor=people["responder"], now=clock.now())
    with pytest.raises(NotFound, match="no item 'x'.*acknowledge"):
        runbooks.tick(session, incident=incident, checklist_id="initial_response", item_id="x", done=True,
                      actor=people["responder"], now=clock.now())


def test_tick__a_viewer_may_not(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["responder"])
    with pytest.raises(Forbidden):
        runbooks.tick(session, incident=incident, checklist_id="initial_response", item_id="acknowledge",
                      done=True, actor=people["viewer"], now=clock.now())


# --- ticked by the system


def done_by(session, incident, clock, *keys):
    rows = states(session, incident, clock)
    return [(rows[k].done, rows[k].done_by) for k in keys]


def test_auto__acknowledging_ticks_the_acknowledge_items_as_the_system(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["responder"])
    clock.advance(timedelta(minutes=2))
    incidents.acknowledge(session, incident=incident, actor=people["responder"], now=clock.now())
    assert done_by(session, incident, clock, ("initial_response", "acknowledge"), ("during_incident", "acknowledged")
                   ) == [(True, SYSTEM.label)] * 2
    row = states(session, incident, clock)[("initial_response", "acknowledge")]
    assert row.done_at == clock.now() and row.note.startswith("seen on the timeline: Status triggered → acknowledged")
    # The acknowledgement is the timeline's record; the system's tick adds no entry of its own.
    assert [e.kind for e in incidents.timeline(session, incident=incident)] == ["created", "classified", "acknowledged"]


def test_auto__severity_set_by_a_person_ticks_assess_severity_but_an_alert_raise_does_not(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["responder"])
    key = ("initial_response", "assess-severity")
    incidents.record(session, incident, kind="severity_changed", actor=Actor(kind="integration", name="cw"),
                     now=clock.now(), summary="Severity P2 → P1: alert", data={"from": "P2", "to": "P1"})
    assert done_by(session, incident, clock, key) == [(False, None)]
    incidents.change_severity(session, incident=incident, severity="P0", reason="whole API down",
                              actor=people["commander"], now=clock.now())
    assert done_by(session, incident, clock, key) == [(True, SYSTEM.label)]


def test_auto__severity_given_when_opened_by_a_person_counts_as_set(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["responder"], severity="P1", type="api_down")
    assert done_by(session, incident, clock, ("initial_response", "assess-severity")) == [(True, SYSTEM.label)]


@pytest.mark.parametrize(("kind", "data", "key"), [
    ("chat_channel_created", {"channel": "#incident-x"}, ("initial_response", "create-channel")),
    ("stakeholders_notified", {}, ("initial_response", "notify-stakeholders")),
    ("stakeholders_notified", {}, ("during_incident", "stakeholders-notified")),
    ("status_update", {"number": 1}, ("during_incident", "communication-updated")),
    ("severity_kept", {"suggested": "P0"}, ("during_incident", "severity-assessed")),
])
def test_auto__entries_other_domains_write_tick_their_items(session, clock, people, kind, data, key):
    incident = factories.incident(session, clock.now(), actor=people["responder"])
    incidents.record(session, incident, kind=kind, actor=SYSTEM, now=clock.now(), summary=kind, data=data)
    assert done_by(session, incident, clock, key) == [(True, SYSTEM.label)]


def test_auto__moving_to_investigating_starts_the_investigation(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["responder"])
    incidents.transition(session, incident=incident, to="investigating", actor=people["responder"], now=clock.now())
    assert done_by(session, incident, clock, ("initial_response", "begin-investigation"),
                   ("initial_response", "acknowledge")) == [(True, SYSTEM.label)] * 2


def test_auto__an_item_a_person_already_ticked_stays_theirs(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["responder"])
    runbooks.tick(session, incident=incident, checklist_id="initial_response", item_id="acknowledge", done=True,
                  actor=people["responder"], now=clock.now())
    incidents.acknowledge(session, incident=incident, actor=people["responder"], now=clock.now())
    assert done_by(session, incident, clock, ("initial_response", "acknowledge")) == [(True, "responder@example.org")]


def test_auto__resolving_ticks_the_post_mortem_scheduled_item(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["responder"])  # P2: nothing required
    incidents.resolve(session, incident=incident, actor=people["responder"], now=clock.now())
    assert done_by(session, incident, clock, ("post_incident", "postmortem-scheduled")) == [(True, SYSTEM.label)]


# --- resolving


def p1(session, clock, people, service=factories.CRM):
    return factories.incident(session, clock.now(), actor=people["commander"], service=service, severity="P1",
                              type="high_error_rate" if service == factories.CRM else "ecs_service_failure")


@pytest.mark.parametrize("service", [factories.CRM, factories.IVR])
def test_resolve__a_p1_with_recovery_verification_open_is_refused_naming_the_items(session, clock, people, service):
    incident = p1(session, clock, people, service)
    with pytest.raises(Conflict, match="cannot be resolved") as refused:
        incidents.resolve(session, incident=incident, actor=people["responder"], now=clock.now())
    items = refused.value.details["open_items"]
    assert {i["checklist"] for i in items} == {"recovery_verification"} and len(items) >= 5
    assert items[0]["text"] in refused.value.message
    assert incident.status == "triggered"


def test_resolve__an_override_with_a_reason_resolves_and_is_recorded(session, clock, people):
    incident = p1(session, clock, people)
    incidents.resolve(session, incident=incident, actor=people["responder"], now=clock.now(),
                      override_reason="vendor confirmed recovery; checks to follow")
    assert incident.status == "resolved"
    entry = next(e for e in incidents.timeline(session, incident=incident) if e.kind == "resolve_overridden")
    assert entry.actor == "responder@example.org"
    assert entry.data["reason"] == "vendor confirmed recovery; checks to follow"
    assert len(entry.data["open_items"]) == 6


def test_resolve__a_blank_override_is_no_override(session, clock, people):
    incident = p1(session, clock, people)
    with pytest.raises(Conflict):
        incidents.resolve(session, incident=incident, actor=people["responder"], now=clock.now(), override_reason="  ")


def test_resolve__with_every_required_item_done_needs_no_override(session, clock, people):
    incident = p1(session, clock, people)
    for key, row in states(session, incident, clock).items():
        if key[0] == "recovery_verification":
            runbooks.tick(session, incident=incident, checklist_id=key[0], item_id=key[1], done=True,
                          actor=people["responder"], now=clock.now())
    incidents.resolve(session, incident=incident, actor=people["responder"], now=clock.now())
    assert incident.status == "resolved"
    assert not any(e.kind == "resolve_overridden" for e in incidents.timeline(session, incident=incident))


def test_resolve__a_p2_resolves_with_recovery_verification_open(session, clock, people):
    incident = factories.incident(session, clock.now(), actor=people["commander"], severity="P2", type="api_down")
    incidents.resolve(session, incident=incident, actor=people["responder"], now=clock.now())
    assert incident.status == "resolved"


def test_resolve__through_patch_status_is_guarded_too(session, clock, people):
    from codeblue.incidents.schemas import IncidentPatch
    incident = p1(session, clock, people)
    with pytest.raises(Conflict):
        incidents.update(session, incident=incident, patch=IncidentPatch(status="resolved"),
                         actor=people["responder"], now=clock.now())
