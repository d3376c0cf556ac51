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


@dataclass
class SlackWorkspace:
    """What a local Slack Web API holds: channels by name, members, posted messages, every call made."""

    url: str
    token: str
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail: dict[str, list[str]] = field(default_factory=dict)  # method → errors to answer with next, in order
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def methods(self) -> list[str]:
        return [m for m, _ in self.calls]

    def add_channel(self, name: str, *, archived: bool = False, member: bool = False) -> dict[str, Any]:
        channel = {"id": f"C{len(self.channels) + 1:08d}", "name": name, "is_archived": archived,
                   "is_member": member, "members": []}
        self.channels[name] = channel
        return channel

    def by_id(self, channel_id: str) -> dict[str, Any] | None:
        return next((c for c in self.channels.values() if c["id"] == channel_id), None)


def _slack_answer(ws: SlackWorkspace, method: str, args: dict[str, Any]) -> dict[str, Any]:
    """Slack's answers for the methods Code Blue calls, as https://api.slack.com/methods describes them."""
    if ws.fail.get(method):
        return {"ok": False, "error": ws.fail[method].pop(0)}
    if method == "conversations.create":
        name = str(args.get("name", ""))
        if not name or name != name.lower() or len(name) > 80 or " " in name:
            return {"ok": False, "error": "invalid_name"}
        if name in ws.channels:
            return {"ok": False, "error": "name_taken"}
        channel = ws.add_channel(name, member=True)
        return {"ok": True, "channel": {k: v for k, v in channel.items() if k != "members"}}
    if method == "conversations.list":
        return {"ok": True, "channels": [{k: v for k, v in c.items() if k != "members"} for c in ws.channels.values()
                                         if args.get("exclude_archived") not in ("true", "1", True) or not c["is_archived"]],
                "response_metadata": {"next_cursor": ""}}
    if method == "chat.postMessage" and str(args.get("channel", "")).startswith("U"):  # a direct message
        ws.messages.append({"channel": args["channel"], "text": args.get("text"), "blocks": args.get("blocks")})
        return {"ok": True, "channel": f"D{args['channel'][1:]}", "ts": f"1773151200.{len(ws.messages):06d}"}
    channel = ws.by_id(str(args.get("channel", "")))
    if channel is None:
        return {"ok": False, "error": "channel_not_found"}
    if method == "conversations.join":
        channel["is_member"] = True
        return {"ok": True, "channel": {"id": channel["id"], "name": channel["name"]}}
    if not channel["is_member"]:
        return {"ok": False, "error": "not_in_channel"}
    if method == "conversations.invite":
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            return {"ok": False, "error": "no_user"}
        if all(u in channel["members"] for u in users):
            return {"ok": False, "error": "already_in_channel"}
        channel["members"] += [u for u in users if u not in channel["members"]]
        return {"ok": True, "channel": {"id": channel["id"], "name": channel["name"]}}
    if method == "chat.postMessage":
        ws.messages.append({"channel": channel["id"], "text": args.get("text"), "blocks": args.get("blocks")})
        return {"ok": True, "channel": channel["id"], "ts": f"1773151200.{len(ws.messages):06d}"}
    return {"ok": False, "error": "unknown_method"}


@contextmanager
def slack_web_api(token: str = "xoxb-test-token") -> Iterator[SlackWorkspace]:
    """A Slack Web API on 127.0.0.1: form, JSON or query arguments, a bearer token, {"ok", "error"} answers."""
    from urllib.parse import parse_qsl, urlsplit

    workspace: SlackWorkspace

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            args: dict[str, Any] = dict(parse_qsl(parts.query))
            kind = (self.headers.get("content-type") or "").split(";")[0].strip()
            if raw and kind == "application/json":
                args.update(json.loads(raw))
            elif raw:
                args.update(parse_qsl(raw.decode()))
            method = parts.path.removeprefix("/api/")
            with workspace.lock:
                workspace.calls.append((method, args))
                if self.headers.get("authorization") != f"Bearer {workspace.token}":
                    answer = {"ok": False, "error": "invalid_auth"}
                else:
                    answer = _slack_answer(workspace, method, args)
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    workspace = SlackWorkspace(url=f"http://127.0.0.1:{server.server_address[1]}", token=token)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield workspace
    finally:
        server.shutdown()
        server.server_close()
