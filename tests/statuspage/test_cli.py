"""codeblue notice show|send|waive, as an operator runs them."""

from __future__ import annotations

import json

from tests.test_cli import cb, env  # noqa: F401 - the CLI tests' environment fixture


def test_notice__show_preview_send_then_waive_refused(env):  # noqa: F811
    cb(env, "init")
    ref = json.loads(cb(env, "incident", "create", "--service", "ivr-platform", "--title", "Callers dropped",
                        "--severity", "P1", "--json").stdout)["id"]
    shown = json.loads(cb(env, "notice", "show", ref, "--json").stdout)
    assert (shown["status"], shown["mode"], shown["reason"]) == ("owed", "within", "P1: Notification within 1 hour")
    args = ["notice", "send", ref, "--description", "dropped calls", "--affected", "calling the clinic line"]
    preview = cb(env, *args)
    assert "Subject: Service Disruption - Healthcare IVR Platform" in preview.stdout
    assert "preview only" in preview.stdout
    assert json.loads(cb(env, "notice", "show", ref, "--json").stdout)["status"] == "owed"
    cb(env, *args, "--yes")
    assert json.loads(cb(env, "notice", "show", ref, "--json").stdout)["status"] == "sent"
    refused = cb(env, "notice", "waive", ref, "--reason", "not needed", check=False)
    assert refused.returncode == 2 and "sent already" in refused.stderr
