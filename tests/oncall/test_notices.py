"""Notify lists: an incident's type and its PHI flag bring in named contacts beside the escalation chain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from codeblue.auth.actor import SYSTEM
from codeblue.incidents import service as incidents
from codeblue.incidents.schemas import IncidentCreate
from codeblue.notify.channels.webhook import WebhookChannel
from codeblue.oncall import notices
from codeblue.oncall.models import ContactMethod, NamedContact
from codeblue.policy import service as policy
from codeblue.worker import build_engine
from tests import factories
from tests.peers import http_receiver

CRM, IVR = "telehealth-crm", "healthcare-ivr"


@pytest.mark.parametrize(("pack", "itype", "phi", "expected"), [
    (CRM, "security_incident", False, [("type:security_incident", "security_team")]),
    (CRM, "api_down", False, []),
    (CRM, "api_down", True, [("phi", "compliance_officer"), ("phi", "legal_team")]),
    (IVR, "data_breach", True, [("type:data_breach", "security_team"), ("type:data_breach", "compliance_officer"),
                                ("phi", "compliance_officer"), ("phi", "legal_team")]),
])
def test_owed(pack, itype, phi, expected):
    assert notices.owed(policy.get_pack(pack), incident_type=itype, phi_suspected=phi) == expected


@pytest.fixture
def receiver():
    with http_receiver() as r:
        yield r


@pytest.fixture
def contacts(db, clock, receiver):
    """The demo set-up, with the security team, legal and the compliance officer reachable by webhook."""
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        for slug in ("security_team", "legal_team", "compliance_officer"):
            contact = s.scalar(select(NamedContact).where(NamedContact.slug == slug))
            s.add(ContactMethod(contact_id=contact.id, type="webhook", address=f"{receiver.url}/{slug}",
                                created_at=clock.now()))


@pytest.fixture
def engine(db, clock, settings):
    return build_engine(db, clock, settings, {"webhook": WebhookChannel()})


def drain(engine):
    while engine.run_once():
        pass


def open_incident(db, clock, service=factories.CRM, **facts) -> str:
    with db.unit_of_work() as s:
        data = IncidentCreate(service=service, title="Something happened", facts=facts)
        return incidents.create(s, data=data, actor=SYSTEM, now=clock.now()).ref


def told(receiver) -> list[str]:
    return sorted(r.path.lstrip("/") for r in receiver.delivered())


TEAMS = ("security_team", "legal_team", "compliance_officer")


def notified(db, ref, contacts=TEAMS) -> list[str]:
    """The timeline's notices to these contacts (the severity's stakeholders have tests of their own)."""
    with db.unit_of_work(readonly=True) as s:
        return [e.summary for e in incidents.timeline(s, incident=incidents.get(s, ref=ref))
                if e.kind == "notified" and e.data.get("contact") in contacts]


def test_a_security_incident__notifies_the_security_team_even_once_acknowledged(db, clock, contacts, engine,
                                                                                 receiver):
    ref = open_incident(db, clock, unauthorized_access=True)  # classified security_incident, no PHI flag
    with db.unit_of_work() as s:
        incidents.acknowledge(s, incident=incidents.get(s, ref=ref), actor=SYSTEM, now=clock.now())
    drain(engine)
    assert told(receiver) == ["security_team"]  # a notice is not a page: the ack does not stop it
    assert notified(db, ref) == ["Notified Security Team (webhook): incident type Security Incident"]
    body = receiver.delivered()[0].json()
    assert body["incident_id"] == ref and body["link"].endswith(f"/incidents/{ref}")


def test_changing_the_type_to_one_with_a_list__notifies_it_once(db, clock, contacts, engine, receiver):
    ref = open_incident(db, clock, availability="down")
    drain(engine)
    assert told(receiver) == []
    for type_id in ("security_incident", "api_down", "security_incident"):
        with db.unit_of_work() as s:
            incidents.change_type(s, incident=incidents.get(s, ref=ref), type_id=type_id, actor=SYSTEM,
                                  now=clock.now(), reason="reclassified")
        drain(engine)
    assert told(receiver) == ["security_team"]
    assert len(notified(db, ref)) == 1


def test_raising_the_phi_flag__notifies_compliance_and_legal_without_patient_data(db, clock, contacts, engine,
                                                                                  receiver):
    ref = open_incident(db, clock, availability="down", patient_name="Jane Roe", ssn="123-45-6789")
    drain(engine)
    clock.advance(timedelta(minutes=1))
    with db.unit_of_work() as s:
        incidents.set_flag(s, incident=incidents.get(s, ref=ref), flag="phi_suspected", value=True,
                           actor=SYSTEM, now=clock.now(), reason="export may hold records")
    drain(engine)
    assert told(receiver) == ["compliance_officer", "legal_team"]
    assert notified(db, ref) == ["Notified Compliance Officer (webhook): PHI suspected",
                                 "Notified Legal Team (webhook): PHI suspected"]
    raw = b"".join(r.body for r in receiver.requests)
    assert b"123-45-6789" not in raw and b"Jane Roe" not in raw


def test_a_contact_nobody_can_reach__is_said_on_the_timeline(db, clock, engine, receiver):
    factories.seed(db, clock.now())  # the IVR security team's only method is the seed's "[PHONE]"
    with db.unit_of_work() as s:
        ref = incidents.create(s, data=IncidentCreate(service=factories.IVR, title="Console logins from abroad",
                                                      type="unauthorized_access", severity="P0"),
                               actor=SYSTEM, now=clock.now()).ref
    drain(engine)
    assert notified(db, ref) == ["Could not notify contact security_team (incident type Unauthorized Access): "
                                 "no reachable contact method"]
    assert receiver.requests == []
