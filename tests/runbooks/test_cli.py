"""codeblue runbook / checklist / evidence / readiness, run as an operator runs them."""

from __future__ import annotations

import hashlib
import json

from tests.test_cli import cb, env  # noqa: F401  (the fixture)


def test_playbook_commands__runbook_checklist_evidence_and_readiness(env, tmp_path):  # noqa: F811
    cb(env, "init")
    created = json.loads(cb(env, "incident", "create", "--service", "ivr-platform", "--title", "Backups failing",
                            "--severity", "P1", "--type", "failed_backup_jobs", "--json").stdout)
    ref = created["id"]
    shown = cb(env, "runbook", "show", ref).stdout
    assert "Failed Backup Jobs" in shown and "--backup-vault-name [VAULT_NAME]" in shown and "unfilled: VAULT_NAME" in shown
    assert json.loads(cb(env, "runbook", "show", ref, "--json").stdout)["commands"][2]["missing"] == ["VAULT_NAME"]

    assert "[x] Recovery Verification" in cb(env, "checklist", "tick", ref, "recovery_verification",
                                             "backups-verified").stdout
    assert "[ ]" in cb(env, "checklist", "tick", ref, "recovery_verification", "backups-verified", "--undo").stdout
    wrong = cb(env, "checklist", "tick", ref, "recovery_verification", "nope", check=False)
    assert wrong.returncode == 2 and "has no item 'nope'" in " ".join(wrong.stderr.split())
    lists = json.loads(cb(env, "checklist", "show", ref, "--json").stdout)
    assert {c["id"] for c in lists} >= {"initial_response", "recovery_verification"}

    log = tmp_path / "backup.log"
    log.write_bytes(b"job 34176239 FAILED\n")
    added = cb(env, "evidence", "add", ref, "--file", str(log)).stdout
    assert hashlib.sha256(b"job 34176239 FAILED\n").hexdigest() in added
    cb(env, "evidence", "add", ref, "--link", "https://console.aws.example/backup/jobs/34176239")
    listed = json.loads(cb(env, "evidence", "list", ref, "--json").stdout)
    assert [(e["kind"], e["name"]) for e in listed] == [
        ("file", "backup.log"), ("link", "https://console.aws.example/backup/jobs/34176239")]
    neither = cb(env, "evidence", "add", ref, check=False)
    assert neither.returncode == 2 and "exactly one of --file or --link" in " ".join(neither.stderr.split())

    # A fresh install has placeholder on-call people without verified contact methods: not ready.
    ready = cb(env, "readiness", "--json", check=False)
    report = json.loads(ready.stdout)
    assert ready.returncode == 1 and report["ok"] is False
    assert {c["id"]: c["ok"] for c in report["checks"]}["templates_render"] is True
    assert "Not ready" in cb(env, "readiness", check=False).stdout
