"""Reading a PHI-flagged incident (its page, record, timeline or alerts) is audited for everyone who reads it;
admin changes (users, tokens, integrations, on-call set-up) are audited with their actor."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from codeblue.audit import service as audit
from codeblue.audit.models import AuditEntry
from codeblue.auth import service as auth
from codeblue.incidents.models import Incident
from codeblue.settings import Settings
from tests import factories


@pytest.fixture
def settings(tmp_path):
    return Settings(env="test", auto_migrate=False, run_engine=False, database_url=f"sqlite:///{tmp_path}/unused.db",
                    live_stream_seconds=0.2, live_poll_seconds=0.05)


@pytest.fixture
def refs(db, clock, people):
    with db.unit_of_work() as s:
        admin = factories.actor_for(auth.require_user(s, email=people["admin"].email))
        phi = factories.incident(s, clock.now(), actor=admin, title="Portal exposes records", phi_suspected=True).ref
        plain = factories.incident(s, clock.now(), actor=admin, title="Slow search").ref
    return {"phi": phi, "plain": plain}


def reads(db, action="incident.phi_read"):
    with db.unit_of_work(readonly=True) as s:
        assert audit.verify(s).ok
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
        return [(e.actor, e.subject_id, json.loads(e.after_json)) for e in rows]


def test_incident_page__a_phi_flagged_read_is_audited_for_every_role(db, people, refs):
    for role in ("viewer", "compliance"):
        assert people[role].get(f"/incidents/{refs['phi']}").status_code == 200
    assert people["viewer"].get(f"/incidents/{refs['plain']}").status_code == 200
    assert reads(db) == [
        (people["viewer"].email, refs["phi"], {"what": "incident page", "details_shown": False}),
        (people["compliance"].email, refs["phi"], {"what": "incident page", "details_shown": True}),
    ]


def test_incident_page__its_live_stream_is_audited_once_when_opened(db, people, refs):
    r = people["responder"].get(f"/incidents/{refs['phi']}/events", headers={"accept": "text/event-stream"})
    assert r.status_code == 200
    assert [(who, what["what"]) for who, _, what in reads(db)] == [
        (people["responder"].email, "incident page live updates")]


def test_api__record_timeline_and_alerts_of_a_phi_incident_are_audited(client, db, clock, refs):
    bearer = factories.tokens(db, clock.now())
    headers = {"Authorization": f"Bearer {bearer['responder']}"}
    for path in (f"/api/v1/incidents/{refs['phi']}", f"/api/v1/incidents/{refs['phi']}/timeline",
                 f"/api/v1/incidents/{refs['plain']}", "/api/v1/alerts"):
        assert client.get(path, headers=headers).status_code == 200
    # No alert belongs to these incidents, so the alert list read nothing flagged.
    assert [(who, ref, after["what"]) for who, ref, after in reads(db)] == [
        ("tok-responder@example.org", refs["phi"], "incident"),
        ("tok-responder@example.org", refs["phi"], "timeline"),
    ]


def test_api__an_alert_list_holding_a_phi_incidents_alert_is_audited(client, db, clock, seeded):
    bearer = factories.tokens(db, clock.now())
    created = client.post("/api/v1/integrations", json={"type": "pagerduty", "service": factories.CRM, "name": "pd"},
                          headers={"Authorization": f"Bearer {bearer['admin']}"})
    key = created.json()["key"]
    event = {"routing_key": key, "event_action": "trigger", "dedup_key": "phi-1",
             "payload": {"summary": "PHI exposure suspected in export", "source": "dlp", "severity": "critical"}}
    assert client.post("/v2/enqueue", json=event).status_code == 202
    listed = client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {bearer['viewer']}"}).json()
    assert listed, "the alert was not stored"
    with db.unit_of_work() as s:
        incident = s.scalar(select(Incident).where(Incident.ref == listed[0]["incident"]))
        incident.phi_suspected = True
    client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {bearer['viewer']}"})
    assert [(who, ref, after["what"]) for who, ref, after in reads(db)] == [
        ("tok-viewer@example.org", listed[0]["incident"], "alerts")]


def test_admin_changes__users_tokens_and_integrations_are_audited_with_their_actor(db, people):
    admin = people["admin"]
    assert admin.post("/users", {"email": "new@example.org", "name": "New", "role": "viewer"}).status_code == 201
    assert admin.post("/integrations", {"type": "grafana", "service": factories.CRM, "name": "grafana"}
                      ).status_code == 201
    with db.unit_of_work(readonly=True) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.actor == admin.email).order_by(AuditEntry.seq)).all()
        got = [(e.action, e.subject_type) for e in rows]
        recorded = json.loads(rows[1].after_json)
    assert got == [("user.created", "user"), ("integration.created", "integration")]
    assert "key" not in recorded and len(recorded["key_prefix"]) == 6  # the key itself is never recorded


def test_api_changes__on_call_set_up_is_audited(client, db, clock, seeded):
    bearer = factories.tokens(db, clock.now())
    headers = {"Authorization": f"Bearer {bearer['admin']}"}
    r = client.post("/api/v1/users/tok-admin@example.org/contact-methods",
                    json={"type": "email", "address": "pager@example.org"}, headers=headers)
    assert r.status_code == 201, r.text
    method = r.json()["id"]
    assert client.post("/api/v1/users/tok-admin@example.org/notification-rules",
                       json={"contact_method_id": method, "delay_seconds": 0}, headers=headers).status_code == 201
    policy = {"slug": "night", "name": "Night", "steps": [{"delay_seconds": 300, "targets": [
        {"type": "user", "ref": "tok-admin@example.org"}]}]}
    assert client.post("/api/v1/escalation-policies", json=policy, headers=headers).status_code == 201
    assert client.put(f"/api/v1/services/{factories.CRM}/escalation-policy", json={"policy": "night"},
                      headers=headers).status_code == 204
    with db.unit_of_work(readonly=True) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.actor == "tok-admin@example.org")
                         .order_by(AuditEntry.seq)).all()
        got = [(e.action, e.subject_id) for e in rows]
        bound = json.loads(rows[-1].before_json)
    assert got == [("contact_method.created", "tok-admin@example.org"),
                   ("notification_rule.created", "tok-admin@example.org"),
                   ("escalation_policy.created", "night"), ("service.policy_bound", factories.CRM)]
    assert bound["policy"]  # the policy it was bound to before
