"""Heartbeats: silence past interval + grace opens an alert; the next ping resolves it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from codeblue.alerts import heartbeats, integrations
from codeblue.alerts.models import Alert, Integration
from codeblue.errors import BadInput
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.worker import build_engine
from tests import factories


@pytest.fixture
def beat(db, clock):
    factories.seed(db, clock.now())
    with db.unit_of_work() as s:
        row, key = integrations.create(s, type_="heartbeat", service=factories.CRM, name="nightly export",
                                       options={"interval": "5m", "grace": "1m"}, now=clock.now())
        return row.id, key


def ping(db, clock, integration_id):
    with db.unit_of_work() as s:
        return heartbeats.ping(s, integration=s.get(Integration, integration_id), now=clock.now())


def open_alerts(db):
    with db.unit_of_work(readonly=True) as s:
        return [(a.summary, a.incident_id) for a in s.scalars(select(Alert).where(Alert.status == "firing"))]


def test_heartbeat__never_pinged_is_missed_after_interval_plus_grace(db, clock, beat, settings):
    engine = build_engine(db, clock, settings)
    clock.advance(timedelta(minutes=5, seconds=59))
    engine.run_once()
    assert open_alerts(db) == []
    clock.advance(timedelta(seconds=1))
    engine.run_once()
    [(summary, incident_id)] = open_alerts(db)
    assert "Heartbeat 'nightly export' missed: no ping since it was created" == summary
    assert incident_id is not None


def test_heartbeat__pings_keep_it_quiet_and_a_late_one_resolves_the_alert(db, clock, beat, settings):
    engine = build_engine(db, clock, settings)
    for _ in range(3):
        clock.advance(timedelta(minutes=5))
        ping(db, clock, beat[0])
        engine.run_once()
    assert open_alerts(db) == []
    clock.advance(timedelta(minutes=7))
    engine.run_once()
    assert len(open_alerts(db)) == 1
    due = ping(db, clock, beat[0])
    assert due == clock.now() + timedelta(minutes=6)
    assert open_alerts(db) == []
    with db.unit_of_work(readonly=True) as s:
        [alert] = list(s.scalars(select(Alert)))
        kinds = [e.kind for e in incidents.timeline(s, incident=s.get(Incident, alert.incident_id))]
    assert kinds[-2:] == ["alert_resolved", "status_changed"]


@pytest.mark.parametrize("options", [{}, {"interval": "soon"}, {"interval": "5s"}, {"interval": "5m", "grace": "x"}])
def test_heartbeat_options__are_checked(db, session, clock, options):
    factories.seed(db, clock.now())
    with pytest.raises(BadInput, match="interval|duration"):
        integrations.create(session, type_="heartbeat", service=factories.CRM, name="x", options=options,
                            now=clock.now())
