"""The ingest path shared by every sender endpoint: key, rate limit, parse, group commit."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from codeblue import jsontext
from codeblue.alerts.adapters import ADAPTERS
from codeblue.alerts.integrations import IntegrationRef, KeyCache
from codeblue.alerts.normal import NormalAlert, PayloadError
from codeblue.alerts.ratelimit import RateLimiter
from codeblue.alerts.service import Outcome
from codeblue.alerts.writer import IngestWriter
from codeblue.errors import InvalidPayload, NotFound, RateLimited

UNKNOWN_KEY = "no integration with that key"


@dataclass
class Ingest:
    """The per-process pieces of the ingest path, built once by the app."""

    writer: IngestWriter
    keys: KeyCache
    limiter: RateLimiter
    sessions: Callable[[], Any]

    async def integration(self, key: str, *, types: tuple[str, ...]) -> IntegrationRef:
        if not key or len(key) > 128:
            raise NotFound(UNKNOWN_KEY)
        ref = self.keys.cached(key) or await run_in_threadpool(self.keys.lookup, self.sessions, key)
        if ref is None or ref.type not in types:
            raise NotFound(UNKNOWN_KEY)
        wait = self.limiter.take(key)
        if wait:
            raise RateLimited(f"too many requests for this integration; retry in {wait} s", retry_after=wait)
        return ref

    async def submit(self, ref: IntegrationRef, events: list[NormalAlert], body: str) -> list[Outcome]:
        return await self.writer.submit(ref.id, events, body)


def ingest_of(request: Request) -> Ingest:
    return request.app.state.ingest


async def json_body(request: Request) -> tuple[Any, str]:
    """The decoded body and its text; senders label JSON as text/plain too (SNS), so the type is not checked."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
        return jsontext.loads(text), text
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidPayload(f"the request body is not valid JSON: {exc}", details={"field": "body"}) from None


def parse(type_: str, payload: Any, options: dict[str, Any], *, text: str) -> list[NormalAlert]:
    return parse_with(ADAPTERS[type_], payload, options, text=text)


def parse_with(adapter: Callable[..., list[NormalAlert]], payload: Any, options: dict[str, Any], *,
               text: str) -> list[NormalAlert]:
    """Run an adapter on a body decoded from text; a payload it cannot read is the sender's error (400),
    named by field."""
    try:
        events = adapter(payload, options)
    except PayloadError as exc:
        raise InvalidPayload(str(exc), details={"field": exc.field}) from None
    # JSON text cannot hold a raw NUL, so without the escape (even nested, as in SNS) there is none.
    return [_without_nul(e) for e in events] if "\\u0000" in text else events


def _replace_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_replace_nul(k): _replace_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_nul(v) for v in value]
    return value


def _without_nul(event: NormalAlert) -> NormalAlert:
    """The event with NUL characters shown as U+FFFD: PostgreSQL cannot store NUL in text, and a
    sender's stray NUL must not cost the alert. The raw body keeps them, as the escape it arrived in."""
    return NormalAlert(**_replace_nul({f.name: getattr(event, f.name) for f in dataclasses.fields(event)}))
