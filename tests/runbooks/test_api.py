"""The runbook, checklist, evidence and resolve routes over HTTP."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests import factories
from tests.runbooks import fixtures as fx


@pytest.fixture
def h(db, clock):
    factories.seed(db, clock.now())
    tokens = factories.tokens(db, clock.now())
    return {role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}


def ingested(db, clock, service, source, change=None) -> str:
    with db.unit_of_work() as s:
        return fx.ingest(s, service=service, source=source, now=clock.now(), change=change).ref


def test_runbook__shows_commands_filled_from_the_ingested_alert(client, db, clock, h):
    ref = ingested(db, clock, factories.IVR, fx.ECS, fx.ecs_service("ivr-call-router"))
    body = client.get(f"/api/v1/incidents/{ref}/runbook", headers=h["viewer"]).json()
    assert (body["type"], body["pack"]) == ("ecs_service_failure", "healthcare-ivr")
    describe = body["commands"][1]
    assert describe["text"].endswith("--services ivr-call-router") and describe["complete"]
    assert [p for p in describe["parts"] if p["placeholder"]] == [
        {"text": "ivr-call-router", "placeholder": "SERVICE_NAME", "filled": True, "fact": "ecs_service"}]


def test_runbook__follows_the_incident_type_when_it_changes(client, db, clock, h):
    ref = ingested(db, clock, factories.IVR, fx.BACKUP)
    assert client.get(f"/api/v1/incidents/{ref}/runbook", headers=h["viewer"]).json()["type"] == "failed_backup_jobs"
    r = client.patch(f"/api/v1/incidents/{ref}", headers=h["commander"],
                     json={"type": "recovery_testing", "reason": "restore test after the failure"})
    assert r.status_code == 200, r.text
    body = client.get(f"/api/v1/incidents/{ref}/runbook", headers=h["viewer"]).json()
    assert body["type"] == "recovery_testing" and body["commands"][0]["missing"] == ["ARN"]


def test_checklists__tick_over_http_and_resolve_needs_them_or_an_override(client, db, clock, h):
    ref = ingested(db, clock, factories.IVR, fx.BACKUP)  # P1 failed backup
    lists = client.get(f"/api/v1/incidents/{ref}/checklists", headers=h["viewer"]).json()
    recovery = next(c for c in lists if c["id"] == "recovery_verification")
    assert recovery["required_now"] and recovery["done"] == 0
    refused = client.post(f"/api/v1/incidents/{ref}/resolve", headers=h["responder"], json={"note": "fixed"})
    assert refused.status_code == 409 and len(refused.json()["error"]["details"]["open_items"]) == 5
    for item in recovery["items"]:
        r = client.post(f"/api/v1/incidents/{ref}/checklists/recovery_verification/items/{item['id']}",
                        headers=h["responder"], json={"done": True, "note": "checked"})
        assert r.status_code == 200, r.text
    after = next(c for c in r.json() if c["id"] == "recovery_verification")
    assert after["done"] == after["total"] == 5
    assert {i["done_by"] for i in after["items"]} == {"tok-responder@example.org"}
    assert client.post(f"/api/v1/incidents/{ref}/resolve", headers=h["responder"]).json()["status"] == "resolved"


def test_resolve__override_reason_over_http_goes_on_the_timeline(client, db, clock, h):
    ref = ingested(db, clock, factories.IVR, fx.BACKUP)
    r = client.post(f"/api/v1/incidents/{ref}/resolve", headers=h["responder"],
                    json={"override_reason": "restore verified in the vendor console"})
    assert r.status_code == 200, r.text
    timeline = client.get(f"/api/v1/incidents/{ref}/timeline", headers=h["viewer"]).json()
    assert any(e["kind"] == "resolve_overridden" and e["data"]["reason"] == "restore verified in the vendor console"
               for e in timeline)


@pytest.mark.parametrize(("path", "body", "status"), [
    ("checklists/recovery_verification/items/nope", {"done": True}, 404),
    ("checklists/nope/items/x", {"done": True}, 404),
    ("checklists/recovery_verification/items/systems-restored", {"done": "maybe"}, 422),
    ("checklists/recovery_verification/items/systems-restored", {"done": True, "extra": 1}, 422),
])
def test_tick__bad_requests_are_4xx_naming_the_problem(client, db, clock, h, path, body, status):
    ref = ingested(db, clock, factories.IVR, fx.BACKUP)
    r = client.post(f"/api/v1/incidents/{ref}/{path}", headers=h["responder"], json=body)
    assert r.status_code == status, r.text


def test_evidence__file_upload_is_stored_once_listed_and_downloaded_with_its_hash(client, db, clock, h):
    ref = ingested(db, clock, factories.IVR, fx.BACKUP)
    data = b"\x00\x01binary log \\u0000 with NULs\n" * 100
    r = client.post(f"/api/v1/incidents/{ref}/evidence", headers=h["responder"],
                    files={"file": ("backup job.log", data, "text/plain")}, data={"note": "from the console"})
    assert r.status_code == 201, r.text
    row = r.json()
    digest = hashlib.sha256(data).hexdigest()
    assert (row["sha256"], row["size"], row["kind"], row["name"]) == (digest, len(data), "file", "backup job.log")
    again = client.post(f"/api/v1/incidents/{ref}/evidence", headers=h["responder"],
                        files={"file": ("copy.log", data, "text/plain")})
    assert again.json()["id"] == row["id"]
    listed = client.get(f"/api/v1/incidents/{ref}/evidence", headers=h["viewer"]).json()
    assert [e["id"] for e in listed] == [row["id"]]
    down = client.get(row["download"], headers=h["viewer"])
    assert down.status_code == 200 and down.content == data
    assert down.headers["x-content-sha256"] == digest and down.headers["cache-control"] == "no-store"
    assert down.headers["repr-digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"
    assert down.headers["content-disposition"].startswith('attachment; filename="evidence-')
    timeline = client.get(f"/api/v1/incidents/{ref}/timeline", headers=h["viewer"]).json()
    assert [e["data"]["evidence_id"] for e in timeline if e["kind"] == "evidence_added"] == [row["id"]]


def test_evidence__json_log_and_link(client, db, clock, h):
    ref = ingested(db, clock, factories.CRM, fx.SECURITYHUB)
    log = client.post(f"/api/v1/incidents/{ref}/evidence", headers=h["responder"],
                      json={"kind": "log", "name": "auth.log", "text": "failed login x42"})
    link = client.post(f"/api/v1/incidents/{ref}/evidence", headers=h["responder"],
                       json={"kind": "link", "url": "https://siem.example.org/case/7"})
    assert (log.status_code, link.status_code) == (201, 201)
    assert client.get(link.json()["download"], headers=h["viewer"]).content == b"https://siem.example.org/case/7"
    bad = client.post(f"/api/v1/incidents/{ref}/evidence", headers=h["responder"], json={"kind": "link", "url": "ftp://x"})
    assert bad.status_code == 422 and "http" in bad.json()["error"]["message"]


def test_evidence__of_a_phi_flagged_incident_downloads_only_for_compliance(client, db, clock, h):
    ref = ingested(db, clock, factories.CRM, fx.SECURITYHUB, fx.finding_types("Effects/Data Exfiltration"))
    row = client.post(f"/api/v1/incidents/{ref}/evidence", headers=h["responder"],
                      json={"kind": "log", "text": "patient record ids ..."}).json()
    assert client.get(row["download"], headers=h["responder"]).status_code == 403
    assert client.get(row["download"], headers=h["compliance"]).status_code == 200


def test_evidence__delete_is_refused_while_retained(client, db, clock, h):
    ref = ingested(db, clock, factories.CRM, fx.SECURITYHUB)
    row = client.post(f"/api/v1/incidents/{ref}/evidence", headers=h["responder"],
                      json={"kind": "log", "text": "x"}).json()
    r = client.delete(f"/api/v1/evidence/{row['id']}", headers=h["admin"])
    assert r.status_code == 409 and "kept until" in r.json()["error"]["message"]
    assert client.get(row["download"], headers=h["viewer"]).status_code == 200


def test_body_limit__evidence_routes_take_up_to_their_own_limit_and_no_more(db, clock, tmp_path):
    from fastapi.testclient import TestClient

    from codeblue.app import create_app
    from codeblue.settings import Settings
    settings = Settings(env="test", auto_migrate=False, run_engine=False, database_url=f"sqlite:///{tmp_path}/x.db",
                        max_body_bytes=4096, evidence_max_bytes=200_000)
    with TestClient(create_app(settings, clock=clock, db=db), raise_server_exceptions=False) as client:
        factories.seed(db, clock.now())
        tokens = factories.tokens(db, clock.now())
        h = {"Authorization": f"Bearer {tokens['responder']}"}
        ref = ingested(db, clock, factories.CRM, fx.SECURITYHUB)
        big = b"a" * 150_000
        ok = client.post(f"/api/v1/incidents/{ref}/evidence", headers=h, files={"file": ("big.log", big)})
        assert ok.status_code == 201, ok.text
        note = client.post(f"/api/v1/incidents/{ref}/notes", headers=h, json={"text": "n" * 5000})
        assert note.status_code == 413
        huge = client.post(f"/api/v1/incidents/{ref}/evidence", headers=h, files={"file": ("huge.log", b"b" * 300_000)})
        assert huge.status_code == 413
        over = client.post(f"/api/v1/incidents/{ref}/evidence", headers=h, files={"file": ("over.log", b"c" * 200_001)})
        assert over.status_code == 413 and "200000" in over.json()["error"]["message"]


def test_run_command__refused_over_http_when_off(client, db, clock, h):
    ref = ingested(db, clock, factories.IVR, fx.BACKUP)
    r = client.post(f"/api/v1/incidents/{ref}/runbook/commands/0/run", headers=h["responder"])
    assert r.status_code == 409 and "turned off" in r.json()["error"]["message"]
