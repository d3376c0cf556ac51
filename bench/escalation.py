"""Escalation benchmark: alert received → first page at a local receiver; timer lateness under load.

Usage: .venv/bin/python bench/escalation.py [--db sqlite,postgresql] [--alerts 200] [--incidents 1000]
Starts the real server (one `codeblue serve` process, the engine inside it) on a fresh database,
points the on-call responder's webhook at a local HTTP receiver, and measures
(1) one alert at a time through the PagerDuty-compatible endpoint, the time from sending the alert
    to its first page arriving at the receiver;
(2) with N incidents open, each with its step-2 timer armed (20 s after its first page), how late
    each step-2 page arrives: arrival − due, where due is when the step-1 page was queued + 20 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Server, database, machine, pg_available  # noqa: E402

STEP_DELAY = 20
CREATORS = 8  # concurrent API clients opening the load incidents


class Receiver:
    def __init__(self) -> None:
        self.pages: list[tuple[float, dict]] = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as webhook receivers answer

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with receiver.cond:
                    receiver.pages.append((time.time(), body))
                    receiver.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 512  # the default backlog of 5 refuses a burst of pages

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 30) -> None:
        with self.cond:
            self.cond.wait_for(lambda: len(self.pages) >= count, timeout=timeout)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def setup(server: Server, receiver: Receiver) -> dict:
    server.api("POST", "/api/v1/users/admin@codeblue.local/contact-methods",
               {"type": "webhook", "address": f"{receiver.url}/primary"})
    server.api("POST", "/api/v1/escalation-policies", {"slug": "bench", "name": "bench", "steps": [
        {"delay_seconds": STEP_DELAY, "targets": [{"type": "schedule", "ref": "telehealth-crm-primary-oncall"}]},
        {"delay_seconds": STEP_DELAY, "targets": [{"type": "schedule", "ref": "telehealth-crm-primary-oncall"}]},
    ]})
    urllib.request.urlopen(urllib.request.Request(
        server.base + "/api/v1/services/telehealth-crm-api/escalation-policy", method="PUT",
        data=json.dumps({"policy": "bench"}).encode(),
        headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}))
    return server.integration("pagerduty")


def alert_to_page(server: Server, receiver: Receiver, key: str, count: int) -> list[float]:
    latencies = []
    for i in range(count):
        before = len(receiver.pages)
        sent = time.time()
        body = {"routing_key": key, "event_action": "trigger", "dedup_key": f"lat-{i}",
                "payload": {"summary": f"latency probe {i}", "source": "bench", "severity": "critical",
                            "custom_details": {"availability": "down"}}}
        req = urllib.request.Request(server.base + "/v2/enqueue", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=60)
        receiver.wait_for(before + 1)
        arrived, page = receiver.pages[before]
        latencies.append((arrived - sent) * 1000)
        server.api("POST", f"/api/v1/incidents/{page['incident_id']}/resolve", {})
    return latencies


def lateness(server: Server, receiver: Receiver, count: int) -> tuple[list[float], float]:
    """Open `count` incidents (each its own escalation), then wait for every step-2 page."""
    start = len(receiver.pages)
    began = time.time()
    with ThreadPoolExecutor(CREATORS) as pool:
        refs = list(pool.map(lambda i: server.api("POST", "/api/v1/incidents", {
            "service": "telehealth-crm-api", "title": f"load {i}", "severity": "P0", "type": "api_down"})["id"],
            range(count)))
    opened = time.time() - began
    receiver.wait_for(start + 2 * count, timeout=STEP_DELAY * 4 + count * 0.05)
    with ThreadPoolExecutor(CREATORS) as pool:
        notes = dict(zip(refs, pool.map(lambda ref: server.api("GET", f"/api/v1/incidents/{ref}/notifications"),
                                        refs)))
    # The step-2 timer is armed when the step-1 page is queued, due STEP_DELAY later.
    due = {ref: datetime.fromisoformat(next(n for n in rows if n["step"] == 0)["created_at"]).timestamp()
           + STEP_DELAY for ref, rows in notes.items()}
    late = []
    seen: set[str] = set()
    for arrived, page in receiver.pages[start:]:
        ref = page["incident_id"]
        if ref in seen:  # the second page for an incident is its step-2 page
            late.append((arrived - due[ref]) * 1000)
        seen.add(ref)
    return late, opened


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--incidents", type=int, default=1000)
    args = parser.parse_args()
    print(f"machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}")
    print("server: one `codeblue serve` process, engine inside (timer loop + sender loop), notify throttle off")
    print(f"alert→page: {args.alerts} alerts one at a time (PagerDuty Events v2 endpoint), each incident resolved "
          f"after its page; lateness: {args.incidents} incidents opened by {CREATORS} concurrent clients, "
          f"all armed, step delay {STEP_DELAY} s; webhook receiver on 127.0.0.1")
    for kind in args.db.split(","):
        if kind == "postgresql" and not pg_available():
            print("postgresql: not reachable, skipped")
            continue
        receiver = Receiver()
        with database(kind) as url:
            server = Server(url, CODEBLUE_NOTIFY_THROTTLE_PER_MINUTE="0", CODEBLUE_INGEST_RATE_PER_KEY="0")
            try:
                integration = setup(server, receiver)
                lat = alert_to_page(server, receiver, integration["key"], args.alerts)
                late, opened = lateness(server, receiver, args.incidents)
            finally:
                server.stop()
        print(f"\n[{kind}] {args.incidents} incidents opened in {opened:.1f} s")
        print(f"  alert → page     p50 {statistics.median(lat):7.1f} ms   p99 {pct(lat, 99):7.1f} ms   (n={len(lat)})")
        if late:
            print(f"  timer lateness   p50 {statistics.median(late):7.1f} ms   p99 {pct(late, 99):7.1f} ms   "
                  f"(n={len(late)} of {args.incidents})")
        else:
            print("  timer lateness   no step-2 pages arrived")
    print(f"\ntargets: alert → page p99 ≤ 500 ms; timer lateness p99 ≤ 250 ms")


if __name__ == "__main__":
    main()
