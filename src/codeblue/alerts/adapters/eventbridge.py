"""Amazon EventBridge events (one or a list): alarms, security findings, AWS Health, Backup and ECS.

Each detail-type has a handler below; an event of any other type still becomes a plain trigger
alert named after its detail-type and source, so a new rule target never fails delivery.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from codeblue.alerts.adapters import cloudwatch
from codeblue.alerts.adapters._fields import (
    BODY, child, first_line, link, missing, obj, opt_list, opt_obj, scalars, severity, summary, text, timestamp,
)
from codeblue.alerts.normal import NormalAlert

Handler = Callable[[Mapping[str, Any], Mapping[str, Any], str, Mapping[str, Any]], list[NormalAlert]]

# --- security findings: Security Hub (ASFF) and GuardDuty's own events

LABEL_HINT = {"CRITICAL": "critical", "HIGH": "error", "MEDIUM": "warning", "LOW": "info", "INFORMATIONAL": "info"}
RESOLVED_WORKFLOW = ("RESOLVED", "SUPPRESSED")  # someone decided the finding needs no (more) action


def _label_of_normalized(value: Any) -> str | None:
    """ASFF Severity.Normalized (0–100) → label, by the ranges Security Hub documents."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    bounds = ((0, "INFORMATIONAL"), (39, "LOW"), (69, "MEDIUM"), (89, "HIGH"))
    return next((label for top, label in bounds if value <= top), "CRITICAL")


def _label_of_guardduty(value: Any) -> str | None:
    """GuardDuty's numeric severity → label: below 4 low, below 7 medium, below 9 high, else critical."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    bounds = ((4, "LOW"), (7, "MEDIUM"), (9, "HIGH"))
    return next((label for top, label in bounds if value < top), "CRITICAL")


def _guardduty_type(types: list[str]) -> str | None:
    """ "TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce" → "UnauthorizedAccess:EC2/SSHBruteForce".

    Security Hub files a GuardDuty type as the classifier of an ASFF type, with the "/" after the
    resource type turned into "-" (resource types such as EC2 or IAMUser hold no "-"), so undo that.
    """
    for kind in types:
        classifier = kind.split("/", 2)[-1]
        threat, colon, rest = classifier.partition(":")
        if colon and threat and rest:
            return f"{threat}:{rest.replace('-', '/', 1)}" if "/" not in rest else classifier
    return None


def _finding_alert(*, key: str, title: str, label: str | None, types: list[str], finding_type: str | None,
                   source: str, resolved: bool, facts: dict[str, Any], when: Any, component: str | None,
                   links: list[dict[str, str]], details: Mapping[str, Any]) -> NormalAlert:
    """The alert for one security finding, whichever service reported it."""
    words = " ".join([*types, finding_type or ""]).lower()
    hint = LABEL_HINT.get(label or "")
    facts = {**facts, "source": source, "security_finding": True,
             "data_exfiltration": "exfiltration" in words,
             "unauthorized_access": "unauthorizedaccess" in words.replace(" ", "")}
    facts.update({k: v for k, v in (("finding_type", finding_type), ("finding_severity", label),
                                    ("severity_hint", hint)) if v})
    if types:
        facts["finding_types"] = types
    return NormalAlert(action="resolve" if resolved else "trigger", summary=summary(title), source=source,
                       dedup_key=key, component=component, severity_hint=hint, occurred_at=timestamp(when),
                       facts=facts, links=links, details=dict(details))


def _asff_label(finding: Mapping[str, Any], base: str) -> str | None:
    severity_ = opt_obj(finding, "Severity", base)
    label = (text(severity_, "Label", child(base, "Severity")) or "").strip().upper()
    return label or _label_of_normalized(severity_.get("Normalized"))  # older findings carry only a number


def _asff_status(finding: Mapping[str, Any], base: str) -> tuple[bool, str]:
    """(resolved, compliance status): resolved when worked off, archived, or a control check that passes."""
    workflow = text(opt_obj(finding, "Workflow", base), "Status", child(base, "Workflow"))
    workflow = (workflow or text(finding, "WorkflowState", base) or "").upper()
    record = (text(finding, "RecordState", base) or "").upper()
    compliance = (text(opt_obj(finding, "Compliance", base), "Status", child(base, "Compliance")) or "").upper()
    return workflow in RESOLVED_WORKFLOW or record == "ARCHIVED" or compliance == "PASSED", compliance


def _asff(finding: Mapping[str, Any], base: str) -> NormalAlert:
    key: str = text(finding, "Id", base, required=True)  # type: ignore[assignment]
    types = [t for t in opt_list(finding, "Types", base) if isinstance(t, str)]
    product = opt_obj(finding, "ProductFields", base)
    guardduty = product.get("aws/securityhub/ProductName") == "GuardDuty" or str(
        finding.get("ProductArn", "")).endswith("/guardduty")
    title = first_line(text(finding, "Title", base)) or first_line(text(finding, "Description", base))
    finding_type = (_guardduty_type(types) if guardduty else None) or (types[0] if types else title)
    resolved, compliance = _asff_status(finding, base)
    resources = [r for r in opt_list(finding, "Resources", base) if isinstance(r, Mapping)]
    resource = resources[0] if resources else {}
    facts = {"aws_account": finding.get("AwsAccountId"), "resource_type": resource.get("Type"),
             "resource_id": resource.get("Id"), "product_name": product.get("aws/securityhub/ProductName")}
    facts = {k: v for k, v in facts.items() if isinstance(v, str)}
    if compliance == "FAILED":
        facts["compliance_violation"] = True
    if isinstance(resource.get("Tags"), Mapping):
        facts.update(scalars(resource["Tags"], "tag."))
    recommendation = opt_obj(opt_obj(finding, "Remediation", base), "Recommendation", child(base, "Remediation"))
    return _finding_alert(
        key=key, title=title or finding_type or key, label=_asff_label(finding, base), types=types,
        finding_type=finding_type, source="guardduty" if guardduty else "securityhub", resolved=resolved,
        facts=facts, when=finding.get("UpdatedAt"), component=facts.get("resource_id"),
        links=link(finding.get("SourceUrl"), "Finding") + link(recommendation.get("Url"), "Remediation"),
        details=finding,
    )


def _securityhub(event: Mapping[str, Any], detail: Mapping[str, Any], base: str,
                 options: Mapping[str, Any]) -> list[NormalAlert]:
    where = child(base, "findings")
    return [_asff(obj(f, child(where, i)), child(where, i)) for i, f in enumerate(opt_list(detail, "findings", base))]


def _guardduty(event: Mapping[str, Any], detail: Mapping[str, Any], base: str,
               options: Mapping[str, Any]) -> list[NormalAlert]:
    # The finding ARN is also the Id Security Hub gives the same finding, so both routes dedup together.
    key = text(detail, "arn", base) or text(detail, "id", base, required=True)
    kind = text(detail, "type", base)
    label = _label_of_guardduty(detail.get("severity"))
    archived = opt_obj(detail, "service", base).get("archived") is True
    resource = opt_obj(detail, "resource", base)
    facts = {k: v for k, v in (("aws_account", detail.get("accountId")),
                               ("resource_type", resource.get("resourceType"))) if isinstance(v, str)}
    title = first_line(text(detail, "title", base)) or kind or key
    return [_finding_alert(key=key, title=title, label=label, types=[kind] if kind else [],  # type: ignore[arg-type]
                           finding_type=kind, source="guardduty", resolved=archived, facts=facts,
                           when=detail.get("updatedAt") or event.get("time"), component=None, links=[],
                           details=detail)]


# --- AWS Health

HEALTH_SEVERITY = {"issue": "warning", "investigation": "warning", "scheduledChange": "info",
                   "accountNotification": "info"}


def _health(event: Mapping[str, Any], detail: Mapping[str, Any], base: str,
            options: Mapping[str, Any]) -> list[NormalAlert]:
    category, service = text(detail, "eventTypeCategory", base), text(detail, "service", base)
    code = text(detail, "eventTypeCode", base)
    status = (text(detail, "statusCode", base) or "open").strip().lower()
    region = text(detail, "eventRegion", base) or text(event, "region") or "global"
    entities = [e.get("entityValue") for e in opt_list(detail, "affectedEntities", base) if isinstance(e, Mapping)]
    hint = HEALTH_SEVERITY.get(category or "")
    facts: dict[str, Any] = {"source": "aws_health", "health_status": status}
    facts.update({k: v for k, v in (("health_event_category", category), ("health_service", service),
                                    ("health_event_type", code), ("severity_hint", hint)) if v})
    if entities:
        facts["affected_entities"] = [e for e in entities if isinstance(e, str)]
    return [NormalAlert(
        # open and upcoming (a scheduled change) page by the pack's rules; closed resolves.
        action="resolve" if status == "closed" else "trigger",
        summary=summary(f"AWS Health {category or 'event'}: {code or service or 'unknown'} in {region}"),
        source="aws_health",
        dedup_key=text(detail, "eventArn", base) or f"health:{code}:{region}",
        component=service, severity_hint=hint, occurred_at=timestamp(event.get("time")), facts=facts,
        details=dict(detail),
    )]


# --- AWS Backup

BACKUP_FAILED = ("FAILED", "ABORTED", "EXPIRED", "PARTIAL")


def _backup(event: Mapping[str, Any], detail: Mapping[str, Any], base: str,
            options: Mapping[str, Any]) -> list[NormalAlert]:
    state = text(detail, "state", base, required=True).strip().upper()  # type: ignore[union-attr]
    vault_arn = text(detail, "backupVaultArn", base)
    vault = text(detail, "backupVaultName", base) or (vault_arn or "").rpartition(":")[2]
    if not vault:
        raise missing(child(base, "backupVaultName"))
    resource = text(detail, "resourceArn", base, required=True)
    facts: dict[str, Any] = {"source": "aws_backup", "backup_state": state, "backup_vault": vault,
                             "resource_arn": resource}
    optional = (("recovery_point_arn", "recoveryPointArn"), ("resource_type", "resourceType"),
                ("backup_job_id", "backupJobId"))
    facts.update({fact: detail[key] for fact, key in optional if isinstance(detail.get(key), str)})
    # The event cannot tell whether another copy exists; the integration's configuration may.
    if options.get("backup_redundancy") is not None:
        facts["backup_redundancy"] = options["backup_redundancy"]
    action = "trigger" if state in BACKUP_FAILED else "resolve" if state == "COMPLETED" else "record"
    reason = first_line((text(detail, "statusMessage", base) or "").strip('"'))
    return [NormalAlert(
        action=action,  # type: ignore[arg-type]
        summary=summary(f"AWS Backup job {state} for {resource}" + (f": {reason}" if reason else "")),
        source="aws_backup",
        # Vault and resource, not the job id: the next successful job of the same resource resolves the failure.
        dedup_key=f"backup:{vault}:{resource}",
        component=resource, occurred_at=timestamp(event.get("time")), facts=facts, details=dict(detail),
    )]


# --- ECS task state changes

# Stops ECS or a person made on purpose (scale-in, deployment, spot reclaim): containers then exit
# non-zero from SIGTERM/SIGKILL, which is no failure, so exit codes are not read for these.
ROUTINE_STOPS = ("UserInitiated", "ServiceSchedulerInitiated", "SpotInterruption", "TerminationNotice")


def _ecs_failure(detail: Mapping[str, Any], codes: list[int]) -> tuple[bool, bool]:
    """(failed, health check failed) for a STOPPED task."""
    reason, stop_code = str(detail.get("stoppedReason") or ""), str(detail.get("stopCode") or "")
    if "health check" in reason.lower():  # "Task failed ELB health checks in …", "… container health checks"
        return True, True
    if stop_code in ROUTINE_STOPS:
        return False, False
    if stop_code == "TaskFailedToStart" or any(code != 0 for code in codes):
        return True, False
    # An essential container exited without any exit code: it never ran (e.g. the image failed to pull).
    return stop_code == "EssentialContainerExited" and not codes, False


def _ecs(event: Mapping[str, Any], detail: Mapping[str, Any], base: str,
         options: Mapping[str, Any]) -> list[NormalAlert]:
    status = (text(detail, "lastStatus", base) or "").upper()
    cluster_arn = text(detail, "clusterArn", base, required=True)
    cluster = cluster_arn.rpartition("/")[2]  # type: ignore[union-attr]
    group = text(detail, "group", base) or text(detail, "taskDefinitionArn", base) or ""
    service = group.partition(":")[2] if group.startswith("service:") else None
    task = text(detail, "taskArn", base)
    containers = [c for c in opt_list(detail, "containers", base) if isinstance(c, Mapping)]
    codes = [c["exitCode"] for c in containers if isinstance(c.get("exitCode"), int)
             and not isinstance(c.get("exitCode"), bool)]
    failed, health = _ecs_failure(detail, codes) if status == "STOPPED" else (False, False)
    facts: dict[str, Any] = {"source": "ecs", "ecs_cluster": cluster, "health_check_failed": health,
                             "ecs_group": group, "task_status": status}
    facts.update({k: v for k, v in (("ecs_service", service), ("task_arn", task),
                                    ("stop_code", detail.get("stopCode"))) if isinstance(v, str) and v})
    if codes:
        facts["exit_code"] = next((c for c in codes if c != 0), codes[0])
    reason = text(detail, "stoppedReason", base)
    name = service or group.removeprefix("family:") or cluster
    what = f"ECS task of {name} in cluster {cluster} {status.lower() or 'changed state'}"
    if reason:
        what += f": {reason}"
    if "exit_code" in facts:
        what += f" (exit code {facts['exit_code']})"
    return [NormalAlert(
        # Only a failed stop pages; normal stops and other state changes are kept as a record.
        action="trigger" if failed else "record",
        summary=summary(what),
        source="ecs",
        dedup_key=f"ecs:{cluster_arn}:{group}",  # per service: one failing service's tasks group together
        component=service or name,
        occurred_at=timestamp(detail.get("stoppedAt") if status == "STOPPED" else None)
        or timestamp(event.get("time")),
        facts=facts,
        details={k: v for k, v in detail.items() if k not in ("attachments", "overrides")},
    )]


# --- everything else


def _event_base(detail_base: str) -> str:
    """The event's own field name back from its detail's ("[1].detail" → "[1]"), for helpers that read both."""
    return detail_base.removesuffix("detail").removesuffix(".") or BODY


def _alarm(event: Mapping[str, Any], detail: Mapping[str, Any], base: str,
           options: Mapping[str, Any]) -> list[NormalAlert]:
    return [cloudwatch.from_alarm_event(event, _event_base(base))]


def _other(event: Mapping[str, Any], detail: Mapping[str, Any], base: str,
           options: Mapping[str, Any]) -> list[NormalAlert]:
    kind, source = str(event["detail-type"]), str(event["source"])
    resources = [r for r in opt_list(event, "resources", _event_base(base)) if isinstance(r, str)]
    return [NormalAlert(
        action="trigger", summary=summary(f"{kind} from {source}"), source=source,
        dedup_key=f"{source}:{kind}:{resources[0]}" if resources else None,
        occurred_at=timestamp(event.get("time")), facts={"source": source, "detail_type": kind},
        details=dict(detail),
    )]


HANDLERS: dict[str, Handler] = {
    "CloudWatch Alarm State Change": _alarm,
    "Security Hub Findings - Imported": _securityhub,
    "Security Hub Findings - Custom Action": _securityhub,
    "GuardDuty Finding": _guardduty,
    "AWS Health Event": _health,
    "AWS Health Abuse Event": _health,
    "Backup Job State Change": _backup,
    "ECS Task State Change": _ecs,
}


def parse_event(event: Any, options: Mapping[str, Any], base: str = BODY) -> list[NormalAlert]:
    """The alerts of one EventBridge event; base names it in errors (e.g. "[2]" in a list, "Message" in SNS)."""
    body = obj(event, base)
    kind = text(body, "detail-type", base, required=True)
    text(body, "source", base, required=True)
    if body.get("detail") is None:
        raise missing(child(base, "detail"))
    detail = obj(body["detail"], child(base, "detail"))
    return HANDLERS.get(kind.strip(), _other)(body, detail, child(base, "detail"), options)  # type: ignore[union-attr]


def parse(payload: Any, options: Mapping[str, Any]) -> list[NormalAlert]:
    """One EventBridge event, or a list of them (as an API destination may batch), → alerts."""
    if isinstance(payload, list):
        return [alert for i, event in enumerate(payload) for alert in parse_event(event, options, f"[{i}]")]
    return parse_event(payload, options)
