"""codeblue review export and follow-ups, and codeblue breach hhs-log, on a SQLite file."""

from __future__ import annotations

import io
import json
from datetime import date

import pypdf
import pytest
from typer.testing import CliRunner

from codeblue.auth.permissions import Role
from codeblue.cli import app as cli
from codeblue.compliance import service as breaches
from codeblue.compliance.schemas import BreachCasePatch, DecisionIn
from codeblue.db import Database
from codeblue.incidents import service as incidents
from codeblue.reviews import followups
from codeblue.reviews.schemas import FollowUpIn
from tests import factories

runner = CliRunner()


@pytest.fixture
def db_url(tmp_path, monkeypatch, clock):
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("CODEBLUE_DATABASE_URL", url)
    assert runner.invoke(cli, ["init"]).exit_code == 0
    return url


@pytest.fixture
def ref(db_url, clock):
    db = Database(db_url)
    with db.unit_of_work() as s:
        commander = factories.actor_for(factories.user(s, Role.COMMANDER, clock.now()))
        officer = factories.actor_for(factories.user(s, Role.COMPLIANCE, clock.now()))
        inc = factories.incident(s, clock.now(), actor=commander, title="Records exported", phi_suspected=True)
        incidents.resolve(s, incident=inc, actor=commander, now=clock.now())
        followups.create(s, incident=inc, actor=commander, now=clock.now(), data=FollowUpIn(
            title="Rotate the export credentials", owner="commander@example.org", due_on=date(2026, 3, 1)))
        case = breaches.case_for_incident(s, ref=inc.ref, actor=officer, now=clock.now())
        breaches.update_case(s, case_id=case.id, actor=officer, now=clock.now(), patch=BreachCasePatch(
            individuals_total=12, actual_knowledge_on=date(2026, 3, 2), reasonable_diligence_on=date(2026, 3, 2)))
        breaches.decide(s, case_id=case.id, actor=officer, now=clock.now(),
                        data=DecisionIn(decision="breach", rationale="exported to an unknown host"))
        ref = inc.ref
    db.dispose()
    return ref


def test_review_export__markdown_to_stdout_and_pdf_to_a_file(ref, tmp_path):
    result = runner.invoke(cli, ["review", "export", ref])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"# Post-Incident Report - {ref}")
    assert "- [ ] Rotate the export credentials" in result.stdout
    out = tmp_path / "review.pdf"
    result = runner.invoke(cli, ["review", "export", ref, "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert f"Post-Incident Report - {ref}" in text and "Rotate the export credentials" in text


def test_review_export__refuses_pdf_to_a_terminal_and_unknown_incidents(ref):
    result = runner.invoke(cli, ["review", "export", ref, "--format", "pdf"])
    assert result.exit_code == 2 and "--out" in result.stderr
    result = runner.invoke(cli, ["review", "export", "INC-2000-01-01-999"])
    assert result.exit_code == 2 and "no incident" in result.stderr


def test_follow_ups__overdue_listed(ref):
    result = runner.invoke(cli, ["review", "follow-ups", "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    assert [(i["title"], i["incident"]) for i in items] == [("Rotate the export credentials", ref)]
    assert items[0]["overdue"] is True  # due 2026-03-01; it is later than that on this machine


def test_breach_hhs_log__csv_of_the_years_small_breaches(ref, tmp_path):
    result = runner.invoke(cli, ["breach", "hhs-log", "--year", "2026"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and f",{ref}," in lines[1] and ",12," in lines[1]
    out = tmp_path / "log.csv"
    assert runner.invoke(cli, ["breach", "hhs-log", "--year", "2026", "--out", str(out)]).exit_code == 0
    assert out.read_text().splitlines()[1] == lines[1]
    assert runner.invoke(cli, ["breach", "hhs-log", "--year", "1800"]).exit_code == 2
