"""A CRM and an IVR service with people reachable by webhook, and an engine driven on the test's clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from codeblue.auth.actor import SYSTEM
from codeblue.bootstrap import ADMIN_EMAIL
from codeblue.incidents import service as incidents
from codeblue.incidents.schemas import IncidentCreate
from codeblue.notify.channels.webhook import WebhookChannel
from codeblue.oncall import service as oncall
from codeblue.oncall.models import ContactMethod, NamedContact
from codeblue.worker import build_engine
from tests import factories
from tests.peers import Receiver, http_receiver

STAKEHOLDERS = ("engineering_manager", "cto", "devops_lead", "security_team", "legal_team", "compliance_officer")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with http_receiver() as r:
        yield r


@pytest.fixture
def world(db, clock, receiver) -> Receiver:
    """The demo set-up; the admin (on call first in both packs) and every stakeholder reachable by webhook."""
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_="webhook", address=f"{receiver.url}/oncall",
                                  now=clock.now())
        for slug in STAKEHOLDERS:
            contact = s.scalar(select(NamedContact).where(NamedContact.slug == slug))
            if contact is not None:
                s.add(ContactMethod(contact_id=contact.id, type="webhook", address=f"{receiver.url}/{slug}",
                                    created_at=clock.now()))
    return receiver


@pytest.fixture
def engine(db, clock, settings):
    return build_engine(db, clock, settings, {"webhook": WebhookChannel()})


def drain(engine) -> None:
    while engine.run_once():
        pass


def open_incident(db, clock, *, service: str = factories.CRM, **fields) -> str:
    with db.unit_of_work() as s:
        data = IncidentCreate(service=service, title=fields.pop("title", "Video visits failing"), **fields)
        return incidents.create(s, data=data, actor=SYSTEM, now=clock.now()).ref


def acknowledge(db, clock, ref: str) -> None:
    with db.unit_of_work() as s:
        incidents.acknowledge(s, incident=incidents.get(s, ref=ref), actor=SYSTEM, now=clock.now())


def entries(db, ref: str, *kinds: str) -> list[str]:
    with db.unit_of_work(readonly=True) as s:
        return [e.summary for e in incidents.timeline(s, incident=incidents.get(s, ref=ref))
                if not kinds or e.kind in kinds]


def paths(receiver: Receiver) -> list[str]:
    return [r.path.lstrip("/") for r in receiver.delivered()]
