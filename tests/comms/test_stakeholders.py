"""Stakeholder notices: per severity, type and PHI, with the pack's template, each contact once; the resolution."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from codeblue.auth.actor import SYSTEM
from codeblue.comms import messages
from codeblue.incidents import service as incidents
from codeblue.notify.channels import phi
from codeblue.notify.models import Notification
from codeblue.oncall import notices
from codeblue.oncall.models import ContactMethod, NamedContact
from codeblue.policy import service as policy
from tests import factories
from tests.comms.conftest import drain, entries, open_incident, paths

CRM, IVR = "telehealth-crm", "healthcare-ivr"


@pytest.mark.parametrize(("pack", "severity", "itype", "phi_", "expected"), [
    (CRM, "P0", "api_down", False, ["engineering_manager", "cto"]),
    (CRM, "P1", "security_incident", False, ["security_team"]),
    (CRM, "P2", "api_down", True, ["compliance_officer", "legal_team"]),
    (IVR, "P0", "data_breach", True, ["devops_lead", "engineering_manager", "cto", "security_team",
                                      "compliance_officer", "legal_team"]),
])
def test_owed__severity_type_and_phi_each_contact_once(pack, severity, itype, phi_, expected):
    pairs = notices.owed(policy.get_pack(pack), incident_type=itype, phi_suspected=phi_, severity=severity)
    assert list(notices.by_contact(pairs)) == expected


def test_a_p0__notifies_the_manager_and_the_cto_with_the_incident_alert(db, clock, world, engine):
    ref = open_incident(db, clock, facts={"availability": "down"})
    drain(engine)
    assert sorted(paths(world)) == ["cto", "engineering_manager", "oncall"]
    notice = next(r for r in world.delivered() if r.path == "/cto").json()
    assert notice["subject"] == "🚨 INCIDENT ALERT - P0 - Video visits failing"
    assert f"**Incident ID**: {ref}" in notice["text"] and notice["template"] == "incident_alert"
    assert entries(db, ref, "stakeholders_notified") == [
        "Stakeholders notified (incident_alert): Engineering Manager (webhook), CTO (webhook)"]


def test_ivr_initial_notification__is_the_ivr_packs_message(db, clock, world, engine):
    open_incident(db, clock, service=factories.IVR, severity="P1", type="ecs_service_failure")
    drain(engine)
    notice = next(r for r in world.delivered() if r.path == "/devops_lead").json()
    assert notice["text"].startswith("INCIDENT REPORT\nSeverity: P1 (High)")


def test_severity_raised__notifies_the_new_stakeholders_once(db, clock, world, engine):
    ref = open_incident(db, clock, severity="P2", type="high_error_rate")
    drain(engine)
    assert paths(world) == ["oncall"]
    for to in ("P0", "P1", "P0"):
        clock.advance(timedelta(minutes=1))
        with db.unit_of_work() as s:
            incidents.change_severity(s, incident=incidents.get(s, ref=ref), severity=to, reason="wider",
                                      actor=SYSTEM, now=clock.now())
        drain(engine)
    assert sorted(p for p in paths(world) if p != "oncall") == ["cto", "engineering_manager"]
    assert len(entries(db, ref, "stakeholders_notified")) == 1


def test_a_contact_owed_for_two_reasons__is_told_once(db, clock, world, engine):
    ref = open_incident(db, clock, service=factories.IVR, severity="P2", type="data_breach", phi_suspected=True)
    drain(engine)
    assert sorted(p for p in paths(world) if p != "oncall") == ["compliance_officer", "legal_team", "security_team"]
    told = entries(db, ref, "notified")
    assert "Notified Compliance Officer (webhook): incident type Data Breach, PHI suspected" in told


def test_resolving__sends_the_resolution_notice_to_the_stakeholders(db, clock, world, engine):
    ref = open_incident(db, clock, facts={"availability": "down"})
    drain(engine)
    clock.advance(timedelta(minutes=42))
    with db.unit_of_work() as s:
        incidents.resolve(s, incident=incidents.get(s, ref=ref), actor=SYSTEM, now=clock.now())
    drain(engine)
    drain(engine)
    resolved = [r.json() for r in world.delivered() if r.json().get("template") == "resolution_notice"]
    assert sorted(r["title"] for r in resolved) == ["Video visits failing"] * 2
    assert "**Duration**: 42m" in resolved[0]["text"]
    assert entries(db, ref, "resolution_notice") == [
        "Resolution notice sent to Engineering Manager (webhook), CTO (webhook)"]


def test_sms_and_chat__carry_no_patient_data_that_people_wrote(db, clock, world, engine):
    with db.unit_of_work() as s:
        cto = s.scalar(select(NamedContact).where(NamedContact.slug == "cto"))
        s.add(ContactMethod(contact_id=cto.id, type="sms", address="+15555550100", created_at=clock.now()))
    ref = open_incident(db, clock, facts={"availability": "down", "patient_name": "Jane Roe"},
                        title="Visits failing")
    drain(engine)
    with db.unit_of_work() as s:
        from codeblue.comms import service as comms
        from codeblue.comms.schemas import UpdateIn
        comms.post_update(s, incident=incidents.get(s, ref=ref), data=UpdateIn(
            status="identified", actions="Called patient: Jane Roe, DOB 01/02/1960", next_steps="n"),
            actor=SYSTEM, now=clock.now(), base_url="")
    with db.unit_of_work(readonly=True) as s:
        rows = [(n.channel, n.purpose, n.text) for n in s.scalars(select(Notification).order_by(Notification.id))]
    sms = [text for channel, _, text in rows if channel == "sms"]
    assert len(sms) == 2 and all("Jane Roe" not in t and "1960" not in t for t in sms)
    assert sms[1] == phi.WITHHELD
    assert all("Jane Roe" not in t for _, purpose, t in rows if purpose == "notify")  # alert facts never reach one
    assert messages.safe_text("patient: Jane", channel="email") == "patient: Jane"


def test_an_alert_raising_the_severity__notifies_its_stakeholders_and_re_times_the_update(db, clock, world, engine):
    from codeblue.alerts import grouping
    from codeblue.comms import service as comms
    from codeblue.policy.rules import Classification

    ref = open_incident(db, clock, severity="P2", type="high_error_rate")
    drain(engine)
    with db.unit_of_work() as s:
        incident = incidents.get(s, ref=ref)
        incidents.acknowledge(s, incident=incident, actor=SYSTEM, now=clock.now())
        assert comms.next_due(s, incident=incident) == clock.now() + timedelta(hours=2)
        grouping.raise_to(s, incident=incident, verdict=Classification("P0", "api_down", "all regions down", "r1"),
                          actor=SYSTEM, now=clock.now())
    drain(engine)
    assert sorted(p for p in paths(world) if p != "oncall") == ["cto", "engineering_manager"]
    with db.unit_of_work(readonly=True) as s:
        from codeblue.engine.models import Timer
        due = s.scalar(select(Timer.due_at).where(Timer.kind == comms.CADENCE_TIMER))
    assert due == clock.now() + timedelta(minutes=15)
