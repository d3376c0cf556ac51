"""A small paging set-up for engine tests: the seeded CRM service, a primary and a secondary by webhook."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from codeblue.auth.actor import SYSTEM
from codeblue.bootstrap import ADMIN_EMAIL
from codeblue.incidents import service as incidents
from codeblue.incidents.schemas import IncidentCreate
from codeblue.notify.channels.webhook import WebhookChannel, WebhookConfig
from codeblue.notify.models import Notification
from codeblue.oncall import service as oncall
from codeblue.worker import build_engine
from tests import factories

PRIMARY_SCHEDULE = "telehealth-crm-primary-oncall"
SECOND = "second@example.org"


def two_steps(db, clock, receiver_url: str, *, repeat: int = 0) -> None:
    """CRM pages the primary (the admin from init), then the secondary, each at its own receiver path."""
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        factories.user(s, "responder", clock.now(), email=SECOND)
        oncall.add_contact_method(s, user_email=ADMIN_EMAIL, type_="webhook", address=f"{receiver_url}/primary",
                                  now=clock.now())
        oncall.add_contact_method(s, user_email=SECOND, type_="webhook", address=f"{receiver_url}/secondary",
                                  now=clock.now())
        oncall.create_schedule(s, slug="crm-secondary", name="secondary", tz="UTC", now=clock.now(), layers=[
            {"rotation": {"kind": "weekly", "participants": [SECOND],
                          "start": (clock.now() - timedelta(days=1)).isoformat(), "handoff": "09:00"}}])
        oncall.create_policy(s, slug="crm-test", name="test chain", now=clock.now(), repeat=repeat, steps=[
            {"delay_seconds": None, "targets": [{"type": "schedule", "ref": PRIMARY_SCHEDULE}]},
            {"delay_seconds": None, "targets": [{"type": "schedule", "ref": "crm-secondary"}]},
        ])
        oncall.bind_service(s, service_slug=factories.CRM, policy_slug="crm-test", now=clock.now())


def webhook_engine(db, clock, settings, **channels):
    return build_engine(db, clock, settings, {"webhook": WebhookChannel(WebhookConfig()), **channels})


def open_incident(db, clock, *, title: str = "API down", **facts) -> str:
    """A CRM incident; with the default facts a P0 (respond within 5 minutes).

    Not user-facing, so it owes no customer notice and only paging reaches the people here; the
    notice's own reminders are tested in tests/statuspage."""
    with db.unit_of_work() as s:
        data = IncidentCreate(service=factories.CRM, title=title, facts=facts or {"availability": "down"},
                              user_facing=False)
        return incidents.create(s, data=data, actor=SYSTEM, now=clock.now()).ref


def acknowledge(db, clock, ref: str) -> None:
    with db.unit_of_work() as s:
        incidents.acknowledge(s, incident=incidents.get(s, ref=ref), actor=SYSTEM, now=clock.now())


def drain(engine) -> None:
    while engine.run_once():
        pass


def paths(receiver) -> list[str]:
    """Where pages went (a page carries an ack code; stakeholder notices, tested in tests/comms, do not)."""
    return [r.path for r in receiver.delivered() if "ack_code" in r.json()]


def timeline(db, ref: str) -> list[tuple[str, str]]:
    with db.unit_of_work(readonly=True) as s:
        return [(e.kind, e.summary) for e in incidents.timeline(s, incident=incidents.get(s, ref=ref))]


def sent(db) -> list[tuple[str, str, object]]:
    """(address path, status, sent_at) of every notification, oldest first."""
    with db.unit_of_work(readonly=True) as s:
        rows = s.scalars(select(Notification).order_by(Notification.id))
        return [(n.address.rsplit("/", 1)[-1], n.status, n.sent_at) for n in rows]
