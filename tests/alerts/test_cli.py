"""`codeblue integration` through Typer: the key shown once, the URL to configure, options, refusals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from codeblue.alerts.models import Integration
from codeblue.cli import app as codeblue
from tests import factories
from tests.alerts.senders import deliver

runner = CliRunner()
BASE_URL = "https://codeblue.example.org"


@pytest.fixture
def run(db, clock):
    """Run `codeblue integration …` against the test database, its demo services seeded."""
    factories.seed(db, clock.now())
    env = {"CODEBLUE_DATABASE_URL": db.url, "CODEBLUE_ENV": "test", "CODEBLUE_BASE_URL": BASE_URL}

    def invoke(*args: str):
        return runner.invoke(codeblue, ["integration", *args], env=env)

    return invoke


def created(run, *args: str) -> dict:
    result = run("create", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_create__prints_the_url_and_the_key_once_and_the_key_works(run, db, client):
    result = run("create", "--type", "alertmanager", "--service", factories.CRM, "--name", "prometheus prod")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    key = lines[-1]
    assert lines == [
        "created alertmanager integration 'prometheus prod' for telehealth-crm-api",
        "URL to configure in the sender:",
        f"{BASE_URL}/api/v1/hooks/alertmanager/{key}",
        "key (shown once; only its hash is kept):",
        key,
    ]
    with db.unit_of_work(readonly=True) as s:
        [row] = s.scalars(select(Integration))
        assert (row.name, row.key_prefix) == ("prometheus prod", key[:6]) and key not in row.key_hash
    response = deliver(client, "alertmanager", key, {"version": "4", "alerts": [
        {"status": "firing", "fingerprint": "f1", "labels": {"alertname": "HighLatency"}}]})
    assert response.status_code == 202


def test_create__pagerduty_is_configured_by_routing_key_at_the_enqueue_url(run):
    result = run("create", "--type", "pagerduty", "--service", factories.IVR)
    assert result.exit_code == 0, result.stderr
    assert "the key below as its routing key" in result.stdout
    assert f"{BASE_URL}/v2/enqueue\n" in result.stdout
    out = created(run, "--type", "pagerduty", "--service", factories.IVR)
    assert out["url"] == f"{BASE_URL}/v2/enqueue" and out["name"] == "pagerduty" and len(out["key"]) == 32


def test_create__options_are_read_as_json_where_they_parse_else_as_text(run):
    sns = created(run, "--type", "sns", "--service", factories.IVR, "--option", "verify_signature=false",
                  "--option", 'allowed_topics=["arn:aws:sns:us-east-1:123456789012:ivr-alarms"]')
    assert sns["options"] == {"verify_signature": False,
                              "allowed_topics": ["arn:aws:sns:us-east-1:123456789012:ivr-alarms"]}
    beat = created(run, "--type", "heartbeat", "--service", factories.IVR, "--option", "interval=5m")
    assert beat["options"] == {"interval": "5m", "grace": "1m"}
    assert beat["url"] == f"{BASE_URL}/api/v1/heartbeats/{beat['key']}"


@pytest.mark.parametrize(("args", "error"), [
    (["--type", "nagios", "--service", factories.CRM], "unknown integration type 'nagios'"),
    (["--type", "grafana", "--service", "no-such-service"], "no service 'no-such-service'"),
    (["--type", "heartbeat", "--service", factories.CRM], "heartbeat options"),
    (["--type", "sns", "--service", factories.IVR, "--option", "verify_signature=maybe"],
     "options.verify_signature must be true or false"),
    (["--type", "generic", "--service", factories.CRM, "--option", "summary"], "'summary' is not key=value"),
], ids=["unknown type", "unknown service", "heartbeat without interval", "bad option value", "option without ="])
def test_create__refuses_bad_input_and_creates_nothing(run, db, args, error):
    result = run("create", *args)
    assert result.exit_code == 2 and error in " ".join(result.stderr.split())
    with db.unit_of_work(readonly=True) as s:
        assert list(s.scalars(select(Integration))) == []


def test_list__shows_key_prefixes_never_keys(run):
    first = created(run, "--type", "grafana", "--service", factories.CRM, "--name", "grafana cloud")
    second = created(run, "--type", "eventbridge", "--service", factories.IVR)
    listed = run("list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {"id": first["id"], "type": "grafana", "service": factories.CRM, "name": "grafana cloud",
         "key_prefix": first["key"][:6], "url": f"{BASE_URL}/api/v1/hooks/grafana/<key>", "enabled": True},
        {"id": second["id"], "type": "eventbridge", "service": factories.IVR, "name": "eventbridge",
         "key_prefix": second["key"][:6], "url": f"{BASE_URL}/api/v1/hooks/eventbridge/<key>", "enabled": True},
    ]
    table = run("list")
    assert "grafana cloud" in table.stdout and f"{first['key'][:6]}…" in table.stdout
    assert first["key"] not in table.stdout + listed.stdout and second["key"] not in table.stdout + listed.stdout
