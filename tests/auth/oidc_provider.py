"""A small OpenID Connect provider on 127.0.0.1 for tests: discovery, JWKS, authorize, token (RS256 ID tokens)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID, CLIENT_SECRET = "codeblue", "provider-shared-secret"


@dataclass
class Provider:
    url: str
    key: RSAKey
    now: float = 0.0  # the instant tokens are issued at (the app's clock, not the wall's)
    claims: dict[str, Any] = field(default_factory=dict)  # the signed-in person's claims
    tamper: dict[str, Any] = field(default_factory=dict)  # put into the ID token over the right values
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)

    def id_token(self, grant: dict[str, Any]) -> str:
        claims = {"iss": self.url, "aud": CLIENT_ID, "sub": "user-123", "iat": int(self.now),
                  "exp": int(self.now) + 300, "nonce": grant["nonce"], **self.claims, **self.tamper}
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@contextmanager
def oidc_provider() -> Iterator[Provider]:
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})
    provider: Provider

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            for k, v in {"Content-Type": "application/json", **(headers or {})}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            url = urlparse(self.path)
            if url.path == "/.well-known/openid-configuration":
                base = provider.url
                self._send(200, {"issuer": base, "authorization_endpoint": f"{base}/authorize",
                                 "token_endpoint": f"{base}/token", "jwks_uri": f"{base}/jwks",
                                 "response_types_supported": ["code"], "id_token_signing_alg_values_supported":
                                 ["RS256"], "code_challenge_methods_supported": ["S256"]})
            elif url.path == "/jwks":
                self._send(200, {"keys": [provider.key.as_dict(private=False)]})
            elif url.path == "/authorize":
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                code = secrets.token_urlsafe(16)
                provider.codes[code] = q
                target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})
                self._send(302, None, {"Location": target})
            else:
                self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            provider.token_requests.append(form)
            auth = self.headers.get("authorization", "")
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            grant = provider.codes.pop(form.get("code", [""])[0], None)
            if auth != expected:
                self._send(401, {"error": "invalid_client"})
            elif grant is None or _challenge(form.get("code_verifier", [""])[0]) != grant.get("code_challenge"):
                self._send(400, {"error": "invalid_grant"})
            else:
                self._send(200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                                 "expires_in": 300, "id_token": provider.id_token(grant)})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    provider = Provider(url=f"http://127.0.0.1:{server.server_address[1]}", key=key)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
