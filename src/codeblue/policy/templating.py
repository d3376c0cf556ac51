"""Message templates: Jinja2 in a sandbox, strict about every name, checked against a sample."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "—"


_env.filters["when"] = _when


def sample_context() -> dict[str, Any]:
    """Every name a template may use, with plausible values; the contract comms fills for real."""
    t0 = datetime(2026, 1, 5, 14, 3, tzinfo=UTC)
    return {
        "incident": {
            "id": "INC-2026-01-05-001",
            "title": "API health checks failing",
            "severity": "P0",
            "severity_name": "Critical",
            "status": "investigating",
            "service": "telehealth-crm-api",
            "service_name": "Telehealth CRM API",
            "affected_services": ["Telehealth CRM API"],
            "type": "api_down",
            "type_name": "API Down",
            "impact": "Patients cannot join video visits",
            "detected_at": t0,
            "acknowledged_at": t0,
            "resolved_at": t0,
            "duration": "1h 12m",
            "commander": "Dana Reyes",
            "oncall": "Sam Okafor",
            "url": "https://codeblue.example.org/incidents/INC-2026-01-05-001",
            "channel": "#incident-inc-2026-01-05-001",
            "actions": ["Rolled back deploy 4812"],
            "user_facing": True,
        },
        "next_update_at": t0,
        "update": {
            "number": 2,
            "at": t0,
            "status": "identified",
            "actions": "Rolled back deploy 4812",
            "next_steps": "Watch error rates for 30 minutes",
            "eta": "15:30 UTC",
        },
        "resolution": {
            "root_cause": "Connection pool exhausted after a config change",
            "actions": "Rolled back the change; raised the pool limit",
            "prevention": "Alert on pool saturation; review config changes",
        },
        "customer": {
            "description": "an outage of video visits",
            "affected_functionality": "joining video visits",
            "update_frequency": "30 minutes",
            "status_page_url": "https://status.example.org",
        },
        "review": {
            "summary": "API health checks failed after a configuration change",
            "root_cause": "Connection pool exhausted",
            "analysis": "Detailed analysis",
            "contributing_factors": "No alert on pool saturation",
            "compliance_impact": "No PHI exposed",
            "lessons_learned": "Lessons",
            "prevention": "Measures",
            "follow_ups": ["Add pool saturation alert"],
            "timeline": [{"at": t0, "text": "Incident detected"}],
        },
    }


class TemplateProblem(Exception):
    def __init__(self, message: str, lineno: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno


def render(source: str, context: dict[str, Any]) -> str:
    """Render a template; any unknown name or syntax error raises TemplateProblem."""
    try:
        return _env.from_string(source).render(context)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}", exc.lineno) from exc
    except TemplateError as exc:
        raise TemplateProblem(f"template names an unknown field: {exc}", None) from exc


def check(source: str) -> TemplateProblem | None:
    """Render against the sample context; the problem it finds, if any."""
    try:
        render(source, sample_context())
    except TemplateProblem as problem:
        return problem
    return None
