"""Jinja2 with autoescape, one base layout; each page gets one context object."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from codeblue.web import formatting

env = Environment(loader=PackageLoader("codeblue", "web/templates"), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)
env.filters["utc"] = formatting.utc
env.filters["iso"] = formatting.iso
env.filters["duration"] = formatting.duration


def html(template: str, context: Any) -> str:
    """A page or a fragment as text: for event streams, which send fragments rather than responses."""
    return env.get_template(template).render(page=context)


def page(template: str, context: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    # Pages may show incident details: never cache them.
    return HTMLResponse(html(template, context), status_code=status,
                        headers={"Cache-Control": "no-store", **(headers or {})})


