"""The playbook on the incident page: runbook with filled commands, checklist tick forms, evidence, readiness."""

from __future__ import annotations

import hashlib
import html as htmllib

from codeblue.incidents import service as incidents
from codeblue.runbooks import service as runbooks
from tests import factories
from tests.runbooks import fixtures as fx
from tests.web.conftest import HTML, people, seeded  # noqa: F401  (fixtures)


def ingested(db, clock, service, source, change=None) -> str:
    with db.unit_of_work() as s:
        return fx.ingest(s, service=service, source=source, now=clock.now(), change=change).ref


def test_incident_page__shows_the_runbook_with_filled_and_unfilled_values(db, clock, people):  # noqa: F811
    ref = ingested(db, clock, factories.IVR, fx.ECS)
    page = people["viewer"].get(f"/incidents/{ref}").text
    assert "Runbook: ECS Service Failure" in page
    assert '<mark class="unfilled">[SERVICE_NAME]</mark>' in page
    assert '<span class="filled" title="from alert fact task_arn">arn:aws:ecs:us-east-1:563873274798:task/' in page
    assert "(fill in: SERVICE_NAME)" in page
    copy = htmllib.unescape(page[page.index('id="command-text-1"'):].split(">", 1)[1].split("</textarea>")[0])
    assert copy == "aws ecs describe-services --cluster healthcare-ivr-cluster --services [SERVICE_NAME]"
    # A viewer reads the checklists but gets no forms to change them.
    assert "Recovery Verification" in page and "/checklists/" not in page and "Attach evidence" not in page


def test_incident_page__a_responder_ticks_an_item_with_the_csrf_token(db, clock, people):  # noqa: F811
    ref = ingested(db, clock, factories.IVR, fx.BACKUP)
    responder = people["responder"]
    page = responder.get(f"/incidents/{ref}").text
    action = f"/incidents/{ref}/checklists/recovery_verification/items/backups-verified"
    assert f'action="{action}"' in page
    assert responder.post(action, {"done": "1"}, csrf=False).status_code == 403
    r = responder.post(action, {"done": "1", "note": "restore test passed"})
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{ref}#checklist-recovery_verification"
    assert responder.post(action, {"done": "maybe"}).status_code == 422
    page = responder.get(f"/incidents/{ref}").text
    assert "web-responder@example.org" in page and "restore test passed" in page  # on the timeline
    with db.unit_of_work(readonly=True) as s:
        rows = runbooks.checklists(s, incident=incidents.get(s, ref=ref), now=clock.now())
        row = next(r for r in rows if r.item_id == "backups-verified")
        assert (row.done, row.done_by) == (True, "web-responder@example.org")
    assert people["viewer"].post(action, {"done": "0"}).status_code == 403


def test_incident_page__upload_evidence_and_download_it(db, clock, people):  # noqa: F811
    ref = ingested(db, clock, factories.CRM, fx.SECURITYHUB)
    responder = people["responder"]
    data = b"sshd[812]: Failed password for root from 198.51.100.7\n"
    r = responder.client.post(f"/incidents/{ref}/evidence", headers=responder._headers(None), follow_redirects=False,
                              data={"csrf_token": responder.csrf, "name": "sshd log"},
                              files={"file": ("auth.log", data, "text/plain")})
    assert r.status_code == 303, r.text
    link = responder.post(f"/incidents/{ref}/evidence", {"url": "https://siem.example.org/case/9"})
    empty = responder.post(f"/incidents/{ref}/evidence", {"name": "nothing"})
    assert (link.status_code, empty.status_code) == (303, 422)
    page = people["viewer"].get(f"/incidents/{ref}").text
    digest = hashlib.sha256(data).hexdigest()
    assert digest in page and "sshd log" in page
    download = page[page.index('href="/evidence/'):].split('"')[1]
    got = people["viewer"].get(download)
    assert got.status_code == 200 and got.content == data and got.headers["x-content-sha256"] == digest


def test_incident_page__resolve_form_takes_an_override_reason(db, clock, people):  # noqa: F811
    ref = ingested(db, clock, factories.IVR, fx.BACKUP)
    responder = people["responder"]
    assert 'name="override_reason"' in responder.get(f"/incidents/{ref}").text
    refused = responder.post(f"/incidents/{ref}/resolve", {"note": "job rerun"})
    assert refused.status_code == 409 and "Recovery Verification" in htmllib.unescape(refused.text)
    assert responder.post(f"/incidents/{ref}/resolve", {"note": "job rerun",
                                                        "override_reason": "vault checked by hand"}).status_code == 303


def test_readiness_page__is_in_the_nav_and_lists_problems(db, clock, people):  # noqa: F811
    page = people["viewer"].get("/readiness", headers=HTML).text
    assert '<a href="/readiness" aria-current="page">Readiness</a>' in page
    assert "Not ready." in page and "Every on-call schedule covers the next 14 days" in page
    assert "no usable contact method" in page
