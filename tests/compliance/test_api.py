"""Breach cases through HTTP: opened by the PHI flag, compliance and admins only, every access audited."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from codeblue.audit.models import AuditEntry
from tests import factories


@pytest.fixture
def tokens(db, clock):
    factories.seed(db, clock.now())
    return factories.tokens(db, clock.now())


def auth(tokens, role="compliance"):
    return {"Authorization": f"Bearer {tokens[role]}"}


def phi_incident(client, tokens, **extra):
    r = client.post("/api/v1/incidents", headers=auth(tokens, "responder"),
                    json={"service": factories.CRM, "title": "Unusual export of patient records", **extra})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def case_of(client, tokens, ref):
    r = client.get(f"/api/v1/incidents/{ref}/breach-case", headers=auth(tokens))
    assert r.status_code == 200, r.text
    return r.json()


def audit_rows(db, action=None):
    with db.unit_of_work(readonly=True) as s:
        query = select(AuditEntry).order_by(AuditEntry.seq)
        if action:
            query = query.where(AuditEntry.action == action)
        rows = list(s.scalars(query))
        s.expunge_all()  # keep them readable after the read-only transaction rolls back
        return rows


def test_flag__by_a_person_opens_a_breach_case_with_conservative_discovery(client, tokens, clock):
    ref = client.post("/api/v1/incidents", headers=auth(tokens, "responder"),
                      json={"service": factories.CRM, "title": "Odd access pattern"}).json()["id"]
    assert client.get(f"/api/v1/incidents/{ref}/breach-case", headers=auth(tokens)).status_code == 404
    clock.advance(timedelta(days=2))
    r = client.patch(f"/api/v1/incidents/{ref}", headers=auth(tokens, "responder"),
                     json={"phi_suspected": True, "reason": "records exported to an unknown host"})
    assert r.status_code == 200, r.text
    case = case_of(client, tokens, ref)
    assert case["status"] == "assessing" and "tok-responder@example.org" in case["opened_reason"]
    d = case["discovery"]
    assert (d["actual_knowledge_on"], d["reasonable_diligence_on"], d["discovery_on"]) == (
        "2026-03-12", "2026-03-10", "2026-03-10")
    assert d["citation"] == "45 CFR 164.404(a)(2)" and d["discovered_by"] == "tok-responder@example.org"
    individuals = next(n for n in case["notices"] if n["kind"] == "individuals")
    assert (individuals["due"], individuals["citation"], individuals["status"]) == (
        "2026-05-09", "45 CFR 164.404(b)", "pending")
    hhs = next(n for n in case["notices"] if n["kind"] == "hhs")
    assert hhs["citation"] == "45 CFR 164.408(b)"  # not counted yet: the earlier, contemporaneous deadline
    assert any("not counted yet" in a for a in case["assumptions"])


def test_flag__by_a_classification_rule_opens_a_breach_case(client, tokens):
    ref = phi_incident(client, tokens, facts={"data_exfiltration": True})
    case = case_of(client, tokens, ref)
    assert "PHI suspected" in case["opened_reason"] and "data-exfiltration" in case["opened_reason"]


@pytest.mark.parametrize("role", ["viewer", "responder", "commander"])
def test_breach_case__others_get_403_and_the_attempt_is_audited(client, tokens, db, role):
    ref = phi_incident(client, tokens, phi_suspected=True)
    case_id = case_of(client, tokens, ref)["id"]
    before = len(audit_rows(db, "breach.access_refused"))
    for method, path in [("GET", f"/api/v1/breach-cases/{case_id}"), ("GET", f"/api/v1/incidents/{ref}/breach-case"),
                         ("GET", "/api/v1/breach-cases"), ("PATCH", f"/api/v1/breach-cases/{case_id}"),
                         ("DELETE", f"/api/v1/breach-cases/{case_id}"), ("GET", "/api/v1/audit")]:
        r = client.request(method, path, headers=auth(tokens, role), json={} if method == "PATCH" else None)
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["error"]["code"] == "forbidden"
    refused = audit_rows(db, "breach.access_refused")[before:]
    assert len(refused) == 6
    first = refused[0]
    assert (first.actor, first.subject_type, first.subject_id) == (f"tok-{role}@example.org", "breach_case",
                                                                   str(case_id))
    assert f'"role":"{role}"' in first.after_json and f"/api/v1/breach-cases/{case_id}" in first.after_json
    assert refused[1].subject_type == "incident" and refused[1].subject_id == ref


@pytest.mark.parametrize("role", ["compliance", "admin"])
def test_breach_case__compliance_and_admin_may_read_and_each_read_is_audited(client, tokens, db, role):
    ref = phi_incident(client, tokens, phi_suspected=True)
    case_id = case_of(client, tokens, ref)["id"]
    reads = len(audit_rows(db, "breach_case.read"))
    assert client.get(f"/api/v1/breach-cases/{case_id}", headers=auth(tokens, role)).status_code == 200
    listing = client.get("/api/v1/breach-cases", headers=auth(tokens, role)).json()
    assert [c["id"] for c in listing["items"]] == [case_id] and listing["items"][0]["incident"] == ref
    entries = audit_rows(db, "breach_case.read")
    assert len(entries) == reads + 1 and entries[-1].actor == f"tok-{role}@example.org"
    assert audit_rows(db, "breach_case.listed")[-1].actor == f"tok-{role}@example.org"


def assess(client, tokens, case_id, **facts):
    r = client.patch(f"/api/v1/breach-cases/{case_id}", headers=auth(tokens), json=facts)
    assert r.status_code == 200, r.text
    return r.json()


FACTORS = {"factor_nature": "Names, dates of birth and diagnosis codes of 1,200 patients",
           "factor_recipient": "An unknown external host",
           "factor_acquired": "Logs show 40 MB transferred",
           "factor_mitigation": "Credentials revoked; host blocked"}


def test_assessment__facts_deadlines_and_a_signed_decision(client, tokens, db, clock):
    ref = phi_incident(client, tokens, phi_suspected=True)
    case_id = case_of(client, tokens, ref)["id"]
    case = assess(client, tokens, case_id, actual_knowledge_on="2026-03-02", reasonable_diligence_on="2026-03-02",
                  individuals_total=1200, individuals_per_state={"CA": 600, "TX": 300, "NV": 300},
                  insufficient_contact=12, deceased=2, **FACTORS)
    notices = {n["kind"] + (":" + n["state"] if n["state"] else ""): n for n in case["notices"]
               if n["status"] == "pending"}
    assert {k: (n["due"], n["citation"]) for k, n in notices.items() if k in
            ("individuals", "hhs", "media:CA", "substitute")} == {
        "individuals": ("2026-05-01", "45 CFR 164.404(b)"), "hhs": ("2026-05-01", "45 CFR 164.408(b)"),
        "media:CA": ("2026-05-01", "45 CFR 164.406"), "substitute": ("2026-05-01", "45 CFR 164.404(d)(2)")}
    assert "media:TX" not in notices and "media:NV" not in notices
    assert (notices["state_individuals:CA"]["due"], notices["state_individuals:CA"]["citation"]) == (
        "2026-04-01", "Cal. Civ. Code 1798.82")
    assert notices["state_regulator:CA"]["due"] == "2026-04-16"
    assert "2 deceased: next of kin" in notices["individuals"]["note"]
    assert case["deadlines"]["earliest_individual_due"] == "2026-04-01"
    assert case["deadlines"]["individuals"]["citation"] == "45 CFR 164.404(b)"

    r = client.post(f"/api/v1/breach-cases/{case_id}/decision", headers=auth(tokens, "admin"),
                    json={"decision": "breach", "rationale": "PHI acquired"})
    assert r.status_code == 403 and "compliance officer" in r.json()["error"]["message"]
    r = client.post(f"/api/v1/breach-cases/{case_id}/decision", headers=auth(tokens),
                    json={"decision": "breach", "rationale": "PHI acquired by an unknown host"})
    assert r.status_code == 200, r.text
    decision = r.json()["decision"]
    assert (decision["decision"], decision["decided_by"]) == ("breach", "Compliance <tok-compliance@example.org>")
    assert decision["decided_at"].startswith("2026-03-10T14:00")
    decided = audit_rows(db, "breach_case.decided")[-1]
    assert decided.actor == "tok-compliance@example.org" and '"decision":"breach"' in decided.after_json


def test_decision__low_probability_needs_the_four_factors_and_closes_the_notices(client, tokens):
    ref = phi_incident(client, tokens, phi_suspected=True)
    case_id = case_of(client, tokens, ref)["id"]
    assess(client, tokens, case_id, individuals_total=3, factor_nature="Appointment times only")
    r = client.post(f"/api/v1/breach-cases/{case_id}/decision", headers=auth(tokens),
                    json={"decision": "low_probability", "rationale": "internal misdirected email"})
    assert r.status_code == 422
    assert r.json()["error"]["details"]["missing"] == ["factor_recipient", "factor_acquired", "factor_mitigation"]
    assess(client, tokens, case_id, **FACTORS)
    r = client.post(f"/api/v1/breach-cases/{case_id}/decision", headers=auth(tokens),
                    json={"decision": "low_probability", "rationale": "recipient was a covered entity"})
    assert r.status_code == 200, r.text
    assert {n["status"] for n in r.json()["notices"]} == {"not_required"}  # kept, not deleted


def test_safe_harbor__encrypted_with_a_safe_key_needs_no_notice_a_compromised_key_does(client, tokens):
    ref = phi_incident(client, tokens, phi_suspected=True)
    case_id = case_of(client, tokens, ref)["id"]
    case = assess(client, tokens, case_id, individuals_total=900, encrypted=True, encryption_standard="AES-256")
    assert case["deadlines"]["notice_required"] is False and "secured" in case["deadlines"]["reason"]
    assert {n["status"] for n in case["notices"]} == {"not_required"}
    case = assess(client, tokens, case_id, key_compromised=True)
    assert case["deadlines"]["notice_required"] is True
    assert {n["kind"] for n in case["notices"] if n["status"] == "pending"} >= {"individuals", "hhs"}


def test_business_associate__we_owe_only_the_notice_to_the_covered_entity(client, tokens):
    ref = phi_incident(client, tokens, phi_suspected=True)
    case_id = case_of(client, tokens, ref)["id"]
    case = assess(client, tokens, case_id, entity_role="business_associate", ba_relationship="independent",
                  actual_knowledge_on="2026-03-05", reasonable_diligence_on="2026-03-05", individuals_total=40)
    pending = [n for n in case["notices"] if n["status"] == "pending"]
    assert [(n["kind"], n["due"], n["citation"]) for n in pending] == [
        ("business_associate", "2026-05-04", "45 CFR 164.410")]


@pytest.mark.parametrize(("body", "status", "mentions"), [
    ({"individuals_total": 5, "individuals_per_state": {"CA": 6}}, 422, "add up to 6"),
    ({"individuals_total": 5, "insufficient_contact": 6}, 422, "cannot exceed"),
    ({"individuals_total": 5, "deceased": 6}, 422, "deceased cannot exceed"),
    ({"le_oral_on": "2026-03-20"}, 422, "le_official"),
    ({"le_written_on": "2026-03-20"}, 422, "written law-enforcement statement needs"),
    ({"key_compromised": True}, 422, "only to encrypted"),
    ({"individuals_per_state": {"California": 3}}, 422, "individuals_per_state"),
    ({"individuals_total": -1}, 422, "individuals_total"),
    ({"actual_knowledge_on": "9999-12-31"}, 422, "actual_knowledge_on"),
    ({"actual_knowledge_on": None, "reasonable_diligence_on": None}, 422, "discovery date"),
    ({"encrypted": None}, 422, "encrypted cannot be null"),
    ({"entity_role": None}, 422, "entity_role cannot be null"),
    ({"entity_role": "vendor"}, 422, "entity_role"),
    ({"nonsense": 1}, 422, "nonsense"),
])
def test_patch__contradictory_or_bad_facts_get_a_4xx_naming_the_problem_and_change_nothing(
        client, tokens, body, status, mentions):
    ref = phi_incident(client, tokens, phi_suspected=True)
    before = case_of(client, tokens, ref)
    r = client.patch(f"/api/v1/breach-cases/{before['id']}", headers=auth(tokens), json=body)
    assert r.status_code == status, r.text
    assert mentions in r.text
    after = case_of(client, tokens, ref)
    assert after["facts"] == before["facts"] and after["updated_at"] == before["updated_at"]


def test_notice__marked_sent_with_method_evidence_and_who(client, tokens, db, clock):
    ref = phi_incident(client, tokens, phi_suspected=True)
    case = assess(client, tokens, case_of(client, tokens, ref)["id"], individuals_total=20,
                  actual_knowledge_on="2026-03-02", reasonable_diligence_on="2026-03-02")
    notice = next(n for n in case["notices"] if n["kind"] == "individuals")
    r = client.patch(f"/api/v1/breach-notices/{notice['id']}", headers=auth(tokens), json={"status": "sent"})
    assert r.status_code == 422 and r.json()["error"]["details"]["missing"] == ["sent_on", "method"]
    r = client.patch(f"/api/v1/breach-notices/{notice['id']}", headers=auth(tokens),
                     json={"status": "sent", "sent_on": "2026-03-30", "method": "first-class mail"})
    assert r.status_code == 422 and "future" in r.json()["error"]["message"]
    r = client.patch(f"/api/v1/breach-notices/{notice['id']}", headers=auth(tokens),
                     json={"status": "sent", "sent_on": "2026-03-09", "method": "first-class mail"})
    assert r.status_code == 200, r.text
    sent = r.json()
    assert (sent["status"], sent["sent_on"], sent["on_time"], sent["sent_by"]) == (
        "sent", "2026-03-09", True, "tok-compliance@example.org")
    r = client.post(f"/api/v1/breach-notices/{notice['id']}/evidence", headers=auth(tokens),
                    json={"description": "Mail house receipt", "reference": "USPS batch 7781", "content": "receipt"})
    assert r.status_code == 201
    assert r.json()["sha256"] == hashlib.sha256(b"receipt").hexdigest()
    got = client.get(f"/api/v1/breach-notices/{notice['id']}", headers=auth(tokens)).json()
    assert [e["reference"] for e in got["evidence"]] == ["USPS batch 7781"]
    actions = [e.action for e in audit_rows(db)]
    assert {"breach_notice.updated", "breach_evidence.added", "breach_notice.read"} <= set(actions)


def test_retention__deletes_are_refused_for_6_years_and_each_refusal_is_audited(client, tokens, db, clock):
    ref = phi_incident(client, tokens, phi_suspected=True)
    case = case_of(client, tokens, ref)
    notice = case["notices"][0]
    evidence = client.post(f"/api/v1/breach-notices/{notice['id']}/evidence", headers=auth(tokens),
                           json={"description": "draft letter"}).json()
    for path in (f"/api/v1/breach-cases/{case['id']}", f"/api/v1/breach-notices/{notice['id']}",
                 f"/api/v1/breach-evidence/{evidence['id']}"):
        r = client.delete(path, headers=auth(tokens, "admin"))
        assert r.status_code == 409, r.text
        err = r.json()["error"]
        assert err["code"] == "retention_hold" and "2032-03-10" in err["message"] and "164.530(j)" in err["message"]
    refused = [e.action for e in audit_rows(db) if e.action.endswith("delete_refused")]
    assert refused == ["breach_case.delete_refused", "breach_notice.delete_refused",
                       "breach_evidence.delete_refused"]
    assert case_of(client, tokens, ref)["notices"][0]["evidence"][0]["id"] == evidence["id"]  # nothing deleted


def test_retention__counts_from_the_last_change_and_allows_deletion_after_6_years(client, tokens, clock):
    ref = phi_incident(client, tokens, phi_suspected=True)
    case_id = case_of(client, tokens, ref)["id"]
    clock.advance(timedelta(days=365))
    assess(client, tokens, case_id, individuals_total=3)  # changed a year later: six years from now
    clock.advance(timedelta(days=6 * 365))
    r = client.delete(f"/api/v1/breach-cases/{case_id}", headers=auth(tokens))
    assert r.status_code == 409 and "2033-03-10" in r.json()["error"]["message"]
    clock.advance(timedelta(days=2))
    assert client.delete(f"/api/v1/breach-cases/{case_id}", headers=auth(tokens)).status_code == 204
    assert client.get(f"/api/v1/breach-cases/{case_id}", headers=auth(tokens)).status_code == 404


def test_hhs_log__small_breaches_of_the_year_as_csv(client, tokens):
    small = phi_incident(client, tokens, phi_suspected=True)
    large = phi_incident(client, tokens, phi_suspected=True)
    for ref, total in ((small, 40), (large, 900)):
        case_id = case_of(client, tokens, ref)["id"]
        assess(client, tokens, case_id, individuals_total=total, actual_knowledge_on="2026-03-02",
               reasonable_diligence_on="2026-03-02", breach_type="=HYPERLINK(\"x\")", phi_location="Email")
        client.post(f"/api/v1/breach-cases/{case_id}/decision", headers=auth(tokens),
                    json={"decision": "breach", "rationale": "acquired"})
    r = client.get("/api/v1/breach-cases/hhs-log?year=2026", headers=auth(tokens))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("case_id,incident,breach_occurred_on,discovery_on,individuals")
    assert len(lines) == 2 and f",{small}," in lines[1] and ",2026-03-02,40," in lines[1]
    assert "2027-03-01" in lines[1] and "45 CFR 164.408(c)" in lines[1]
    assert "'=HYPERLINK" in lines[1]  # a formula would run in a spreadsheet
    assert client.get("/api/v1/breach-cases/hhs-log?year=2025", headers=auth(tokens)).text.count("\n") == 1
    assert client.get("/api/v1/breach-cases/hhs-log", headers=auth(tokens)).status_code == 422


def test_unknown_ids__404_not_500(client, tokens):
    for path in ("/api/v1/breach-cases/999999", "/api/v1/breach-notices/2147483647",
                 "/api/v1/incidents/INC-NOPE/breach-case"):
        assert client.get(path, headers=auth(tokens)).status_code == 404
    assert client.get("/api/v1/breach-cases/0", headers=auth(tokens)).status_code == 422
    assert client.get("/api/v1/breach-cases/99999999999", headers=auth(tokens)).status_code == 422


def test_alert__a_data_exfiltration_finding_opens_a_breach_case_through_ingest(client, tokens):
    from tests.alerts.senders import create_integration, deliver

    admin = auth(tokens, "admin")
    key = create_integration(client, admin, "generic", summary="$.title", dedup_key="$.id",
                             facts={"data_exfiltration": "$.exfil"})
    [outcome] = deliver(client, "generic", key, {"id": "gd-1", "title": "S3 exfiltration", "exfil": True}
                        ).json()["alerts"]
    case = case_of(client, tokens, outcome["incident"])
    assert "data-exfiltration" in case["opened_reason"] and case["discovery"]["discovery_on"] == "2026-03-10"
    # a second delivery joins the incident and opens no second case
    deliver(client, "generic", key, {"id": "gd-1", "title": "S3 exfiltration", "exfil": True})
    assert client.get("/api/v1/breach-cases", headers=auth(tokens)).json()["total"] == 1
