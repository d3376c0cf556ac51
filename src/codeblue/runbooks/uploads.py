"""Evidence as a request carries it: JSON (a log, command output or link) or a multipart file upload."""

from __future__ import annotations

import json
from dataclasses import dataclass

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from codeblue.errors import BadInput, PayloadTooLarge
from codeblue.runbooks.schemas import EvidenceIn


@dataclass(frozen=True)
class Upload:
    kind: str
    name: str
    content: bytes | None
    content_type: str
    url: str | None
    note: str


def _text(value: object, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"'{field}' must be text", details={"field": field})
    if "\x00" in value:
        raise BadInput(f"'{field}' may not contain NUL characters", details={"field": field})
    if len(value) > limit:
        raise BadInput(f"'{field}' is longer than {limit} characters", details={"field": field})
    return value.strip()


async def read(request: Request, *, max_bytes: int) -> Upload:
    """The evidence in the request; BadInput naming what is missing or malformed."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise BadInput("send the file in a form field named 'file'", details={"field": "file"})
        content = await file.read(max_bytes + 1)
        if len(content) > max_bytes:
            raise PayloadTooLarge(f"the file is larger than the evidence limit of {max_bytes} bytes",
                                  details={"limit": max_bytes})
        requested = _text(form.get("kind"), "kind", 20) or "file"
        if requested not in ("file", "log", "command_output"):
            raise BadInput("an uploaded file is evidence of kind file, log or command_output", details={"field": "kind"})
        return Upload(kind=requested, name=_text(form.get("name"), "name", 300) or (file.filename or "upload")[:300],
                      content=content, content_type=(file.content_type or "application/octet-stream")[:200],
                      url=None, note=_text(form.get("note"), "note", 2_000))
    try:
        data = EvidenceIn.model_validate(json.loads(await request.body() or b"null"))
    except (ValueError, ValidationError) as exc:
        raise BadInput("send evidence as JSON {kind, name, text | url, note} or a multipart form with a 'file'",
                       details={"problem": str(exc)[:500]}) from None
    for field in ("name", "url", "note"):
        _text(getattr(data, field), field, 2_000)
    if data.kind == "link":
        return Upload(kind="link", name=data.name, content=None, content_type="text/uri-list", url=data.url,
                      note=data.note)
    return Upload(kind=data.kind, name=data.name, content=(data.text or "").encode(),
                  content_type="text/plain; charset=utf-8", url=data.url, note=data.note)


async def read_page_form(request: Request, *, max_bytes: int) -> Upload:
    """The incident page's evidence form: a file, a pasted log or a link, whichever was given."""
    form = await request.form()
    file = form.get("file")
    name, note = _text(form.get("name"), "name", 300), _text(form.get("note"), "note", 2_000)
    link, text = _text(form.get("url"), "url", 2_000), form.get("text")
    if isinstance(file, UploadFile) and file.filename:
        content = await file.read(max_bytes + 1)
        if len(content) > max_bytes:
            raise PayloadTooLarge(f"the file is larger than the evidence limit of {max_bytes} bytes",
                                  details={"limit": max_bytes})
        return Upload(kind="file", name=name or file.filename[:300], content=content,
                      content_type=(file.content_type or "application/octet-stream")[:200], url=None, note=note)
    if link:
        return Upload(kind="link", name=name, content=None, content_type="text/uri-list", url=link, note=note)
    if isinstance(text, str) and text.strip():
        return Upload(kind="log", name=name, content=text.encode(), content_type="text/plain; charset=utf-8",
                      url=None, note=note)
    raise BadInput("choose a file, paste a log or give a link to attach", details={"field": "file"})
