"""Every error becomes one JSON shape, {"error": {"code", "message", "details"}}, here and only here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from codeblue.auth.security_events import anonymous, record_security_event
from codeblue.web import render
from codeblue.web.paths import local_path
from codeblue.errors import CodeBlueError, CsrfRefused, Forbidden, RateLimited, SignInRequired, Unauthorized

log = logging.getLogger("codeblue.http")


TITLES = {400: "Bad request", 401: "Sign in needed", 403: "Not allowed", 404: "Not found", 409: "Already done",
          413: "Too large", 422: "Invalid input", 429: "Slow down", 500: "Something went wrong",
          503: "Unavailable"}


# Where a status's title would mislead: a refused form is not about the person's role.
CODE_TITLES = {"csrf": "Form not accepted"}


@dataclass
class ErrorPage:
    status: int
    title: str
    message: str
    back: str = "/"


def _wants_page(request: Request | None) -> bool:
    if request is None:
        return False
    path = request.url.path
    machine = path.startswith(("/api/", "/v2/", "/healthz", "/readyz", "/metrics", "/status.json"))
    return not machine and "text/html" in request.headers.get("accept", "")


def _same_origin_path(request: Request, url: str | None) -> str | None:
    """The path of a URL on this server (a Referer), never another site's."""
    if not url:
        return None
    origin = f"{request.url.scheme}://{request.url.netloc}"
    path = url[len(origin):] if url.startswith(origin + "/") else url
    return local_path(path, default="") or None


def _back(request: Request) -> str:
    return _same_origin_path(request, request.headers.get("referer")) or "/"


def _sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = _back(request)  # a form posted after the session ended: come back to its page
    return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None, request: Request | None = None) -> Response:
    """JSON under the API; a page for people using the web UI."""
    if _wants_page(request):
        title = CODE_TITLES.get(code) or TITLES.get(status, "Error")
        context = ErrorPage(status=status, title=title, message=message, back=_back(request))
        response = render.page("error.html", context, status=status)
        response.headers.update(headers or {})
        return response
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details}}, status_code=status, headers=headers
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, rest = parts[0], parts[1:]
        return ".".join(rest) if rest else where
    return ".".join(parts)


def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(e for e in errors if e.get("type") == "json_invalid")
        reason = (detail.get("ctx") or {}).get("error", "could not be parsed")
        return error_response(400, "malformed_json", f"the request body is not valid JSON: {reason}",
                              request=request)
    content_type = request.headers.get("content-type", "")
    if any(tuple(e["loc"]) == ("body",) for e in errors) and "json" not in content_type:
        return error_response(415 if content_type else 400, "not_json",
                              "send the request body as JSON with 'Content-Type: application/json'", request=request)
    problems = [{"field": _field(tuple(e["loc"])), "message": e["msg"]} for e in errors]
    message = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
    return error_response(422, "bad_input", f"invalid request: {message}", problems, request=request)


def install(app: FastAPI) -> None:
    @app.exception_handler(CodeBlueError)
    def _domain(request: Request, exc: CodeBlueError) -> Response:
        if isinstance(exc, SignInRequired) and _wants_page(request):
            return _sign_in_redirect(request)
        if isinstance(exc, Forbidden) and not getattr(request.state, "refusal_audited", False):
            _refused(request, exc, "csrf_refused" if isinstance(exc, CsrfRefused) else "permission_refused")
        elif isinstance(exc, Unauthorized) and not isinstance(exc, SignInRequired):
            _refused(request, exc, "token_refused")
        headers = None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(exc.retry_after)}
        elif isinstance(exc, Unauthorized):
            headers = {"WWW-Authenticate": "Bearer"}
        return error_response(exc.status_code, exc.code, exc.message, exc.details, headers, request)

    app.add_exception_handler(RequestValidationError, _validation)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        return error_response(exc.status_code, f"http_{exc.status_code}", message,
                              headers=getattr(exc, "headers", None), request=request)

    @app.exception_handler(IntegrityError)
    def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity conflict on %s %s: %s", request.method, request.url.path, exc.orig)
        return error_response(409, "conflict", "the change conflicts with another one made at the same time; retry it")

    @app.exception_handler(OperationalError)
    def _operational(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        return error_response(503, "unavailable", "the database is busy or unreachable; retry shortly",
                              headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal", "an unexpected error occurred; it has been logged", request=request)


def _refused(request: Request, exc: CodeBlueError, event: str) -> None:
    """Every 401 from a bad API credential and every 403 (role, CSRF, signature) goes to the audit trail.

    The request's own unit of work has been rolled back by now, so the entry is written in one of its own.
    """
    address = request.client.host if request.client else None
    actor = getattr(request.state, "actor", None) or anonymous(address)
    details = {"method": request.method, "path": request.url.path, "message": exc.message}
    if actor.role is not None:
        details["role"] = str(actor.role)
    record_security_event(
        event, actor=actor, subject=f"{request.method} {request.url.path}", subject_type="route",
        outcome=exc.code, at=request.app.state.clock.now(), address=address, details=details,
        db=request.app.state.db,
    )
