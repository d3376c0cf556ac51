"""Jinja2 with autoescape, one base layout; each page gets one context object."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

env = Environment(loader=PackageLoader("codeblue", "web/templates"), autoescape=select_autoescape(["html"]))


def page(template: str, context: Any, *, status: int = 200) -> HTMLResponse:
    html = env.get_template(template).render(page=context)
    # Pages may show incident details: never cache them.
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
