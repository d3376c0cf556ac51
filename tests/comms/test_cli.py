"""codeblue update post / list and codeblue template preview, on a SQLite file."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from codeblue.auth.permissions import Role
from codeblue.cli import app as cli
from codeblue.db import Database
from tests import factories

runner = CliRunner()


@pytest.fixture
def ref(tmp_path, monkeypatch, clock):
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("CODEBLUE_DATABASE_URL", url)
    assert runner.invoke(cli, ["init"]).exit_code == 0
    db = Database(url)
    with db.unit_of_work() as s:
        commander = factories.actor_for(factories.user(s, Role.COMMANDER, clock.now()))
        found = factories.incident(s, clock.now(), actor=commander, service=factories.IVR, severity="P1",
                                   type="ecs_service_failure", title="IVR calls dropping").ref
    db.dispose()
    return found


def test_update_post_and_list(ref):
    first = runner.invoke(cli, ["update", "post", ref, "--status", "identified", "--actions", "Restarted tasks",
                                "--next", "Watch the queue", "--eta", "15:00 UTC"])
    assert first.exit_code == 0, first.output
    assert f"posted update #1 of {ref}: UPDATE #1 {ref} - P1 - IVR calls dropping" in first.output
    assert runner.invoke(cli, ["update", "post", ref, "--status", "monitoring", "--actions", "a",
                               "--next", "n"]).exit_code == 0
    listed = runner.invoke(cli, ["update", "list", ref])
    assert listed.exit_code == 0 and "#1 " in listed.output and "#2 " in listed.output and "monitoring" in listed.output


def test_update_post__refuses_empty_text_and_unknown_incidents(ref):
    empty = runner.invoke(cli, ["update", "post", ref, "--status", "", "--actions", "a", "--next", "n"])
    assert empty.exit_code == 2 and "--status" in empty.output
    unknown = runner.invoke(cli, ["update", "post", "INC-1999-01-01-001", "--status", "s", "--actions", "a",
                                  "--next", "n"])
    assert unknown.exit_code != 0 and "no incident" in unknown.output


def test_template_preview(ref):
    shown = runner.invoke(cli, ["template", "preview", ref, "initial_notification"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith(f"Subject: INCIDENT REPORT {ref} - P1 - IVR calls dropping\n\nINCIDENT REPORT")
    missing = runner.invoke(cli, ["template", "preview", ref, "nope"])
    assert missing.exit_code != 0 and "no template 'nope'" in missing.output
