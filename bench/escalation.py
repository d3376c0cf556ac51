"""Escalation benchmark: alert received → first page at a local receiver; timer lateness under load.

Usage: .venv/bin/python bench/escalation.py [--db sqlite,postgresql] [--alerts 200] [--incidents 1000]
Starts the real server, points the on-call responder's webhook at a local HTTP receiver, and measures
(1) one alert at a time, the time from sending the alert to the page arriving, and (2) with N incidents
open, how late each step-2 page arrives after its due time (step delay 20 s).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Server, database, machine, pg_available  # noqa: E402

STEP_DELAY = 20


class Receiver:
    def __init__(self) -> None:
        self.pages: list[tuple[float, dict]] = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
        urllib.request.urlopen(req, timeout=10)
        receiver.wait_for(before + 1)
        arrived, page = receiver.pages[before]
        latencies.append((arrived - sent) * 1000)
        server.api("POST", f"/api/v1/incidents/{page['incident_id']}/resolve", {})
    return latencies


def lateness(server: Server, receiver: Receiver, count: int) -> list[float]:
    """Open `count` incidents (each its own escalation), then wait for every step-2 page."""
    start = len(receiver.pages)
    for i in range(count):
        server.api("POST", "/api/v1/incidents", {"service": "telehealth-crm-api", "title": f"load {i}",
                                                 "severity": "P0", "type": "api_down"})
    receiver.wait_for(start + 2 * count, timeout=STEP_DELAY * 4 + count * 0.05)
    detected = {}
    offset = 0
    while True:
        listing = server.api("GET", f"/api/v1/incidents?open=true&limit=500&offset={offset}")
        for item in listing["items"]:
            detected[item["id"]] = datetime.fromisoformat(item["detected_at"]).timestamp()
        offset += 500
        if offset >= listing["total"]:
            break
    late = []
    seen: set[str] = set()
    for arrived, page in receiver.pages[start:]:
        ref = page["incident_id"]
        if ref in seen:  # the second page for an incident is its step-2 page
            late.append((arrived - (detected[ref] + STEP_DELAY)) * 1000)
        seen.add(ref)
    return late


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--incidents", type=int, default=1000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"alert→page: {args.alerts} sequential alerts; lateness: {args.incidents} open incidents, "
          f"step delay {STEP_DELAY} s, webhook receiver on 127.0.0.1")
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
                late = lateness(server, receiver, args.incidents)
            finally:
                server.stop()
        print(f"\n[{kind}]")
        print(f"  alert → page     p50 {statistics.median(lat):7.1f} ms   p99 {pct(lat, 99):7.1f} ms   (n={len(lat)})")
        if late:
            print(f"  timer lateness   p50 {statistics.median(late):7.1f} ms   p99 {pct(late, 99):7.1f} ms   "
                  f"(n={len(late)} of {args.incidents})")
        else:
            print("  timer lateness   no step-2 pages arrived")


if __name__ == "__main__":
    main()
