"""Alerts made from the shared sender fixtures through the real adapters, and incidents opened by ingesting them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from codeblue.alerts import integrations
from codeblue.alerts import service as alerts
from codeblue.alerts.adapters import ADAPTERS
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident

FIXTURES = Path("/work/shared/fixtures/payloads")
SECURITYHUB = ("eventbridge", "aws_eventbridge_securityhub_finding.json")
ECS = ("eventbridge", "aws_eventbridge_ecs_task_stopped.json")
BACKUP = ("eventbridge", "aws_eventbridge_backup_job_failed.json")
SNS_ALARM = ("sns", "aws_sns_cloudwatch_alarm_alarm.json")
EB_ALARM = ("eventbridge", "aws_eventbridge_cloudwatch_alarm_state_change.json")

Change = Callable[[dict[str, Any]], None]


def payload(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((FIXTURES / name).read_text()))


def facts(source: tuple[str, str], change: Change | None = None) -> dict[str, Any]:
    """The facts the real adapter reads from the fixture (after `change`, a variant a sender also sends)."""
    kind, name = source
    body = payload(name)
    if change:
        change(body)
    [alert] = ADAPTERS[kind](body, {})
    return alert.facts


def ecs_service(name: str) -> Change:
    def change(body: dict[str, Any]) -> None:
        body["detail"]["group"] = f"service:{name}"
    return change


def sns_dimensions(**dims: str) -> Change:
    def change(body: dict[str, Any]) -> None:
        message = json.loads(body["Message"])
        message["Trigger"]["Dimensions"] = [{"name": k, "value": v} for k, v in dims.items()]
        body["Message"] = json.dumps(message)
    return change


def backup_recovery_point(arn: str) -> Change:
    def change(body: dict[str, Any]) -> None:
        body["detail"]["recoveryPointArn"] = arn
    return change


def finding_types(*types: str) -> Change:
    def change(body: dict[str, Any]) -> None:
        body["detail"]["findings"][0]["Types"] = list(types)
    return change


def ingest(session: Session, *, service: str, source: tuple[str, str], now, change: Change | None = None) -> Incident:
    """Send the fixture to an integration of the service, as the sender would; the incident it opened."""
    kind, name = source
    integration, _ = integrations.create(session, type_=kind, service=service, name=f"{kind} for {service}",
                                         options={}, now=now)
    body = payload(name)
    if change:
        change(body)
    [outcome] = alerts.ingest(session, integration=integration, alerts=ADAPTERS[kind](body, {}),
                              body=json.dumps(body), now=now)
    return incidents.get(session, ref=outcome.incident)
