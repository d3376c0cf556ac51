"""The codeblue command end to end, as an operator runs it: init, tokens, incidents, serve."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "codeblue"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "CODEBLUE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "CODEBLUE_ENV": "test"}


def cb(env, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_init__creates_services_and_an_admin_once(env):
    first = cb(env, "init")
    assert "created service ivr-platform" in first.stdout and "created service telehealth-crm-api" in first.stdout
    token = first.stdout.strip().splitlines()[-1]
    assert token.startswith("cb_") and len(token) > 40
    db_file = Path(env["CODEBLUE_DATABASE_URL"].removeprefix("sqlite:///"))
    before = _dump(db_file)
    assert token not in db_file.read_bytes().decode("latin-1")  # only its hash is kept
    second = cb(env, "init")
    assert "already initialised" in second.stdout and "created" not in second.stdout
    assert _dump(db_file) == before  # re-running changes nothing


def _dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def test_token_create__new_user_with_role_and_refuses_unknown_roles(env):
    cb(env, "init")
    token = cb(env, "token", "create", "--user", "oncall@example.org", "--role", "responder").stdout.strip()
    assert token.startswith("cb_")
    bad = cb(env, "token", "create", "--user", "x@example.org", "--role", "wizard", check=False)
    assert bad.returncode == 2 and "unknown role 'wizard'" in bad.stderr


def test_incident_commands__create_ack_resolve_show(env):
    cb(env, "init")
    created = json.loads(cb(env, "incident", "create", "--service", "ivr-platform", "--title", "Callers dropped",
                            "--severity", "P1", "--type", "ecs_service_failure", "--json").stdout)
    ref = created["id"]
    assert created["severity"] == "P1" and created["response_target_seconds"] == 1800
    assert json.loads(cb(env, "incident", "ack", ref, "--json").stdout)["status"] == "acknowledged"
    again = cb(env, "incident", "ack", ref, check=False)
    assert again.returncode == 2 and "cannot be acknowledged" in again.stderr
    refused = cb(env, "incident", "resolve", ref, check=False)
    assert refused.returncode == 2 and "cannot be resolved" in refused.stderr
    resolved = cb(env, "incident", "resolve", ref, "--override-reason", "checked by hand", "--json").stdout
    assert json.loads(resolved)["status"] == "resolved"
    shown = json.loads(cb(env, "incident", "show", ref, "--json").stdout)
    assert [e["kind"] for e in shown["timeline"]] == ["created", "classified", "acknowledged", "resolve_overridden",
                                                      "resolved"]
    listing = json.loads(cb(env, "incident", "list", "--json").stdout)
    assert listing["total"] == 1
    missing = cb(env, "incident", "show", "INC-2000-01-01-001", check=False)
    assert missing.returncode == 2 and "no incident" in missing.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve__fresh_database_is_healthy_and_ready(env):
    port = _free_port()
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as resp:
                    body = json.loads(resp.read())
                break
            except OSError:
                assert time.time() < deadline, "server not ready within 60 s"
                time.sleep(0.2)
        assert body == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}
    finally:
        proc.terminate()
        proc.wait(timeout=20)
