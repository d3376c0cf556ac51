"""codeblue user set-password, and what init says about the admin's password."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from codeblue.auth import service as auth
from codeblue.db import Database
from tests.test_cli import BIN, cb


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "CODEBLUE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "CODEBLUE_ENV": "test"}


def stored_hash(env) -> str | None:
    db = Database(env["CODEBLUE_DATABASE_URL"])
    try:
        with db.unit_of_work(readonly=True) as s:
            return auth.require_user(s, email="admin@codeblue.local").password_hash
    finally:
        db.dispose()


def test_init__says_the_admin_has_no_password_and_how_to_set_one(env):
    first = cb(env, "init").stdout
    assert "without a password" in first and "codeblue user set-password admin@codeblue.local" in first
    assert first.strip().splitlines()[-1].startswith("cb_")  # the token stays the last line
    assert "codeblue user set-password admin@codeblue.local" in cb(env, "init").stdout
    cb_stdin(env, "admin@codeblue.local", "a long enough passphrase")
    assert "set-password" not in cb(env, "init").stdout


def cb_stdin(env, email: str, password: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(BIN), "user", "set-password", email, "--password-stdin"], env=env,
                            input=password + "\n", capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_set_password__from_stdin_stores_only_an_argon2_hash(env):
    cb(env, "init")
    out = cb_stdin(env, "Admin@codeblue.local", "a long enough passphrase")
    assert "password set for admin@codeblue.local" in out.stdout
    stored = stored_hash(env)
    assert stored.startswith("$argon2id$") and "a long enough passphrase" not in stored
    assert auth.verify_password(stored, "a long enough passphrase")


def test_set_password__prompts_twice_when_not_from_stdin(env):
    cb(env, "init")
    asked = subprocess.run([str(BIN), "user", "set-password", "admin@codeblue.local"], env=env,
                           input="typed twice okay\ntyped twice okay\n", capture_output=True, text=True, timeout=120)
    assert asked.returncode == 0, asked.stderr
    assert auth.verify_password(stored_hash(env), "typed twice okay")


def test_set_password__refuses_short_passwords_and_unknown_users(env):
    cb(env, "init")
    short = cb_stdin(env, "admin@codeblue.local", "short", check=False)
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    unknown = cb_stdin(env, "nobody@example.org", "a long enough passphrase", check=False)
    assert unknown.returncode == 2 and "no user with email" in unknown.stderr
    assert stored_hash(env) is None
