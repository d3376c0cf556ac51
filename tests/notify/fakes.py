"""Local protocol peers for channel tests: a scriptable HTTP server, SMTP collectors, a self-signed cert."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from codeblue.notify.message import DeliveryError, Message, SendResult

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """The channels are async; pytest-asyncio is not installed, so each test runs its own loop."""
    return asyncio.run(coro)


def fail(coro: Coroutine[Any, Any, SendResult]) -> DeliveryError:
    """Runs a send that must fail, and returns its DeliveryError (any other exception fails the test)."""
    with pytest.raises(DeliveryError) as info:
        run(coro)
    return info.value


def message(**kw: Any) -> Message:
    values: dict[str, Any] = dict(
        idempotency_key="page:7:0:0:3", channel="webhook", address="", subject="[P1] INC-7 Orders API down",
        text="[P1] INC-7 orders: Orders API down\nhttps://cb.example/ack/tok", ack_url="https://cb.example/ack/tok",
        data={"incident_id": "INC-7", "severity": "P1", "service": "orders", "title": "Orders API down",
              "link": "https://cb.example/incidents/INC-7"},
    )
    values.update(kw)
    return Message(**values)


def free_port() -> int:
    """A port nothing listens on (bound then released), for connection-refused cases and aiosmtpd."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


Reply = tuple[int, Any] | tuple[int, Any, dict[str, str]]


@dataclass
class FakeHTTP:
    """Answers each path with its route's reply (404 otherwise) and records every request."""

    url: str
    routes: dict[str, Callable[[Request], Reply]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def route(self, path: str, reply: Callable[[Request], Reply] | Reply) -> None:
        self.routes[path] = reply if callable(reply) else (lambda _req: reply)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler sleeping past the client's timeout must not hold up teardown

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client hung up on a slow handler; expected in timeout tests


@contextmanager
def http_server(tls: ssl.SSLContext | None = None) -> Iterator[FakeHTTP]:
    fake: FakeHTTP

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("content-length") or 0)
            req = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                          self.rfile.read(length))
            fake.requests.append(req)
            route = fake.routes.get(self.path.split("?")[0])
            status, body, *rest = route(req) if route else (404, {"error": "no route"})
            headers = rest[0] if rest else {}
            if isinstance(body, (dict, list)):
                body, ctype = json.dumps(body).encode(), "application/json"
            else:
                body, ctype = (body.encode() if isinstance(body, str) else body), "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", ctype))
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    fake = FakeHTTP(url=f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost/127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * 30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_tls_context(directory: Path) -> ssl.SSLContext:
    cert, key = self_signed(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class Collector:
    """An SMTP handler that keeps every envelope; rcpt_reply/data_delay script refusals and stalls."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.rcpt_reply: str | None = None
        self.data_delay = 0.0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Envelope, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802
        await asyncio.sleep(self.data_delay)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def parsed(self, i: int = 0) -> email.message.EmailMessage:
        return email.message_from_bytes(self.envelopes[i].content, policy=email.policy.default)


@contextmanager
def smtp_server(**kwargs: Any) -> Iterator[tuple[Collector, int]]:
    handler, port = Collector(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
