"""/docs: the API reference as a server-rendered page, built from the app's own OpenAPI document.

The usual interactive viewers load third-party scripts, which the Content-Security-Policy refuses;
this page needs none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from codeblue.web import render

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Param:
    name: str
    where: str
    type: str
    required: bool
    description: str = ""


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    params: list[Param]
    body: str | None
    responses: list[tuple[str, str]]
    anchor: str


@dataclass
class Model:
    name: str
    fields: list[Param]


@dataclass
class Group:
    tag: str
    operations: list[Operation] = field(default_factory=list)


@dataclass
class ApiReference:
    title: str
    version: str
    description: str
    groups: list[Group]
    models: list[Model]


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any] | None) -> str:
    """A schema as a short phrase: `IncidentOut`, `list of string`, `integer | null`, `one of P0, P1`."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            return " | ".join(dict.fromkeys(type_of(s) for s in schema[combined]))
    kind = schema.get("type", "object")
    if kind == "array":
        return f"list of {type_of(schema.get('items'))}"
    if kind == "object" and "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        return f"map of {type_of(schema['additionalProperties'])}"
    return f"{kind} ({schema['format']})" if "format" in schema else str(kind)


def _body(op: dict[str, Any]) -> str | None:
    content = (op.get("requestBody") or {}).get("content") or {}
    for media, spec in content.items():
        return f"{type_of(spec.get('schema'))} as {media}"
    return None


def reference(schema: dict[str, Any]) -> ApiReference:
    """Pure: the OpenAPI document arranged for reading, operations grouped by tag in path order."""
    groups: dict[str, Group] = {}
    for path, item in sorted(schema.get("paths", {}).items()):
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            tag = (op.get("tags") or ["other"])[0]
            params = [Param(name=p["name"], where=p["in"], type=type_of(p.get("schema")),
                            required=bool(p.get("required")), description=p.get("description", ""))
                      for p in op.get("parameters", [])]
            responses = [(code, r.get("description", "")) for code, r in sorted(op.get("responses", {}).items())]
            anchor = f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").replace(".", "-")
            groups.setdefault(tag, Group(tag)).operations.append(Operation(
                method=method.upper(), path=path, summary=op.get("summary", ""),
                description=op.get("description", ""), params=params, body=_body(op), responses=responses,
                anchor=anchor))
    models = []
    for name, spec in sorted(schema.get("components", {}).get("schemas", {}).items()):
        required = set(spec.get("required", []))
        models.append(Model(name=name, fields=[
            Param(name=f, where="", type=type_of(s), required=f in required, description=s.get("description", ""))
            for f, s in spec.get("properties", {}).items()]))
    info = schema.get("info", {})
    return ApiReference(title=info.get("title", "API"), version=info.get("version", ""),
                        description=info.get("description", ""), groups=list(groups.values()), models=models)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    return render.page("api_docs.html", reference(request.app.openapi()))
