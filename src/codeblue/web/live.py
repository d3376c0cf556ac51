"""Server-sent events for live pages: poll a cheap version, send server-rendered fragments when it moves.

The stream ends after a while and the browser reconnects (sending the last version it saw), so a
restart never waits on an open stream and a lost connection never loses a change.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

HEARTBEAT_SECONDS = 15.0
RETRY_MS = 1000


def event(name: str, data: str, *, id_: str | None = None) -> str:
    """One SSE event; every line of data gets its own 'data:' field, as the format requires."""
    lines = [f"id: {id_}"] if id_ is not None else []
    lines.append(f"event: {name}")
    lines += [f"data: {line}" for line in data.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines) + "\n\n"


async def _events(request: Request, *, version: Callable[[], str], fragments: Callable[[], dict[str, str]],
                  since: str | None, poll: float, lifetime: float) -> AsyncIterator[str]:
    last = request.headers.get("last-event-id") or since
    yield f"retry: {RETRY_MS}\n\n"
    started = quiet = time.monotonic()
    while time.monotonic() - started < lifetime:
        if await request.is_disconnected():
            return
        current = await run_in_threadpool(version)
        if current != last:
            for name, html in (await run_in_threadpool(fragments)).items():
                yield event(name, html, id_=current)
            last, quiet = current, time.monotonic()
        elif time.monotonic() - quiet >= HEARTBEAT_SECONDS:
            yield ": still here\n\n"  # keeps proxies from closing a quiet stream
            quiet = time.monotonic()
        await asyncio.sleep(poll)


def stream(request: Request, *, version: Callable[[], str], fragments: Callable[[], dict[str, str]],
           since: str | None) -> StreamingResponse:
    settings = request.app.state.settings
    body = _events(request, version=version, fragments=fragments, since=since,
                   poll=settings.live_poll_seconds, lifetime=settings.live_stream_seconds)
    return StreamingResponse(body, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
