"""Real protocol peers on 127.0.0.1 for tests: an HTTP receiver that records what it is sent."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)  # wall-clock arrival, to compare with other processes' times

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each request with the next planned status (then 200), recording every request."""

    url: str
    requests: list[Received] = field(default_factory=list)
    plan: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self) -> list[Received]:
        return [r for r in self.requests if r.headers.get("x-test-status") == "200"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # hundreds of pages may arrive at once


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # hundreds of pages may arrive at once


@contextmanager
def http_receiver(respond: Callable[[Received], tuple[int, bytes]] | None = None, *, latency: float = 0.0,
                  on_the_way: Callable[[Received], None] | None = None) -> Iterator[Receiver]:
    """latency: seconds a request takes to get here, waited before it counts as arrived.

    on_the_way(request) is called as a request sets off on those seconds: it is on the wire.
    """
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("content-length") or 0)
            got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            if len(got.body) < length:
                # The sender died mid-request (a kill -9 test): this page never arrived whole.
                got.headers["x-test-status"] = "cut short"
                with receiver.lock:
                    receiver.requests.append(got)
                self.close_connection = True
                return
            if on_the_way is not None:
                on_the_way(got)
            if latency:
                time.sleep(latency)
                got.at = time.time()
            with receiver.lock:
                status = receiver.plan.pop(0) if receiver.plan else 200
                got.headers["x-test-status"] = str(status)
                receiver.requests.append(got)
            body = b'{"ok": true}'
            if respond is not None and status == 200:
                status, body = respond(got)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
