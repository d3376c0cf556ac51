"""Every change to an incident reaches the audit trail through its timeline entry, with before and after."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from codeblue.audit import service as audit
from codeblue.audit.models import AuditEntry
from codeblue.auth.permissions import Role
from codeblue.errors import BadInput
from codeblue.incidents import service as incidents
from codeblue.incidents.schemas import IncidentPatch
from tests import factories


@pytest.fixture
def commander(db, session, clock):
    factories.seed(db, clock.now())
    return factories.actor_for(factories.user(session, Role.COMMANDER, clock.now()))


def trail(session, ref):
    rows = session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "incident",
                                                    AuditEntry.subject_id == ref).order_by(AuditEntry.seq))
    return [(e.action, e.actor, json.loads(e.before_json or "null"), json.loads(e.after_json)) for e in rows]


def test_record__each_timeline_entry_is_an_audit_entry_with_before_and_after(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander, severity="P3", type="high_error_rate")
    incidents.acknowledge(session, incident=inc, actor=commander, now=clock.now())
    incidents.change_severity(session, incident=inc, severity="P1", reason="customers report errors",
                              actor=commander, now=clock.now())
    incidents.add_note(session, incident=inc, text="rolling back the deploy", actor=commander, now=clock.now())
    got = trail(session, inc.ref)
    assert [a for a, *_ in got] == ["incident.created", "incident.classified", "incident.acknowledged",
                                    "incident.severity_changed", "incident.note"]
    assert {actor for _, actor, _, _ in got} == {commander.label}
    _, _, before, after = got[3]
    assert before == {"value": "P3"}
    assert after["value"] == "P1" and after["reason"] == "customers report errors"
    assert got[4][3] == {"summary": "rolling back the deploy"}
    assert audit.verify(session).ok


def test_record__a_kind_added_later_is_audited_without_more_code(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander)
    incidents.record(session, inc, kind="runbook_step_done", actor=commander, now=clock.now(),
                     summary="Step 3 done", data={"step": 3})
    assert trail(session, inc.ref)[-1][:2] == ("incident.runbook_step_done", commander.label)


def test_record__a_refused_change_leaves_no_audit_entry(session, clock, commander):
    inc = factories.incident(session, clock.now(), actor=commander)
    before = len(trail(session, inc.ref))
    with pytest.raises(BadInput):
        incidents.update(session, incident=inc, actor=commander, now=clock.now(),
                         patch=IncidentPatch(severity="P0"))  # no reason: refused before anything is written
    assert len(trail(session, inc.ref)) == before
