"""One error hierarchy; translated to HTTP in exactly one place (codeblue.app)."""

from __future__ import annotations

from typing import Any


class CodeBlueError(Exception):
    """Base of every error the product raises on purpose."""

    status_code = 400
    code = "error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadInput(CodeBlueError):
    status_code = 422
    code = "bad_input"


class Unauthorized(CodeBlueError):
    status_code = 401
    code = "unauthorized"


class SignInRequired(Unauthorized):
    """A page asked for without a live web session: a browser is sent to the sign-in page."""

    code = "sign_in_required"


class Forbidden(CodeBlueError):
    status_code = 403
    code = "forbidden"


class CsrfRefused(Forbidden):
    code = "csrf"


class NotFound(CodeBlueError):
    status_code = 404
    code = "not_found"


class Conflict(CodeBlueError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class RetentionHold(Conflict):
    """A record the law requires to be kept may not be deleted yet."""

    code = "retention_hold"


class PayloadTooLarge(CodeBlueError):
    status_code = 413
    code = "payload_too_large"


class RateLimited(CodeBlueError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class Unavailable(CodeBlueError):
    status_code = 503
    code = "unavailable"


class InvalidPayload(CodeBlueError):
    """A sender's payload that cannot be read: malformed JSON or a missing field (400, as senders expect)."""

    status_code = 400
    code = "invalid_payload"
