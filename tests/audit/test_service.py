"""The audit log in the database: append-only, and `verify` names a direct SQL edit, deletion or insertion."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from codeblue.audit import service as audit
from codeblue.auth.actor import Actor
from codeblue.cli import app as cli
from codeblue.db import Database

ALICE = Actor(kind="user", name="alice@example.org", user_id=7)


def write(session, clock, n=4):
    for i in range(n):
        audit.record(session, actor=ALICE, action="breach_case.read", subject_type="breach_case", subject_id=i + 1,
                     now=clock.now() + timedelta(seconds=i), before={"status": "assessing"},
                     after={"status": "decided", "at": clock.now()})
    session.flush()


def unprotect(session):
    """What someone with the database's owner rights could do: drop the append-only triggers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER audit_entries_append_only ON audit_entries"))
    else:
        session.execute(text("DROP TRIGGER audit_entries_no_update"))
        session.execute(text("DROP TRIGGER audit_entries_no_delete"))


def test_record__chains_each_entry_to_the_one_before(session, clock):
    write(session, clock)
    rows = session.execute(text("SELECT seq, prev_hash, hash FROM audit_entries ORDER BY seq")).all()
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == "0" * 64
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, 4))
    result = audit.verify(session)
    assert result.ok and result.entries == 4 and result.head_hash == rows[-1].hash


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2",
    "DELETE FROM audit_entries WHERE seq = 2",
])
def test_append_only__the_database_refuses_updates_and_deletes(session, clock, statement):
    write(session, clock)
    with pytest.raises(DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(text(statement))


def test_verify__names_an_entry_edited_by_direct_sql(session, clock):
    write(session, clock)
    unprotect(session)
    session.execute(text("""UPDATE audit_entries SET after_json = '{"status":"assessing"}' WHERE seq = 3"""))
    problem = audit.verify(session).problem
    assert (problem.kind, problem.seq) == ("edited", 3)
    assert "entry #3" in problem.message and "edited" in problem.message


def test_verify__names_a_deleted_entry(session, clock):
    write(session, clock)
    unprotect(session)
    session.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    problem = audit.verify(session).problem
    assert (problem.kind, problem.seq, problem.entry_id) == ("deleted", 2, None)
    assert problem.message.startswith("entry #2 was deleted")


def test_verify__names_an_inserted_entry(session, clock):
    write(session, clock)
    session.execute(text(
        "INSERT INTO audit_entries (seq, at, actor, action, subject_type, subject_id, prev_hash, hash) "
        "VALUES (5, :at, 'mallory', 'breach_case.read', 'breach_case', '1', :prev, :hash)"),
        {"at": clock.now().replace(tzinfo=None), "prev": "a" * 64, "hash": "b" * 64})
    problem = audit.verify(session).problem
    assert (problem.kind, problem.seq) == ("inserted", 5)


def test_verify__a_truncated_tail_shows_against_the_head(session, clock):
    write(session, clock)
    unprotect(session)
    session.execute(text("DELETE FROM audit_entries WHERE seq = 4"))
    problem = audit.verify(session).problem
    assert (problem.kind, problem.seq) == ("deleted", 4)


def test_unit_of_work__a_refusal_is_committed_though_the_work_rolls_back(db, clock):
    with pytest.raises(RuntimeError, match="the request failed"):
        with audit.unit_of_work(db) as session:
            audit.record(session, actor=ALICE, action="breach_case.updated", subject_type="breach_case",
                         subject_id=1, now=clock.now())
            audit.record_refusal(session, actor=ALICE, action="breach_case.delete_refused",
                                 subject_type="breach_case", subject_id=1, now=clock.now())
            raise RuntimeError("the request failed")
    with db.unit_of_work(readonly=True) as session:
        actions = session.scalars(text("SELECT action FROM audit_entries ORDER BY seq")).all()
        assert actions == ["breach_case.delete_refused"]
        assert audit.verify(session).ok


def test_record_refusal__outside_an_audited_unit_of_work_is_a_programming_error(session, clock):
    with pytest.raises(RuntimeError, match="audit.service.unit_of_work"):
        audit.record_refusal(session, actor=ALICE, action="x", subject_type="y", subject_id=1, now=clock.now())


def test_cli_verify__exit_0_when_intact_and_1_naming_the_entry_when_not(tmp_path, clock, monkeypatch):
    url = f"sqlite:///{tmp_path}/audit.db"
    monkeypatch.setenv("CODEBLUE_DATABASE_URL", url)
    runner = CliRunner()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit log intact: 0 entries" in result.stdout
    db = Database(url)
    with db.unit_of_work() as session:
        write(session, clock)
    result = runner.invoke(cli, ["audit", "verify", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["entries"] == 4
    with db.unit_of_work() as session:
        unprotect(session)
        session.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2"))
    db.dispose()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "audit log broken: entry #2" in result.stderr and "edited" in result.stderr
    data = json.loads(runner.invoke(cli, ["audit", "verify", "--json"]).stdout)
    assert data["ok"] is False and data["problem"]["kind"] == "edited" and data["problem"]["seq"] == 2


@pytest.fixture
def cli_db(tmp_path, monkeypatch, clock):
    """A database file the CLI opens, holding four entries."""
    url = f"sqlite:///{tmp_path}/audit.db"
    monkeypatch.setenv("CODEBLUE_DATABASE_URL", url)
    assert CliRunner().invoke(cli, ["audit", "verify"]).exit_code == 0  # creates and migrates it
    db = Database(url)
    with db.unit_of_work() as session:
        write(session, clock)
    yield db
    db.dispose()


def test_cli_verify__names_a_row_deleted_by_direct_sql(cli_db):
    with cli_db.unit_of_work() as session:
        unprotect(session)
        session.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
    cli_db.dispose()
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "audit log broken: entry #3 was deleted" in result.stderr


def test_cli_verify__names_a_row_inserted_by_direct_sql(cli_db, clock):
    with cli_db.unit_of_work() as session:
        session.execute(text(
            "INSERT INTO audit_entries (seq, at, actor, action, subject_type, subject_id, prev_hash, hash) "
            "VALUES (5, :at, 'mallory', 'breach_case.read', 'breach_case', '1', :prev, :hash)"),
            {"at": clock.now().replace(tzinfo=None), "prev": "a" * 64, "hash": "b" * 64})
    cli_db.dispose()
    result = CliRunner().invoke(cli, ["audit", "verify", "--json"])
    assert result.exit_code == 1
    problem = json.loads(result.stdout)["problem"]
    assert (problem["kind"], problem["seq"]) == ("inserted", 5) and "entry #5" in problem["message"]


def test_cli_export__json_lines_since_an_instant_and_the_export_is_audited(cli_db, clock):
    since = (clock.now() + timedelta(seconds=2)).isoformat()
    result = CliRunner().invoke(cli, ["audit", "export", "--since", since])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["subject_id"] for line in lines if line["action"] == "breach_case.read"] == ["3", "4"]
    exported = [line for line in lines if line["action"] == "audit.exported"]
    assert len(exported) == 1 and exported[0]["actor"].startswith("cli:")
    assert CliRunner().invoke(cli, ["audit", "verify"]).exit_code == 0


def test_cli_export__an_instant_without_an_offset_is_refused(cli_db):
    result = CliRunner().invoke(cli, ["audit", "export", "--since", "2026-03-10T14:00:00"])
    assert result.exit_code == 2 and "UTC offset" in result.stderr
