"""Runbooks rendered from the packs with the facts the real adapters read from the shared sender fixtures."""

from __future__ import annotations

import pytest

from codeblue.policy import service as policy
from codeblue.runbooks import render
from tests.runbooks import fixtures as fx

IVR, CRM = "healthcare-ivr", "telehealth-crm"
TASK = "arn:aws:ecs:us-east-1:563873274798:task/eeccdb34-d8cf-49e7-b379-1cf4f123c0ee"
VAULT = "9ab3e749-82c6-4342-9320-5edbf4918b86"
POINT = "arn:aws:backup:us-west-2:111122223333:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45"
CLUSTER = "aws ecs {} --cluster healthcare-ivr-cluster"

# (pack, incident type, fixture, variant) → {command index: (text shown, placeholders left unfilled)}
SCENARIOS = [
    pytest.param(IVR, "unauthorized_access", fx.SECURITYHUB, None, {
        0: ("aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=ConsoleLogin", []),
        1: ("aws iam list-users", []), 2: ("aws iam list-roles", []), 3: ("aws iam list-access-keys", []),
        4: ("aws ec2 describe-security-groups", [])}, id="ivr-unauthorized-access"),
    pytest.param(IVR, "data_breach", fx.SECURITYHUB, fx.finding_types("Effects/Data Exfiltration"), {},
                 id="ivr-data-breach"),
    pytest.param(IVR, "ecs_service_failure", fx.ECS, fx.ecs_service("ivr-call-router"), {
        0: ("aws ecs list-services --cluster healthcare-ivr-cluster", []),
        1: ("aws ecs describe-services --cluster healthcare-ivr-cluster --services ivr-call-router", []),
        2: ("aws ecs list-tasks --cluster healthcare-ivr-cluster --desired-status STOPPED", []),
        3: (f"aws ecs describe-tasks --cluster healthcare-ivr-cluster --tasks {TASK}", [])},
        id="ivr-ecs-service-failure"),
    pytest.param(IVR, "ecs_service_failure", fx.ECS, None, {
        1: ("aws ecs describe-services --cluster healthcare-ivr-cluster --services [SERVICE_NAME]", ["SERVICE_NAME"]),
        3: (f"aws ecs describe-tasks --cluster healthcare-ivr-cluster --tasks {TASK}", [])},
        id="ivr-ecs-task-of-a-family-names-no-service"),
    pytest.param(IVR, "database_issues", fx.SNS_ALARM, fx.sns_dimensions(DBInstanceIdentifier="ivr-prod-db"), {
        0: ("aws rds describe-db-instances --db-instance-identifier ivr-prod-db", []),
        1: ("aws rds describe-db-instance-performance-insights --db-instance-identifier ivr-prod-db", [])},
        id="ivr-database-issues"),
    pytest.param(IVR, "database_issues", fx.SNS_ALARM, None, {
        0: ("aws rds describe-db-instances --db-instance-identifier [INSTANCE_ID]", ["INSTANCE_ID"])},
        id="ivr-database-issues-from-an-ec2-alarm"),
    pytest.param(IVR, "failed_backup_jobs", fx.BACKUP, None, {
        0: ("aws backup list-backup-jobs --by-state FAILED", []),
        1: ("aws backup list-backup-vaults", []),
        2: (f"aws backup list-recovery-points-by-backup-vault --backup-vault-name {VAULT}", [])},
        id="ivr-failed-backup-jobs"),
    pytest.param(IVR, "recovery_testing", fx.BACKUP, fx.backup_recovery_point(POINT), {
        0: (f"aws backup start-restore-job \\\n  --recovery-point-arn {POINT} \\\n"
            "  --metadata '{\"target-database\":\"restore-test\"}'", [])}, id="ivr-recovery-testing"),
    pytest.param(IVR, "recovery_testing", fx.BACKUP, None, {
        0: ("aws backup start-restore-job \\\n  --recovery-point-arn [ARN] \\\n"
            "  --metadata '{\"target-database\":\"restore-test\"}'", ["ARN"])},
        id="ivr-recovery-testing-without-a-recovery-point"),
    pytest.param(CRM, "api_down", fx.ECS, None, {}, id="crm-api-down"),
    pytest.param(CRM, "database_issues", fx.SNS_ALARM, fx.sns_dimensions(DBInstanceIdentifier="crm-db"), {},
                 id="crm-database-issues"),
    pytest.param(CRM, "high_error_rate", fx.EB_ALARM, None, {}, id="crm-high-error-rate"),
    pytest.param(CRM, "security_incident", fx.SECURITYHUB, None, {}, id="crm-security-incident"),
]


@pytest.mark.parametrize(("pack_name", "type_id", "source", "change", "expected"), SCENARIOS)
def test_runbook__every_scenario_of_both_packs_with_fixture_facts(pack_name, type_id, source, change, expected):
    pack = policy.get_pack(pack_name)
    itype = pack.incident_type(type_id)
    book = render.runbook(pack, itype, fx.facts(source, change))
    assert (book.type, book.type_name) == (type_id, itype.name)
    assert (book.symptoms, book.immediate_actions, book.resolution_steps) == (
        itype.symptoms, itype.immediate_actions, itype.resolution_steps)
    assert book.symptoms or book.immediate_actions or book.commands, "every scenario has something to do"
    assert len(book.commands) == len(itype.commands)
    for index, (text, missing) in expected.items():
        command = book.commands[index]
        assert (command.text, command.missing, command.complete) == (text, missing, not missing)
        assert command.template == itype.commands[index].run


def test_fill__parts_mark_filled_and_unfilled_placeholders_with_their_facts():
    pack = policy.get_pack(IVR)
    facts = fx.facts(fx.ECS)  # a task of a family: a task ARN, no service name
    book = render.runbook(pack, pack.incident_type("ecs_service_failure"), facts)
    parts = book.commands[1].parts + book.commands[3].parts
    marked = [(p.placeholder, p.filled, p.fact, p.text) for p in parts if p.placeholder]
    assert marked == [("SERVICE_NAME", False, None, "[SERVICE_NAME]"), ("TASK_ARN", True, "task_arn", TASK)]
    assert all(p.filled is None for p in parts if p.placeholder is None)
    assert book.facts_used == {"task_arn": TASK}


@pytest.mark.parametrize("facts", [{}, {"ecs_service": ""}, {"ecs_service": True}, {"ecs_service": None},
                                   {"ecs_service": {"name": "x"}}])
def test_fill__empty_or_non_scalar_facts_leave_the_placeholder_unfilled(facts):
    pack = policy.get_pack(IVR)
    command = pack.incident_type("ecs_service_failure").commands[1]
    filled = render.fill(command, 1, placeholders=pack.placeholders, facts=facts)
    assert filled.missing == ["SERVICE_NAME"] and "[SERVICE_NAME]" in filled.text


def test_fill__the_first_fact_the_pack_names_that_has_a_value_fills_it():
    from codeblue.policy.schema import Command
    command = Command(title="t", run="echo [HOST] [HOST]")
    filled = render.fill(command, 0, placeholders={"HOST": ["db_instance", "ecs_service"]},
                         facts={"db_instance": " ", "ecs_service": "api"})
    assert filled.text == "echo api api" and filled.complete


def test_fill__brackets_that_are_not_placeholders_are_literal_text():
    from codeblue.policy.schema import Command
    filled = render.fill(Command(title="t", run="jq '.[0]' [lower] [X1]"), 0, placeholders={}, facts={})
    assert filled.missing == ["X1"] and filled.text == "jq '.[0]' [lower] [X1]"


@pytest.mark.parametrize("pack_name", [IVR, CRM])
def test_runbook__every_type_renders_with_every_fixture(pack_name):
    pack = policy.get_pack(pack_name)
    sources = [fx.SECURITYHUB, fx.ECS, fx.BACKUP, fx.SNS_ALARM, fx.EB_ALARM]
    for itype in pack.incident_types:
        for source in sources:
            book = render.runbook(pack, itype, fx.facts(source))
            for command in book.commands:
                left = render.PLACEHOLDER.findall(command.text)
                assert left == command.missing


def test_merge_facts__the_newest_alert_wins():
    assert render.merge_facts([{"a": 1, "b": 1}, {"b": 2, "c": None}]) == {"a": 1, "b": 2}
