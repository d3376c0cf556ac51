"""Running a runbook's diagnostic command: off by default, allow-listed executables, no shell, a timeout,
the output capped and kept as evidence."""

from __future__ import annotations

import os
import stat

import pytest

from codeblue.errors import BadInput, Conflict, Forbidden
from codeblue.runbooks import commands
from codeblue.settings import Settings
from tests import factories
from tests.runbooks import fixtures as fx


def fake_aws(tmp_path, script: str):
    """An `aws` on PATH that runs the given shell lines instead of the real CLI."""
    path = tmp_path / "bin" / "aws"
    path.parent.mkdir(exist_ok=True)
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path.parent


@pytest.fixture
def seeded(db, clock):
    factories.seed(db, clock.now())


@pytest.fixture
def backup_incident(seeded, session, clock):
    return fx.ingest(session, service=factories.IVR, source=fx.BACKUP, now=clock.now())


@pytest.fixture
def responder(seeded, session, clock):
    return factories.actor_for(factories.user(session, "responder", clock.now()))


def settings(**kw) -> Settings:
    return Settings(env="test", **kw)


def run(session, incident, responder, clock, index=2, **kw):
    return commands.run(session, incident=incident, index=index, actor=responder, now=clock.now(),
                        settings=settings(**kw))


def test_run__is_off_by_default(session, clock, backup_incident, responder):
    assert Settings(env="test").runbook_commands_enabled is False
    with pytest.raises(Conflict, match="turned off"):
        run(session, backup_incident, responder, clock)


def test_run__refuses_an_executable_not_on_the_allow_list(session, clock, backup_incident, responder):
    with pytest.raises(Conflict, match="'aws' is not an allowed executable; allowed: kubectl"):
        run(session, backup_incident, responder, clock, runbook_commands_enabled=True,
            runbook_command_allow=["kubectl"])


def test_run__keeps_the_output_as_evidence_with_the_filled_arguments(session, clock, backup_incident, responder,
                                                                      tmp_path, monkeypatch):
    script = 'printf "%s|" "$@"; echo; echo vault-ok'
    monkeypatch.setenv("PATH", f"{fake_aws(tmp_path, script)}:{os.environ['PATH']}")
    row = run(session, backup_incident, responder, clock, runbook_commands_enabled=True, runbook_command_allow=["aws"])
    vault = "9ab3e749-82c6-4342-9320-5edbf4918b86"
    argv = ["aws", "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", vault]
    assert (row.kind, row.data["argv"], row.data["exit_code"], row.data["timed_out"]) == ("command_output", argv, 0,
                                                                                          False)
    text = row.content.decode()
    assert f"backup|list-recovery-points-by-backup-vault|--backup-vault-name|{vault}|" in text and "vault-ok" in text
    assert row.created_by == "responder@example.org"


def test_run__no_shell_interprets_the_arguments(tmp_path):
    marker = tmp_path / "pwned"
    argv = commands.argv_for(f"echo $(touch {marker}); touch {marker}", ["echo"])
    outcome = commands.execute(argv, timeout=5, max_bytes=10_000)
    assert not marker.exists() and b"$(touch" in outcome.output and outcome.exit_code == 0


def test_run__a_command_past_its_timeout_is_killed_and_says_so(session, clock, backup_incident, responder,
                                                                tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{fake_aws(tmp_path, 'echo started; sleep 30')}:{os.environ['PATH']}")
    row = run(session, backup_incident, responder, clock, runbook_commands_enabled=True, runbook_command_allow=["aws"],
              runbook_command_timeout_seconds=0.5)
    assert (row.data["timed_out"], row.data["exit_code"]) == (True, None)
    assert row.data["seconds"] < 10 and "timed out" in row.name and b"started" in row.content


def test_run__output_is_cut_at_the_cap(tmp_path):
    argv = commands.argv_for("yes codeblue", ["yes"])
    outcome = commands.execute(argv, timeout=2, max_bytes=4096)
    assert len(outcome.output) == 4096 and outcome.truncated


def test_run__refuses_a_command_with_unfilled_placeholders(session, clock, responder):
    incident = fx.ingest(session, service=factories.IVR, source=fx.ECS, now=clock.now())  # no ECS service name
    with pytest.raises(Conflict, match="unfilled placeholders: SERVICE_NAME"):
        run(session, incident, responder, clock, index=1, runbook_commands_enabled=True, runbook_command_allow=["aws"])


def test_run__an_index_past_the_runbook_is_not_found(session, clock, backup_incident, responder):
    from codeblue.errors import NotFound
    with pytest.raises(NotFound, match="has 3 command"):
        run(session, backup_incident, responder, clock, index=7, runbook_commands_enabled=True)


def test_run__a_viewer_may_not(session, clock, backup_incident):
    viewer = factories.actor_for(factories.user(session, "viewer", clock.now()))
    with pytest.raises(Forbidden):
        run(session, backup_incident, viewer, clock, runbook_commands_enabled=True, runbook_command_allow=["aws"])


def test_argv_for__unbalanced_quotes_are_bad_input():
    with pytest.raises(BadInput, match="cannot be split"):
        commands.argv_for("aws 'oops", ["aws"])
