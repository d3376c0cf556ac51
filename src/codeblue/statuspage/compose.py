"""Customer text from the pack's customer template, rendered from customer-facing fields only."""

from __future__ import annotations

from typing import Any

from codeblue.errors import BadInput, Conflict
from codeblue.policy import templating
from codeblue.policy.schema import Pack, Template
from codeblue.statuspage.schemas import CustomerFields, PreviewOut

# The page's state for an incident of each severity, unless the commander says otherwise.
DEFAULT_IMPACT = {"P0": "major_outage", "P1": "partial_outage", "P2": "degraded", "P3": "degraded"}


def customer_template(pack: Pack) -> Template:
    template = next((t for t in pack.templates if t.kind == "customer"), None)
    if template is None:
        raise Conflict(f"pack '{pack.pack}' has no customer template (a template of kind 'customer')")
    return template


def context(*, pack: Pack, severity: str, public_name: str, fields: CustomerFields,
            status_page_url: str) -> dict[str, Any]:
    """Deliberately small: what the commander wrote for customers, the service's public name and the
    severity. The incident's title, description, alerts, notes and responders are not in it, so a
    template that names them fails to render instead of publishing them."""
    return {
        "incident": {"severity": severity, "severity_name": pack.severity(severity).name, "status": fields.state,
                     "service_name": public_name, "impact": fields.impact or fields.description},
        "update": {"eta": fields.eta},
        "customer": {"description": fields.description, "affected_functionality": fields.affected_functionality,
                     "update_frequency": fields.update_frequency, "status_page_url": status_page_url},
    }


def render(*, pack: Pack, severity: str, public_name: str, fields: CustomerFields, status_page_url: str) -> PreviewOut:
    template = customer_template(pack)
    ctx = context(pack=pack, severity=severity, public_name=public_name, fields=fields,
                  status_page_url=status_page_url)
    try:
        subject = templating.render(template.subject or "{{ incident.service_name }} service notice", ctx)
        body = templating.render(template.body, ctx)
    except templating.TemplateProblem as problem:
        raise BadInput(f"customer template '{template.id}' of pack '{pack.pack}' cannot be rendered from "
                       f"customer-facing fields only: {problem.message}") from problem
    return PreviewOut(template=template.id, subject=" ".join(subject.split())[:300], body=body.strip())
