"""One HTTP POST with every failure turned into a DeliveryError."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import ssl
from collections.abc import Iterator
from typing import Any

import httpx

from codeblue.notify.message import DeliveryError

DEFAULT_TIMEOUT = 10.0


@functools.cache
def _tls() -> ssl.SSLContext:
    # Building httpx's default context (loading the CA bundle) costs ~20 ms of CPU; once per process,
    # not once per page. A context is safe to share between clients and threads.
    return httpx.create_ssl_context()


_shared: contextvars.ContextVar[httpx.AsyncClient | None] = contextvars.ContextVar("codeblue_http", default=None)


def client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, verify=_tls())


@contextlib.contextmanager
def sharing(shared: httpx.AsyncClient) -> Iterator[None]:
    """Sends inside use this client (and its pooled connections), one the caller keeps in its event loop."""
    token = _shared.set(shared)
    try:
        yield
    finally:
        _shared.reset(token)


async def post(channel: str, url: str, *, timeout: float, **kwargs: Any) -> httpx.Response:
    """POST and return the response whatever its status; transport failures raise DeliveryError."""
    try:
        # httpx's timeout applies to each phase (connect, each read); the outer bound caps the whole exchange.
        async with asyncio.timeout(timeout):
            shared = _shared.get()
            if shared is not None:
                return await shared.post(url, timeout=timeout, **kwargs)
            async with client(timeout) as own:
                return await own.post(url, **kwargs)
    except (TimeoutError, httpx.TimeoutException):
        raise DeliveryError(f"{channel}: no answer within {timeout:g} s") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        # The address itself is wrong; retrying cannot fix it. The URL is left out: it may hold a secret.
        raise DeliveryError(f"{channel}: invalid address ({type(exc).__name__})", retryable=False) from None
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{channel}: {type(exc).__name__}: {exc}", retryable=not cert_rejected(exc)) from None


def cert_rejected(exc: BaseException) -> bool:
    """Whether the failure, or anything that caused it, was an untrusted server certificate."""
    # A setup problem (or an interception) that retrying will not fix, so the page should escalate instead.
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        seen.add(id(current))
        reason = getattr(current, "reason", None)  # urllib's URLError keeps the cause here
        current = current.__cause__ or current.__context__ or (reason if isinstance(reason, BaseException) else None)
    return False


def retryable_status(status: int) -> bool:
    """Server trouble and rate limits may pass; other refusals will not."""
    return status >= 500 or status in (408, 429)


def status_error(channel: str, response: httpx.Response, detail: str = "") -> DeliveryError:
    """A DeliveryError for a non-success answer, keeping a short excerpt of what the server said."""
    detail = detail or response.text[:200].strip()
    after = response.headers.get("retry-after")
    text = f"{channel}: HTTP {response.status_code}" + (f": {detail}" if detail else "")
    if after:
        text += f" (retry after {after} s)"
    return DeliveryError(text, retryable=retryable_status(response.status_code))


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response body as a JSON object, or {} when it is not one (proxies answer in HTML)."""
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def unexpected(channel: str, exc: Exception) -> DeliveryError:
    """A failure no branch foresaw: likely bad data or a bug, so escalate rather than retry it."""
    return DeliveryError(f"{channel}: unexpected {type(exc).__name__}: {exc}", retryable=False)
