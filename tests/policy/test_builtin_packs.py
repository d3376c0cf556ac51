"""The two built-in packs encode the seeds: targets, cadences, notices, scenarios, templates, rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from codeblue.policy import loader, rules, templating
from codeblue.policy.schema import Pack

M, H = timedelta(minutes=1), timedelta(hours=1)
IVR, CRM = "healthcare-ivr", "telehealth-crm"
INITIAL_RESPONSE_AUTO = ["acknowledged", "severity_set", "channel_created", "stakeholders_notified",
                         "investigation_started"]


@pytest.fixture(scope="module")
def packs() -> dict[str, Pack]:
    return loader.load_all()


def test_builtin_packs__load_without_problems():
    for path in loader.builtin_files():
        assert loader.load_file(path).problems == []
    assert set(loader.load_all()) == {IVR, CRM}


@pytest.mark.parametrize(
    ("pack", "service_id", "name"),
    [(IVR, "ivr-platform", "Healthcare IVR Platform"), (CRM, "telehealth-crm-api", "Telehealth CRM API")],
)
def test_services__one_user_facing_service_per_pack(packs, pack, service_id, name):
    [service] = packs[pack].services
    assert (service.id, service.name, service.user_facing) == (service_id, name, True)
    assert packs[pack].source.endswith(".md")


@pytest.mark.parametrize(
    ("pack", "targets"),
    [
        (IVR, {"P0": 15 * M, "P1": 30 * M, "P2": 2 * H, "P3": 24 * H}),
        (CRM, {"P0": 5 * M, "P1": 15 * M, "P2": 1 * H, "P3": 4 * H}),
    ],
)
def test_response_targets__equal_the_seed(packs, pack, targets):
    assert {s.id: s.response_target for s in packs[pack].severities} == targets


@pytest.mark.parametrize("pack", [IVR, CRM])
def test_update_cadence__equals_the_communication_schedule(packs, pack):
    cadence = {s.id: s.update_cadence for s in packs[pack].severities}
    assert cadence == {"P0": 15 * M, "P1": 30 * M, "P2": 2 * H, "P3": 2 * H}


@pytest.mark.parametrize("pack", [IVR, CRM])
def test_customer_notice__equals_the_customer_communication_rules(packs, pack):
    notice = {s.id: s.customer_notice for s in packs[pack].severities}
    assert {sid: (n.mode, n.within, n.user_facing_only) for sid, n in notice.items()} == {
        "P0": ("immediate", None, True),
        "P1": ("within", 1 * H, False),
        "P2": ("regular_updates", None, False),
        "P3": ("regular_updates", None, False),
    }
    assert notice["P0"].text == "Immediate notification if user-facing"
    assert notice["P1"].text == "Notification within 1 hour"
    assert notice["P3"].text == "Include in regular status updates"


@pytest.mark.parametrize("pack", [IVR, CRM])
def test_review_due__within_24_hours(packs, pack):
    assert {s.id: s.review_due for s in packs[pack].severities} == {sid: 24 * H for sid in ("P0", "P1", "P2", "P3")}


@pytest.mark.parametrize(
    ("pack", "severity", "name", "criteria"),
    [
        (IVR, "P0", "Critical", ["Complete system outage", "Security breach with PHI exposure",
                                 "Regulatory compliance violation", "Data loss or corruption"]),
        (IVR, "P1", "High", ["Partial system outage", "Performance degradation affecting >50% users",
                             "Security incident without PHI exposure", "Failed backup with no redundancy"]),
        (IVR, "P2", "Medium", ["Non-critical service disruption", "Performance degradation affecting <50% users",
                               "Failed backup with redundancy", "Minor security events"]),
        (IVR, "P3", "Low", ["Cosmetic issues", "Minor performance issues", "Single user problems",
                            "Non-critical alerts"]),
        (CRM, "P0", "Critical", ["API completely down", "Data breach or security incident",
                                 "Database corruption or data loss", "Authentication system failure",
                                 "PHI exposure or unauthorized access"]),
        (CRM, "P1", "High", ["API performance severely degraded", "High error rates (>10%)",
                             "Critical feature unavailable", "External service integration failure",
                             "Security vulnerability exploitation"]),
        (CRM, "P2", "Medium", ["Minor performance issues", "Non-critical feature unavailable",
                               "Monitoring system issues", "Documentation or process issues"]),
        (CRM, "P3", "Low", ["Cosmetic issues", "Enhancement requests", "Non-urgent bugs"]),
    ],
)
def test_severity_criteria__are_the_seeds_verbatim(packs, pack, severity, name, criteria):
    found = packs[pack].severity(severity)
    assert (found.name, found.criteria) == (name, criteria)


@pytest.mark.parametrize(
    ("severity", "titles"),
    [
        ("P0", ["Immediate Actions", "Communication", "Recovery Steps"]),
        ("P1", ["Resolution Actions", "Communication"]),
        ("P2", ["Standard Resolution"]),
        ("P3", ["Standard Resolution"]),
    ],
)
def test_crm_strategy__equals_the_resolution_strategies(packs, severity, titles):
    strategy = packs[CRM].severity(severity).strategy
    assert [s.title for s in strategy] == titles
    assert all(s.steps for s in strategy)


def test_crm_stakeholders__p0_escalates_to_management(packs):
    assert packs[CRM].severity("P0").stakeholders == ["engineering_manager", "cto"]
    assert "Escalate to management" in packs[CRM].severity("P0").strategy[1].steps


@pytest.mark.parametrize(
    ("pack", "types", "default"),
    [
        (IVR, {"unauthorized_access": "security", "data_breach": "security", "ecs_service_failure": "outage",
               "database_issues": "database", "failed_backup_jobs": "backup", "recovery_testing": "backup",
               "general": "general"}, "general"),
        (CRM, {"api_down": "outage", "database_issues": "database", "high_error_rate": "performance",
               "security_incident": "security", "general": "general"}, "general"),
    ],
)
def test_scenarios__every_seed_scenario_is_an_incident_type(packs, pack, types, default):
    assert {t.id: t.category for t in packs[pack].incident_types} == types
    assert packs[pack].default_type == default


@pytest.mark.parametrize(
    ("type_id", "command"),
    [
        ("unauthorized_access",
         "aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=ConsoleLogin"),
        ("unauthorized_access", "aws iam list-access-keys"),
        ("unauthorized_access", "aws ec2 describe-security-groups"),
        ("ecs_service_failure", "aws ecs list-services --cluster healthcare-ivr-cluster"),
        ("ecs_service_failure", "aws ecs describe-services --cluster healthcare-ivr-cluster --services [SERVICE_NAME]"),
        ("ecs_service_failure", "aws ecs list-tasks --cluster healthcare-ivr-cluster --desired-status STOPPED"),
        ("ecs_service_failure", "aws ecs describe-tasks --cluster healthcare-ivr-cluster --tasks [TASK_ARN]"),
        ("database_issues", "aws rds describe-db-instances --db-instance-identifier [INSTANCE_ID]"),
        ("database_issues",
         "aws rds describe-db-instance-performance-insights --db-instance-identifier [INSTANCE_ID]"),
        ("failed_backup_jobs", "aws backup list-backup-jobs --by-state FAILED"),
        ("failed_backup_jobs", "aws backup list-backup-vaults"),
        ("failed_backup_jobs", "aws backup list-recovery-points-by-backup-vault --backup-vault-name [VAULT_NAME]"),
        ("recovery_testing", "aws backup start-restore-job \\\n  --recovery-point-arn [ARN] \\\n"
                             "  --metadata '{\"target-database\":\"restore-test\"}'"),
    ],
)
def test_ivr_commands__are_the_seeds_verbatim(packs, type_id, command):
    assert command in [c.run for c in packs[IVR].incident_type(type_id).commands]


def test_ivr_detection_commands__are_the_seeds_verbatim(packs):
    detection = next(p for p in packs[IVR].procedures if p.id == "incident-detection")
    assert [c.run for c in detection.commands] == [
        "aws health describe-events --filter '{\"eventStatusCodes\":[\"open\",\"upcoming\"]}'",
        "aws cloudwatch describe-alarm-history --start-date $(date -d '24 hours ago' -u +\"%Y-%m-%dT%H:%M:%SZ\")",
        "aws securityhub get-findings --filter "
        "'{\"RecordState\":[{\"Value\":\"ACTIVE\",\"Comparison\":\"EQUALS\"}]}'",
    ]


def test_ivr_placeholders__each_maps_to_alert_facts(packs):
    pack = packs[IVR]
    assert pack.placeholders == {"SERVICE_NAME": ["ecs_service"], "TASK_ARN": ["task_arn"],
                                 "INSTANCE_ID": ["db_instance"], "VAULT_NAME": ["backup_vault"],
                                 "ARN": ["recovery_point_arn"]}
    used = {p for t in pack.incident_types for c in t.commands for p in pack.placeholders if f"[{p}]" in c.run}
    assert used == set(pack.placeholders)


def test_ivr_data_breach__keeps_the_seed_steps_and_flags_phi(packs):
    breach = packs[IVR].incident_type("data_breach")
    assert breach.immediate_actions == ["Isolate affected systems", "Revoke compromised credentials",
                                        "Enable enhanced logging", "Notify security team", "Begin forensic analysis"]
    assert breach.phi_suspected and "security_team" in breach.notify


@pytest.mark.parametrize(
    ("type_id", "symptoms", "actions", "steps"),
    [
        ("api_down", ["Health check failures", "5xx error responses", "Service unavailable errors"], 5, 4),
        ("database_issues", ["Database connection errors", "Slow query performance", "Data inconsistency"], 4, 4),
        ("high_error_rate", ["Error rate > 5%", "User complaints", "Failed requests"], 4, 4),
        ("security_incident", ["Unauthorized access attempts", "Authentication failures",
                               "Suspicious activity patterns"], 4, 4),
    ],
)
def test_crm_scenarios__keep_symptoms_actions_and_steps(packs, type_id, symptoms, actions, steps):
    found = packs[CRM].incident_type(type_id)
    assert (found.symptoms, len(found.immediate_actions), len(found.resolution_steps)) == (symptoms, actions, steps)


def test_crm_security_incident__notifies_the_security_team(packs):
    security = packs[CRM].incident_type("security_incident")
    assert (security.notify, security.default_severity) == (["security_team"], "P0")
    assert security.immediate_actions[0] == "Block suspicious IP addresses"


@pytest.mark.parametrize(
    ("pack", "procedures"),
    [
        (IVR, {"incident-detection": 0, "assessment-and-triage": 5, "immediate-actions": 5, "root-cause-analysis": 5,
               "documentation-requirements": 6, "follow-up-actions": 5, "hipaa-breach-assessment": 5,
               "regulatory-reporting": 5}),
        (CRM, {"communication-schedule": 3, "customer-communication": 3, "monitoring-tools": 4, "documentation": 3,
               "access-information": 3}),
    ],
)
def test_procedures__every_remaining_seed_section_with_its_steps(packs, pack, procedures):
    assert {p.id: len(p.steps) for p in packs[pack].procedures} == procedures


def test_ivr_compliance__breach_assessment_and_regulatory_reporting(packs):
    compliance = packs[IVR].compliance
    assert compliance.hipaa
    assert compliance.breach_assessment[0] == "Determine if PHI was exposed"
    assert compliance.regulatory_reporting[-1] == "Document all communications"
    assert (len(compliance.breach_assessment), len(compliance.regulatory_reporting)) == (5, 5)


@pytest.mark.parametrize(
    ("pack", "checklist", "items", "attach", "required"),
    [
        (IVR, "initial_response", 5, "always", []),
        (IVR, "immediate_actions", 5, "always", []),
        (IVR, "data_breach_response", 5, "by_type", []),
        (IVR, "hipaa_breach_assessment", 5, "by_type", []),
        (IVR, "recovery_verification", 5, "always", ["P0", "P1"]),
        (IVR, "post_incident", 10, "always", []),
        (CRM, "initial_response", 5, "always", []),
        (CRM, "information_gathering", 9, "always", []),
        (CRM, "recovery_verification", 6, "always", ["P0", "P1"]),
        (CRM, "pre_incident_preparation", 5, "by_type", []),
        (CRM, "during_incident", 8, "always", []),
        (CRM, "post_incident", 6, "always", []),
    ],
)
def test_checklists__have_every_seed_item(packs, pack, checklist, items, attach, required):
    found = next(c for c in packs[pack].checklists if c.id == checklist)
    assert (len(found.items), found.attach, found.required_to_resolve) == (items, attach, required)
    assert len({i.id for i in found.items}) == items


@pytest.mark.parametrize("pack", [IVR, CRM])
def test_initial_response__ticks_itself_from_the_incidents_events(packs, pack):
    found = next(c for c in packs[pack].checklists if c.id == "initial_response")
    assert [i.auto for i in found.items] == INITIAL_RESPONSE_AUTO


def test_ivr_data_breach__attaches_its_checklists(packs):
    assert packs[IVR].incident_type("data_breach").checklists == ["data_breach_response", "hipaa_breach_assessment"]


@pytest.mark.parametrize(
    ("pack", "templates"),
    [
        (IVR, {"initial_notification": ("initial", "stakeholders"), "status_update": ("update", "stakeholders"),
               "resolution_notice": ("resolution", "stakeholders"), "post_incident_report": ("report", "reviewers"),
               "customer_notice": ("customer", "customers")}),
        (CRM, {"incident_alert": ("alert", "stakeholders"), "status_update": ("update", "stakeholders"),
               "resolution_notice": ("resolution", "stakeholders"),
               "customer_communication": ("customer", "customers"), "post_incident_report": ("report", "reviewers")}),
    ],
)
def test_templates__every_seed_template_exists(packs, pack, templates):
    assert {t.id: (t.kind, t.audience) for t in packs[pack].templates} == templates


@pytest.mark.parametrize(
    ("pack", "template"),
    [(IVR, t) for t in ("initial_notification", "status_update", "resolution_notice", "post_incident_report",
                        "customer_notice")]
    + [(CRM, t) for t in ("incident_alert", "status_update", "resolution_notice", "customer_communication",
                          "post_incident_report")],
)
def test_templates__render_with_the_sample_context(packs, pack, template):
    found = packs[pack].template(template)
    ctx = templating.sample_context()
    assert templating.render(found.body, ctx).strip()
    if found.subject is not None:
        assert templating.render(found.subject, ctx).strip()


@pytest.mark.parametrize(
    ("pack", "template", "expected"),
    [
        (IVR, "initial_notification", "INCIDENT REPORT\nSeverity: P0 (Critical)\n"
                                      "Time Detected: 2026-01-05 14:03 UTC\n"),
        (IVR, "status_update", "UPDATE #2\nTime: 2026-01-05 14:03 UTC\nCurrent Status: identified\n"),
        (IVR, "resolution_notice", "INCIDENT RESOLVED\nTime: 2026-01-05 14:03 UTC\nDuration: 1h 12m\n"),
        (IVR, "post_incident_report", "Compliance impact assessment"),
        (CRM, "incident_alert", "🚨 INCIDENT ALERT - P0 - API health checks failing\n\n"
                                "**Incident ID**: INC-2026-01-05-001\n"),
        (CRM, "incident_alert", "**Slack Channel**: #incident-inc-2026-01-05-001\n"
                                "**PagerDuty**: https://codeblue.example.org/incidents/INC-2026-01-05-001\n"),
        (CRM, "status_update", "INCIDENT UPDATE #2 - P0"),
        (CRM, "customer_communication", "We are currently experiencing an outage of video visits affecting "
                                        "joining video visits.\n"),
        (CRM, "post_incident_report", "# Post-Incident Report - INC-2026-01-05-001\n\n## Incident Summary\n"),
        (CRM, "post_incident_report", "## Follow-up Actions\n- [ ] Add pool saturation alert\n"),
    ],
)
def test_templates__fill_the_seeds_placeholders(packs, pack, template, expected):
    assert expected in templating.render(packs[pack].template(template).body, templating.sample_context())


def test_customer_communication__subject_names_severity_and_service(packs):
    subject = packs[CRM].template("customer_communication").subject
    assert templating.render(subject, templating.sample_context()) == "P0 Service Disruption - Telehealth CRM API"


@pytest.mark.parametrize(
    ("pack", "activities"),
    [
        (IVR, ["Root Cause Analysis"]),
        (CRM, ["Incident Documentation", "Stakeholder Communication", "Process Improvement"]),
    ],
)
def test_review__uses_the_report_template_and_the_seeds_activities(packs, pack, activities):
    review = packs[pack].review
    assert review.template == "post_incident_report" and packs[pack].template(review.template).kind == "report"
    assert [a.title for a in review.activities] == activities


def test_ivr_review__documentation_requirements_and_follow_ups(packs):
    review = packs[IVR].review
    assert review.documentation == ["Incident timeline", "System logs", "Actions taken", "Root cause analysis",
                                    "Prevention measures", "Compliance impact assessment"]
    assert review.follow_up_actions == ["Update runbooks", "Implement preventive measures", "Update monitoring",
                                        "Schedule training", "Review compliance impact"]


def test_crm_phases__four_phases_on_the_seeds_clock(packs):
    phases = packs[CRM].phases
    assert [(p.starts_after, p.ends_after) for p in phases] == [
        (timedelta(0), 5 * M), (5 * M, 30 * M), (30 * M, 2 * H), (2 * H, None)]
    assert [s.title for s in phases[0].steps] == ["Detection Sources", "Initial Response Actions"]
    assert [s.title for s in phases[1].steps] == ["Gather Information", "Identify Root Cause", "Assess Impact"]
    assert phases[3].steps == packs[CRM].review.activities


def test_crm_channels_and_detection_sources(packs):
    pack = packs[CRM]
    assert [c.name for c in pack.chat_channels] == ["#incidents", "#incident-[id]", "#engineering-oncall",
                                                    "#security-alerts"]
    assert pack.detection_sources == ["Automated Alerts: CloudWatch alarms, PagerDuty",
                                      "User Reports: Support tickets, user complaints",
                                      "Monitoring Dashboards: Real-time metrics",
                                      "Health Checks: Automated health check failures"]


@pytest.mark.parametrize(
    ("pack", "contacts"),
    [
        (IVR, {"security_team": "team", "devops_lead": "person", "compliance_officer": "person",
               "legal_team": "team", "aws_support": "external", "hipaa_compliance_officer": "external",
               "legal_counsel": "external", "pr_team": "external", "primary_oncall": "oncall",
               "secondary_oncall": "oncall", "engineering_manager": "person", "cto": "person"}),
        (CRM, {"primary_oncall": "oncall", "secondary_oncall": "oncall", "engineering_manager": "person",
               "cto": "person", "security_team": "team", "legal_team": "team",
               "compliance_officer": "person"}),
    ],
)
def test_contacts__every_seed_contact_exists(packs, pack, contacts):
    assert {c.id: c.kind for c in packs[pack].contacts} == contacts
    assert all(c.methods for c in packs[pack].contacts)


@pytest.mark.parametrize(
    ("pack", "contact", "method"),
    [
        (IVR, "security_team", ("phone", "[PHONE]")),
        (IVR, "pr_team", ("other", "[CONTACT]")),
        (CRM, "primary_oncall", ("slack", "@oncall-engineer")),
        (CRM, "secondary_oncall", ("slack", "@backup-engineer")),
        (CRM, "security_team", ("email", "security@company.com")),
        (CRM, "legal_team", ("email", "legal@company.com")),
    ],
)
def test_contacts__keep_the_seeds_addresses(packs, pack, contact, method):
    found = next(c for c in packs[pack].contacts if c.id == contact)
    assert method in [(m.type, m.address) for m in found.methods]


@pytest.mark.parametrize(
    ("pack", "targets"),
    [
        (IVR, [["primary_oncall"], ["secondary_oncall"], ["devops_lead", "engineering_manager"], ["cto"]]),
        (CRM, [["primary_oncall"], ["secondary_oncall"], ["engineering_manager"], ["cto"]]),
    ],
)
def test_escalation__primary_then_secondary_then_management(packs, pack, targets):
    steps = packs[pack].escalation.steps
    assert [s.targets for s in steps] == targets
    assert steps[0].delay is None  # step 1 → 2 waits the severity's response target


# (facts, severity, type, the rule that decides)
IVR_CASES = [
    ({"phi_exposure": True}, "P0", "data_breach", "phi-exposure"),
    ({"phi_exposure": True, "unauthorized_access": True}, "P0", "data_breach", "phi-exposure"),
    ({"data_exfiltration": True}, "P0", "data_breach", "data-exfiltration"),
    ({"data_loss": True}, "P0", "database_issues", "data-loss"),
    ({"compliance_violation": True}, "P0", "general", "compliance-violation"),
    ({"availability": "down", "db_instance": "ivr-prod"}, "P0", "database_issues", "complete-outage-database"),
    ({"availability": "down"}, "P0", "ecs_service_failure", "complete-outage"),
    ({"availability": "DOWN", "affected_users_pct": 100}, "P0", "ecs_service_failure", "complete-outage"),
    ({"unauthorized_access": True}, "P1", "unauthorized_access", "security-incident"),
    ({"security_finding": True, "finding_severity": "HIGH"}, "P1", "unauthorized_access", "security-incident"),
    ({"security_finding": True, "finding_severity": "CRITICAL"}, "P1", "unauthorized_access", "security-incident"),
    ({"security_finding": True, "finding_severity": "MEDIUM"}, "P2", "unauthorized_access", "minor-security-event"),
    ({"security_finding": True, "finding_severity": "LOW"}, "P2", "unauthorized_access", "minor-security-event"),
    ({"backup_state": "FAILED", "backup_redundancy": False}, "P1", "failed_backup_jobs",
     "backup-failed-no-redundancy"),
    ({"backup_state": "ABORTED"}, "P1", "failed_backup_jobs", "backup-failed-no-redundancy"),
    ({"backup_state": "FAILED", "backup_redundancy": True}, "P2", "failed_backup_jobs",
     "backup-failed-with-redundancy"),
    ({"health_check_failed": True}, "P1", "ecs_service_failure", "health-check-failed"),
    ({"ecs_cluster": "healthcare-ivr-cluster", "task_arn": "arn:aws:ecs:task/1", "exit_code": 137}, "P1",
     "ecs_service_failure", "ecs-task-stopped"),
    ({"db_instance": "ivr-prod"}, "P1", "database_issues", "database-signal"),
    ({"affected_users_pct": 60, "availability": "degraded"}, "P1", "general", "wide-degradation"),
    ({"affected_users_pct": 20, "availability": "degraded"}, "P2", "general", "narrow-degradation"),
    ({"affected_users_pct": 50, "latency_degraded": True}, "P2", "general", "narrow-degradation"),
    ({"availability": "degraded"}, "P1", "general", "partial-outage"),
    ({"latency_degraded": True}, "P2", "general", "latency-degraded"),
    ({"cosmetic": True}, "P3", "general", "cosmetic"),
    ({"users_affected": 1}, "P3", "general", "single-user"),
    ({"severity_hint": "warning"}, "P3", "general", "non-critical-alert"),
    ({"security_finding": True, "finding_severity": "INFORMATIONAL"}, "P3", "general", "non-critical-alert"),
    ({"backup_state": "COMPLETED"}, "P2", "general", None),
    ({"source": "cloudwatch", "severity_hint": "critical"}, "P2", "general", None),
    ({}, "P2", "general", None),
]
CRM_CASES = [
    ({"phi_exposure": True}, "P0", "security_incident", "phi-exposure"),
    ({"phi_exposure": "true", "availability": "down"}, "P0", "security_incident", "phi-exposure"),
    ({"data_exfiltration": True}, "P0", "security_incident", "data-exfiltration"),
    ({"unauthorized_access": True}, "P0", "security_incident", "unauthorized-access"),
    ({"security_finding": True, "finding_severity": "CRITICAL"}, "P0", "security_incident",
     "serious-security-finding"),
    ({"data_loss": True}, "P0", "database_issues", "data-loss"),
    ({"auth_failure": True}, "P0", "api_down", "auth-failure"),
    ({"availability": "down", "db_instance": "crm-prod"}, "P0", "database_issues", "database-down"),
    ({"availability": "down"}, "P0", "api_down", "api-down"),
    ({"health_check_failed": True}, "P0", "api_down", "api-down"),
    ({"error_rate_pct": 12}, "P1", "high_error_rate", "high-error-rate"),
    ({"error_rate_pct": "10.5%"}, "P1", "high_error_rate", "high-error-rate"),
    ({"error_rate_pct": 10}, "P2", "high_error_rate", "elevated-error-rate"),
    ({"error_rate_pct": 6}, "P2", "high_error_rate", "elevated-error-rate"),
    ({"security_finding": True, "finding_severity": "MEDIUM"}, "P1", "security_incident", "security-vulnerability"),
    ({"db_instance": "crm-prod"}, "P0", "database_issues", "database-alarm"),
    ({"latency_degraded": True}, "P1", "general", "severely-degraded"),
    ({"availability": "degraded"}, "P1", "general", "severely-degraded"),
    ({"feature_critical": True}, "P1", "general", "critical-feature"),
    ({"external_dependency_failed": True}, "P1", "general", "external-integration"),
    ({"feature_critical": False}, "P2", "general", "non-critical-feature"),
    ({"security_finding": True, "finding_severity": "LOW"}, "P2", "security_incident", "minor-security-finding"),
    ({"source": "heartbeat"}, "P2", "general", "monitoring-issue"),
    ({"cosmetic": True}, "P3", "general", "cosmetic"),
    ({"severity_hint": "info"}, "P3", "general", "sender-info"),
    ({"error_rate_pct": 5}, "P2", "general", None),
    ({}, "P2", "general", None),
]
CASES = {IVR: IVR_CASES, CRM: CRM_CASES}


@pytest.mark.parametrize(("pack", "facts", "severity", "type_", "rule"),
                         [(IVR, *c) for c in IVR_CASES] + [(CRM, *c) for c in CRM_CASES])
def test_classification__seed_criteria_as_rules(packs, pack, facts, severity, type_, rule):
    verdict = rules.classify(packs[pack], facts)
    assert (verdict.severity, verdict.type, verdict.rule_id) == (severity, type_, rule)
    assert verdict.reason


@pytest.mark.parametrize("pack", [IVR, CRM])
def test_classification__every_rule_is_reachable(packs, pack):
    decided = {rules.classify(packs[pack], facts).rule_id for facts, *_ in CASES[pack]}
    assert {r.id for r in packs[pack].classification} <= decided


@pytest.mark.parametrize("pack", [IVR, CRM])
def test_classification__defaults_when_no_rule_matches(packs, pack):
    verdict = rules.classify(packs[pack], {})
    assert (verdict.severity, verdict.type, verdict.rule_id) == ("P2", "general", None)


@pytest.mark.parametrize("pack", [IVR, CRM])
def test_classification__every_reason_quotes_the_seed(packs, pack):
    p = packs[pack]
    phrases = [c for s in p.severities for c in s.criteria]
    phrases += [t.name for t in p.incident_types if t.id != "general"]
    phrases += [s for t in p.incident_types for s in t.symptoms]
    for rule in p.classification:
        assert any(phrase in rule.reason for phrase in phrases), rule.id


@pytest.mark.parametrize(
    ("pack", "facts", "expected"),
    [
        (IVR, {"phi_exposure": True}, True),
        (IVR, {"data_exfiltration": True}, True),
        (IVR, {"unauthorized_access": True}, False),
        (CRM, {"phi_exposure": "true"}, True),
        (CRM, {"unauthorized_access": True}, False),
        (CRM, {"error_rate_pct": 50}, False),
    ],
)
def test_classification__phi_rules_raise_the_phi_flag(packs, pack, facts, expected):
    assert rules.classify(packs[pack], facts).phi_suspected is expected


def test_classification__high_error_rate_reason_names_the_threshold(packs):
    assert "10%" in rules.classify(packs[CRM], {"error_rate_pct": 12}).reason
