"""Security headers on every response, and no caching of anything but static files."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders

# No inline script, no third-party origin, no framing: pages load only what this server serves.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# The public status page runs no script at all and is fetched by people who never sign in.
PUBLIC_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
              "base-uri 'none'")
PUBLIC_PATHS = ("/status", "/status.json")
ALWAYS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """ASGI middleware: set ALWAYS on every response, HSTS over TLS, no-store unless a response says otherwise."""

    def __init__(self, app: Any, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = self.https or scope.get("scheme") == "https"
        path = scope.get("path", "")
        static = path.startswith("/static/")
        public = path in PUBLIC_PATHS or path.startswith("/status/")

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers[name] = value
                if public:
                    headers["Content-Security-Policy"] = PUBLIC_CSP
                if tls:
                    headers["Strict-Transport-Security"] = HSTS
                if not static and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)
