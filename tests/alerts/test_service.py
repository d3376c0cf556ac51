"""Ingest semantics: dedup, grouping into incidents, resolve and auto-resolve, the open-key constraint."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from codeblue.alerts import integrations
from codeblue.alerts import service as alerts
from codeblue.alerts.models import Alert
from codeblue.alerts.normal import NormalAlert
from codeblue.errors import BadInput
from codeblue.incidents import service as incidents
from codeblue.policy import service as policy
from tests import factories


@pytest.fixture
def integration(db, session, clock):
    factories.seed(db, clock.now())
    row, _ = integrations.create(session, type_="pagerduty", service=factories.CRM, name="crm monitors",
                                 options={}, now=clock.now())
    return row


def event(action="trigger", key="k1", summary="API 5xx rate high", **facts):
    return NormalAlert(action=action, summary=summary, source="cloudwatch", dedup_key=key, facts=facts)


def send(session, integration, clock, *events):
    return alerts.ingest(session, integration=integration, alerts=list(events), body="{}", now=clock.now())


def firing(session):
    return list(session.scalars(select(Alert).where(Alert.status == "firing")))


def test_trigger__creates_an_alert_and_a_classified_incident(session, integration, clock):
    [out] = send(session, integration, clock, event(error_rate_pct=12))
    assert out.result == "created" and out.incident.startswith("INC-2026-03-10-")
    incident = incidents.get(session, ref=out.incident)
    assert (incident.severity, incident.type, incident.source) == ("P1", "high_error_rate", "alert")
    assert [e.kind for e in incidents.timeline(session, incident=incident)] == ["created", "classified", "alert_linked"]


def test_trigger__repeat_of_an_open_key_counts_instead_of_opening_another(session, integration, clock):
    send(session, integration, clock, event())
    clock.advance(timedelta(minutes=1))
    [out] = send(session, integration, clock, event(summary="API 5xx rate still high"))
    [alert] = firing(session)
    assert out.result == "deduplicated"
    assert (alert.count, alert.last_seen_at, alert.summary) == (2, clock.now(), "API 5xx rate still high")


def test_resolve__closes_the_alert_and_moves_the_incident_as_the_pack_says(session, integration, clock):
    [created] = send(session, integration, clock, event())
    [out] = send(session, integration, clock, event(action="resolve"))
    incident = incidents.get(session, ref=created.incident)
    assert out.result == "resolved" and firing(session) == []
    assert incident.status == incidents.pack_of(incident).auto_resolve == "monitoring"
    assert incident.acknowledged_at is None  # an automatic move is not an acknowledgement


def test_trigger_after_resolve__opens_a_new_alert_on_the_same_key(session, integration, clock):
    send(session, integration, clock, event())
    send(session, integration, clock, event(action="resolve"))
    [out] = send(session, integration, clock, event())
    assert out.result == "created"
    assert len(list(session.scalars(select(Alert)))) == 2


def test_resolve_of_one_alert__leaves_the_incident_open_while_another_fires(session, integration, clock):
    [a] = send(session, integration, clock, event(key="a"))
    [b] = send(session, integration, clock, event(key="b", summary="second"))
    assert a.incident == b.incident
    send(session, integration, clock, event(action="resolve", key="a"))
    assert incidents.get(session, ref=a.incident).status == "triggered"
    send(session, integration, clock, event(action="resolve", key="b"))
    assert incidents.get(session, ref=a.incident).status == "monitoring"


def test_grouping__another_type_or_after_the_window_opens_a_new_incident(session, integration, clock):
    [a] = send(session, integration, clock, event(key="a", error_rate_pct=12))
    [b] = send(session, integration, clock, event(key="b", availability="down"))
    assert a.incident != b.incident
    clock.advance(incidents.pack_of(incidents.get(session, ref=a.incident)).grouping_window + timedelta(seconds=1))
    [c] = send(session, integration, clock, event(key="c", error_rate_pct=12))
    assert c.incident not in (a.incident, b.incident)


def test_grouping__a_worse_alert_raises_the_incidents_severity_and_phi_flag(session, integration, clock):
    [a] = send(session, integration, clock, event(key="a", error_rate_pct=6))
    incident = incidents.get(session, ref=a.incident)
    before = incident.severity
    [b] = send(session, integration, clock, event(key="b", error_rate_pct=40))
    assert b.incident == a.incident
    if before != "P1":
        assert incident.severity == "P1"
        assert incidents.timeline(session, incident=incident)[-1].kind in ("severity_changed", "flag_changed")


def test_acknowledge__acknowledges_the_incident_as_the_sender(session, integration, clock):
    [a] = send(session, integration, clock, event())
    [out] = send(session, integration, clock, event(action="acknowledge"))
    incident = incidents.get(session, ref=a.incident)
    assert out.result == "acknowledged" and incident.status == "acknowledged"
    assert incidents.timeline(session, incident=incident)[-1].actor == "integration:crm monitors"


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_unknown_key__acknowledge_or_resolve_is_ignored(session, integration, clock, action):
    [out] = send(session, integration, clock, event(action=action, key="never-seen"))
    assert out.result == "ignored" and list(session.scalars(select(Alert))) == []


def test_record__keeps_the_alert_without_paging(session, integration, clock):
    [out] = send(session, integration, clock, event(action="record", summary="INSUFFICIENT_DATA"))
    [alert] = list(session.scalars(select(Alert)))
    assert out.result == "recorded" and alert.status == "recorded" and alert.incident_id is None


def test_missing_dedup_key__the_content_fingerprint_dedups(session, integration, clock):
    e = NormalAlert(action="trigger", summary="Disk full", source="db-1", component="disk")
    first, second = send(session, integration, clock, e, e)
    assert first.dedup_key == second.dedup_key and second.result == "deduplicated"


def test_open_key__is_unique_in_the_database_not_only_in_code(session, integration, clock):
    send(session, integration, clock, event())
    [alert] = firing(session)
    twin = Alert(**{c: getattr(alert, c) for c in ("integration_id", "service_id", "dedup_key", "status", "summary",
                                                  "source", "facts", "details", "links", "occurred_at",
                                                  "first_seen_at", "last_seen_at", "count")})
    session.add(twin)
    with pytest.raises(IntegrityError):
        session.flush()


def test_concurrent_senders__twenty_threads_on_five_keys_dedup_exactly(db, clock):
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        row, _ = integrations.create(s, type_="pagerduty", service=factories.CRM, name="n", options={}, now=clock.now())
        integration_id = row.id

    def sender(i: int) -> list[str]:
        results = []
        for round_ in range(5):
            with db.unit_of_work() as s:
                integ = s.get(type(row), integration_id)
                alerts.lock_services(s, [integ.service_id])
                [out] = alerts.ingest(s, integration=integ, alerts=[event(key=f"key-{(i + round_) % 5}")],
                                      body="{}", now=clock.now())
                results.append(out.result)
        return results

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = [r for rs in pool.map(sender, range(20)) for r in rs]
    with db.unit_of_work(readonly=True) as s:
        rows = [(a.dedup_key, a.count, a.incident_id) for a in s.scalars(select(Alert))]
    assert results.count("created") == 5 and results.count("deduplicated") == 95
    assert sorted(key for key, _, _ in rows) == [f"key-{n}" for n in range(5)]
    assert sum(count for _, count, _ in rows) == 100
    assert len({incident for _, _, incident in rows}) == 1  # same type, same window: one incident


@pytest.fixture
def crm_pack(monkeypatch):
    """Replace the telehealth-crm pack for one test with a copy changed by the given fields."""
    def use(**changes):
        pack = policy.get_pack("telehealth-crm")
        monkeypatch.setitem(policy.packs(), "telehealth-crm", pack.model_copy(update=changes))
    return use


def test_resolve__a_pack_that_auto_resolves_moves_the_incident_to_resolved(session, integration, clock, crm_pack):
    crm_pack(auto_resolve="resolved")
    [created] = send(session, integration, clock, event())
    send(session, integration, clock, event(action="resolve"))
    incident = incidents.get(session, ref=created.incident)
    assert (incident.status, incident.resolved_at) == ("resolved", clock.now())
    assert incidents.timeline(session, incident=incident)[-1].kind == "resolved"


def test_resolve__a_pack_with_auto_resolve_none_leaves_the_incident_as_it_is(session, integration, clock, crm_pack):
    crm_pack(auto_resolve="none")
    [created] = send(session, integration, clock, event())
    send(session, integration, clock, event(action="resolve"))
    assert incidents.get(session, ref=created.incident).status == "triggered"


def test_grouping__the_window_comes_from_the_pack(session, integration, clock, crm_pack):
    crm_pack(grouping_window=timedelta(minutes=10))
    [a] = send(session, integration, clock, event(key="a"))
    clock.advance(timedelta(minutes=9, seconds=59))
    [b] = send(session, integration, clock, event(key="b"))
    clock.advance(timedelta(seconds=2))
    [c] = send(session, integration, clock, event(key="c"))
    assert a.incident == b.incident != c.incident


def test_person_resolving_the_incident__resolves_its_alerts_and_the_next_trigger_opens_a_new_one(
        session, integration, clock):
    [first] = send(session, integration, clock, event(key="a"))
    incident = incidents.get(session, ref=first.incident)
    admin = factories.actor_for(factories.user(session, "admin", clock.now()))
    incidents.resolve(session, incident=incident, actor=admin, now=clock.now())
    assert firing(session) == []
    assert incidents.timeline(session, incident=incident)[-2].kind == "alerts_resolved"
    clock.advance(timedelta(minutes=1))
    [again] = send(session, integration, clock, event(key="a"))
    assert again.result == "created" and again.incident != first.incident


def test_person_set_severity__a_worse_alert_notes_it_but_keeps_the_persons_choice(session, integration, clock):
    [a] = send(session, integration, clock, event(key="a", error_rate_pct=6))
    incident = incidents.get(session, ref=a.incident)
    commander = factories.actor_for(factories.user(session, "commander", clock.now()))
    incidents.change_severity(session, incident=incident, severity="P3", reason="internal tool only",
                              actor=commander, now=clock.now())
    [b] = send(session, integration, clock, event(key="b", error_rate_pct=40))
    assert b.incident == a.incident and incident.severity == "P3"
    assert incidents.timeline(session, incident=incident)[-1].kind == "severity_kept"


def test_change_type__needs_a_reason(session, integration, clock):
    [a] = send(session, integration, clock, event(key="a"))
    incident = incidents.get(session, ref=a.incident)
    commander = factories.actor_for(factories.user(session, "commander", clock.now()))
    with pytest.raises(BadInput, match="needs a reason"):
        incidents.change_type(session, incident=incident, type_id="api_down", actor=commander, now=clock.now())
    incidents.change_type(session, incident=incident, type_id="api_down", actor=commander, now=clock.now(),
                          reason="health checks failing too")
    assert incidents.timeline(session, incident=incident)[-1].data["reason"] == "health checks failing too"
