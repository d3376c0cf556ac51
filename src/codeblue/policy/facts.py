"""The named alert facts that integrations produce and classification rules read.

Integrations normalise what a sender says into these names, so a pack's rules read the same
whatever the monitoring system. An integration may add more facts; rules may name any fact.
"""

FACTS: dict[str, str] = {
    "source": "where the signal came from: cloudwatch, securityhub, guardduty, aws_health, aws_backup, "
    "ecs, alertmanager, grafana, datadog, pagerduty, heartbeat, user_report, generic",
    "severity_hint": "the sender's own severity, lower-cased: critical, error, warning, info",
    "availability": "down (complete outage), degraded (partial outage), up",
    "error_rate_pct": "share of failed requests, percent (e.g. ALB 5XX rate)",
    "affected_users_pct": "share of users affected, percent",
    "latency_degraded": "true when latency is above its objective",
    "health_check_failed": "true when a health check or heartbeat failed",
    "phi_exposure": "true when protected health information may have been exposed",
    "unauthorized_access": "true when access by someone not permitted was seen",
    "security_finding": "true for a security finding (Security Hub, GuardDuty, WAF …)",
    "finding_type": "the finding's type, e.g. UnauthorizedAccess:IAMUser/MaliciousIPCaller",
    "finding_severity": "the finding's severity label: INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL",
    "data_exfiltration": "true when a finding suggests data left the environment",
    "data_loss": "true when data was lost or corrupted",
    "compliance_violation": "true when a regulatory control failed",
    "auth_failure": "true when the authentication system is failing",
    "backup_state": "an AWS Backup job's state: FAILED, ABORTED, EXPIRED, COMPLETED",
    "backup_redundancy": "true when another recent recovery point or copy exists",
    "backup_vault": "the backup vault's name",
    "recovery_point_arn": "ARN of the recovery point involved",
    "ecs_cluster": "ECS cluster name",
    "ecs_service": "ECS service name",
    "task_arn": "ECS task ARN",
    "exit_code": "a stopped container's exit code",
    "db_instance": "RDS DB instance identifier",
    "alarm_name": "CloudWatch (or other) alarm name",
    "metric_name": "the metric the alarm watches",
    "namespace": "the metric's namespace, e.g. AWS/ApplicationELB",
    "health_event_category": "AWS Health eventTypeCategory: issue, scheduledChange, accountNotification",
    "health_service": "the AWS service an AWS Health event concerns",
    "feature_critical": "true when a critical feature is unavailable",
    "external_dependency_failed": "true when an external service integration failed",
    "users_affected": "number of users reporting the problem",
    "cosmetic": "true for a cosmetic issue",
}
