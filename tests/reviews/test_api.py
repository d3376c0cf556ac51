"""The post-incident review through HTTP: opened on resolve, written, exported, required to close."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdf
import pytest

from tests import factories


@pytest.fixture
def tokens(db, clock):
    factories.seed(db, clock.now())
    return factories.tokens(db, clock.now())


def auth(tokens, role="commander"):
    return {"Authorization": f"Bearer {tokens[role]}"}


@pytest.fixture
def resolved(client, tokens, clock):
    """An incident worked through to resolution, 75 minutes after detection."""
    h = auth(tokens)
    r = client.post("/api/v1/incidents", headers=h, json={
        "service": factories.CRM, "title": "API down", "description": "Health checks failing in us-east-1",
        "facts": {"availability": "down"}})
    ref = r.json()["id"]
    clock.advance(timedelta(minutes=4))
    client.post(f"/api/v1/incidents/{ref}/acknowledge", headers=h)
    client.patch(f"/api/v1/incidents/{ref}", headers=h, json={"roles": {"commander": "tok-commander@example.org"}})
    clock.advance(timedelta(minutes=10))
    client.patch(f"/api/v1/incidents/{ref}", headers=h, json={"status": "investigating"})
    clock.advance(timedelta(minutes=20))
    client.patch(f"/api/v1/incidents/{ref}", headers=h, json={"status": "identified", "reason": "pool exhausted"})
    client.post(f"/api/v1/incidents/{ref}/notes", headers=h, json={"text": "Rolled back deploy 4812"})
    clock.advance(timedelta(minutes=11))
    client.patch(f"/api/v1/incidents/{ref}", headers=h, json={"status": "monitoring"})
    clock.advance(timedelta(minutes=30))
    r = client.post(f"/api/v1/incidents/{ref}/resolve", headers=h,
                    json={"note": "error rates normal", "override_reason": "recovery verified outside the checklist"})
    assert r.status_code == 200, r.text
    return ref


SECTIONS = {"root_cause": "Connection pool exhausted after config change 4812",
            "analysis": "The pool limit was lowered from 100 to 10 by a typo.",
            "contributing_factors": "No alert on pool saturation; the change skipped review.",
            "lessons_learned": "Config changes need the same review as code.",
            "prevention": "Alert at 80% pool use; validate pool limits in CI.",
            "compliance_impact": "No PHI was exposed; availability only."}


def test_resolve__opens_a_review_due_in_24_hours_prefilled_from_the_incident(client, tokens, resolved, clock):
    r = client.get(f"/api/v1/incidents/{resolved}/review", headers=auth(tokens, "viewer"))
    assert r.status_code == 200, r.text
    review = r.json()
    assert review["status"] == "open" and not review["overdue"]
    resolved_at = review["resolved_at"]
    assert review["due_at"] == client.get(f"/api/v1/incidents/{resolved}", headers=auth(tokens)).json()[
        "resolved_at"].replace(resolved_at[:10], review["due_at"][:10])
    assert review["duration_seconds"] == 75 * 60
    assert review["severity"] == "P0"
    assert review["summary"].startswith("API down") and "us-east-1" in review["summary"]
    assert "Telehealth CRM API (user-facing)" in review["impact"]
    texts = [h["text"] for h in review["timeline"]]
    assert texts[0].startswith("Incident detected")
    for milestone in ("Investigation started", "Root cause identified: pool exhausted", "Resolution implemented",
                      "Incident resolved: error rates normal"):
        assert milestone in texts
    assert review["actions_taken"] == ["Rolled back deploy 4812", "error rates normal"]
    assert all(review[k] == "" for k in SECTIONS)


def test_review__due_time_is_the_packs_review_due_after_resolution(client, tokens, resolved):
    review = client.get(f"/api/v1/incidents/{resolved}/review", headers=auth(tokens)).json()
    from datetime import datetime
    due, done = datetime.fromisoformat(review["due_at"]), datetime.fromisoformat(review["resolved_at"])
    assert due - done == timedelta(hours=24)


def test_review__team_writes_it_edits_the_highlights_and_completes_it(client, tokens, resolved, clock):
    h = auth(tokens, "responder")
    r = client.patch(f"/api/v1/incidents/{resolved}/review", headers=h, json={
        **SECTIONS, "timeline": [{"at": "2026-03-10T14:00:00Z", "text": "Incident detected"},
                                 {"at": "2026-03-10T15:15:00Z", "text": "Incident resolved"}]})
    assert r.status_code == 200, r.text
    assert [t["text"] for t in r.json()["timeline"]] == ["Incident detected", "Incident resolved"]
    assert client.post(f"/api/v1/incidents/{resolved}/review/complete", headers=h).status_code == 403
    r = client.post(f"/api/v1/incidents/{resolved}/review/complete", headers=auth(tokens))
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["completed_by"]
    r = client.patch(f"/api/v1/incidents/{resolved}/review", headers=h, json={"root_cause": "x"})
    assert r.status_code == 409 and "reopen" in r.json()["error"]["message"]


def test_complete__refused_until_root_cause_lessons_and_prevention_are_written(client, tokens, resolved):
    r = client.post(f"/api/v1/incidents/{resolved}/review/complete", headers=auth(tokens))
    assert r.status_code == 422
    assert r.json()["error"]["details"]["missing"] == ["root_cause", "lessons_learned", "prevention"]


def test_close__needs_the_review_done(client, tokens, resolved):
    h = auth(tokens)
    r = client.post(f"/api/v1/incidents/{resolved}/close", headers=h)
    assert r.status_code == 409 and "review" in r.json()["error"]["message"]
    r = client.patch(f"/api/v1/incidents/{resolved}", headers=h, json={"status": "closed"})
    assert r.status_code == 409
    client.patch(f"/api/v1/incidents/{resolved}/review", headers=h, json=SECTIONS)
    client.post(f"/api/v1/incidents/{resolved}/review/complete", headers=h)
    r = client.post(f"/api/v1/incidents/{resolved}/close", headers=h, json={"note": "reviewed"})
    assert r.status_code == 200 and r.json()["status"] == "closed"


def test_close__admin_override_with_a_reason_goes_on_the_timeline(client, tokens, resolved):
    r = client.post(f"/api/v1/incidents/{resolved}/close", headers=auth(tokens),
                    json={"override_reason": "duplicate of another incident"})
    assert r.status_code == 403 and "admin" in r.json()["error"]["message"]
    r = client.post(f"/api/v1/incidents/{resolved}/close", headers=auth(tokens, "admin"),
                    json={"override_reason": "duplicate of INC-2026-03-09-004"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    timeline = client.get(f"/api/v1/incidents/{resolved}/timeline", headers=auth(tokens)).json()
    override = [e for e in timeline if e["kind"] == "review_overridden"]
    assert len(override) == 1 and "duplicate of INC-2026-03-09-004" in override[0]["summary"]
    assert override[0]["actor"] == "tok-admin@example.org"


def test_export__markdown_follows_the_seed_template(client, tokens, resolved):
    h = auth(tokens)
    client.patch(f"/api/v1/incidents/{resolved}/review", headers=h, json=SECTIONS)
    client.post(f"/api/v1/incidents/{resolved}/follow-ups", headers=h, json={
        "title": "Alert on pool saturation", "owner": "tok-responder@example.org", "due_on": "2026-03-20"})
    r = client.get(f"/api/v1/incidents/{resolved}/review/report.md", headers=auth(tokens, "viewer"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    text = r.text
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [f"# Post-Incident Report - {resolved}", "## Incident Summary", "## Timeline",
                        "## Root Cause Analysis", "### Contributing Factors", "## Actions Taken",
                        "## Lessons Learned", "## Follow-up Actions", "## Prevention Measures",
                        "## Compliance Impact"]
    assert "- **Severity**: P0" in text and f"- **Root Cause**: {SECTIONS['root_cause']}" in text
    assert "- **Duration**: 2026-03-10 14:00 UTC - 2026-03-10 15:15 UTC (1h 15m)" in text
    assert "- [ ] Alert on pool saturation (Responder, due 2026-03-20, medium)" in text
    assert "- Rolled back deploy 4812" in text
    assert SECTIONS["contributing_factors"] in text and SECTIONS["compliance_impact"] in text


def test_export__pdf_opens_and_holds_the_report_text(client, tokens, resolved):
    h = auth(tokens)
    client.patch(f"/api/v1/incidents/{resolved}/review", headers=h,
                 json={**SECTIONS, "lessons_learned": "Naïve limits → outages — check them"})
    r = client.get(f"/api/v1/incidents/{resolved}/review/report.pdf", headers=auth(tokens, "viewer"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(r.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (f"Post-Incident Report - {resolved}", "Incident Summary", "Severity: P0",
                     SECTIONS["root_cause"], "Prevention Measures", SECTIONS["prevention"],
                     "Naïve limits -> outages - check them", "Rolled back deploy 4812"):
        assert expected in text, expected
    assert reader.metadata.title == f"Post-Incident Report - {resolved}"


def test_review__404_before_the_incident_resolves(client, tokens):
    ref = client.post("/api/v1/incidents", headers=auth(tokens),
                      json={"service": factories.CRM, "title": "slow"}).json()["id"]
    for path in ("review", "review/report.md", "review/report.pdf"):
        r = client.get(f"/api/v1/incidents/{ref}/{path}", headers=auth(tokens))
        assert r.status_code == 404 and "opens when it resolves" in r.json()["error"]["message"]


@pytest.mark.parametrize(("body", "field"), [
    ({"timeline": [{"at": "not a time", "text": "x"}]}, "timeline.0.at"),
    ({"timeline": [{"at": "0001-01-01T00:00:00+05:00", "text": "x"}]}, "timeline.0.at"),
    ({"timeline": [{"at": "2026-03-10T14:00:00Z", "text": ""}]}, "timeline.0.text"),
    ({"root_cause": "x" * 20_001}, "root_cause"),
    ({"unknown": 1}, "unknown"),
])
def test_review_patch__bad_input_is_a_422_naming_the_field(client, tokens, resolved, body, field):
    r = client.patch(f"/api/v1/incidents/{resolved}/review", headers=auth(tokens), json=body)
    assert r.status_code == 422, r.text
    assert field in [p["field"] for p in r.json()["error"]["details"]]
