"""ASGI middleware: request body limit, and no NUL characters where they would reach the database."""

from __future__ import annotations

import json
import re
from typing import Any

Scope = dict[str, Any]

# A JSON \u0000 escape not itself escaped (an even run of backslashes before it).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# Sender endpoints accept whatever a monitoring system sends; ingest replaces NULs in what it keeps.
_SENDER_PATHS = ("/v2/enqueue", "/api/v1/hooks/", "/api/v1/heartbeats/")
NUL_MESSAGE = "text may not contain NUL (\\u0000) characters"
# Evidence uploads carry files of any bytes, up to their own limit (settings.evidence_max_bytes).
EVIDENCE_PATH = re.compile(r"^/(?:api/v1/)?incidents/[^/]+/evidence$")
MULTIPART_OVERHEAD = 64 * 1024  # the form's boundaries and fields around the file


def _has_nul(scope: Scope) -> bool:
    return b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", "") \
        or b"%00" in scope.get("raw_path", b"")


class BodyLimit:
    """Refuse bodies over the limit with 413 before the application reads them.

    Also refuses NUL characters in the path, the query and JSON bodies with 400: PostgreSQL cannot
    store them in text, and SQLite would keep what PostgreSQL refuses, so both refuse alike.
    """

    def __init__(self, app: Any, *, max_bytes: int, evidence_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.evidence_max_bytes = evidence_max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _has_nul(scope):
            await self._refuse(send, 400, "bad_input", NUL_MESSAGE)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        evidence = self.evidence_max_bytes is not None and EVIDENCE_PATH.match(scope["path"]) is not None
        limit = max(self.max_bytes, self.evidence_max_bytes + MULTIPART_OVERHEAD) if evidence else self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                await self._refuse(send, 400, "bad_request", "Content-Length is not a number")
                return
            if too_big:
                await self._refuse_size(send, limit)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse_size(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        # Evidence files are bytes, not JSON text; the evidence routes refuse NULs in their own text fields.
        if not evidence and not scope["path"].startswith(_SENDER_PATHS) and _JSON_NUL.search(body):
            await self._refuse(send, 400, "bad_input", NUL_MESSAGE)
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse_size(self, send: Any, limit: int) -> None:
        await self._refuse(send, 413, "payload_too_large", f"the request body is larger than {limit} bytes")

    @staticmethod
    async def _refuse(send: Any, status: int, code: str, message: str) -> None:
        body = json.dumps({"error": {"code": code, "message": message, "details": None}}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
