"""Escalation benchmark: alert received → first page at a local receiver; timer lateness under load.

Usage: .venv/bin/python bench/escalation.py [--db sqlite,postgresql] [--alerts 200] [--incidents 1000]
Starts the real server (one `codeblue serve` process, the engine inside it) on a fresh database,
points the on-call responder's webhook at a local HTTP receiver, and measures
(1) one alert at a time through the PagerDuty-compatible endpoint, the time from sending the alert
    to its first page arriving at the receiver;
(2) with N incidents open, each with its step-2 timer armed (--step-delay s after its first page), how
    late each step-2 page arrives: arrival − due, where due is when the step-1 page was queued + the
    delay (the step-2 timer's own due time: both are the same instant of the engine's clock).
    The delay is longer than opening the N incidents takes, so every timer is armed before the first
    fires and the step-2 pages do not compete with the API opening incidents: what is measured is the
    engine firing timers with N armed. The server's CPU time over the step-2 phase, divided by the
    pages, is the CPU per page (a machine shared with others disturbs it less than the wall clock).
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

STEP_DELAY = 120  # seconds; must exceed the time to open the load incidents (15-80 s here, by load)
CREATORS = 8  # concurrent API clients opening the load incidents
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (a uvicorn with workers), from /proc."""
    total = 0.0
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                pids += [int(c) for c in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
        except OSError:
            pass
    return total


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


def setup(server: Server, receiver: Receiver, delay: int) -> dict:
    server.api("POST", "/api/v1/users/admin@codeblue.local/contact-methods",
               {"type": "webhook", "address": f"{receiver.url}/primary"})
    server.api("POST", "/api/v1/escalation-policies", {"slug": "bench", "name": "bench", "steps": [
        {"delay_seconds": delay, "targets": [{"type": "schedule", "ref": "telehealth-crm-primary-oncall"}]},
        {"delay_seconds": delay, "targets": [{"type": "schedule", "ref": "telehealth-crm-primary-oncall"}]},
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


def lateness(server: Server, receiver: Receiver, count: int, delay: int) -> dict:
    """Open `count` incidents (each its own escalation), then wait for every step-2 page."""
    start = len(receiver.pages)
    began = time.time()
    with ThreadPoolExecutor(CREATORS) as pool:
        refs = list(pool.map(lambda i: server.api("POST", "/api/v1/incidents", {
            "service": "telehealth-crm-api", "title": f"load {i}", "severity": "P0", "type": "api_down"})["id"],
            range(count)))
    opened = time.time() - began
    receiver.wait_for(start + count, timeout=60 + count * 0.05)  # every step-1 page
    # The first incidents opened are the first due (their step-1 pages were queued first).
    first_due = min(datetime.fromisoformat(n["created_at"]).timestamp() for ref in refs[:CREATORS]
                    for n in server.api("GET", f"/api/v1/incidents/{ref}/notifications") if n["step"] == 0) + delay
    quiet_cpu, step1_done = cpu_seconds(server.proc.pid), time.time()
    time.sleep(max(0.0, first_due - 0.5 - time.time()))
    # The server's CPU while it waits (idle polls, WAL checkpoints) is measured, to be told from the pages'.
    cpu_before, step2_began = cpu_seconds(server.proc.pid), time.time()
    idle_rate = (cpu_before - quiet_cpu) / max(step2_began - step1_done, 1e-3)
    receiver.wait_for(start + 2 * count, timeout=delay * 2 + count * 0.05)
    step2_took = time.time() - step2_began
    cpu = cpu_seconds(server.proc.pid) - cpu_before
    with ThreadPoolExecutor(CREATORS) as pool:
        notes = dict(zip(refs, pool.map(lambda ref: server.api("GET", f"/api/v1/incidents/{ref}/notifications"),
                                        refs)))
    # The step-2 timer is armed when the step-1 page is queued, due `delay` later.
    due = {ref: datetime.fromisoformat(next(n for n in rows if n["step"] == 0)["created_at"]).timestamp()
           + delay for ref, rows in notes.items()}
    late = []
    seen: set[str] = set()
    for arrived, page in receiver.pages[start:]:
        ref = page["incident_id"]
        if ref in seen:  # the second page for an incident is its step-2 page
            late.append((arrived - due[ref]) * 1000)
        seen.add(ref)
    dues = sorted(due.values())
    per_second = max((sum(1 for d in dues if t <= d < t + 1) for t in dues), default=0)
    return {"late": late, "opened": opened, "cpu": cpu, "idle_cpu": idle_rate * step2_took, "idle_rate": idle_rate, "first_due_after_step1": dues[0] - step1_done,
            "due_span": dues[-1] - dues[0], "due_peak": per_second}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--step-delay", type=int, default=STEP_DELAY,
                        help="seconds from step 1 to step 2; keep it longer than opening the incidents takes")
    args = parser.parse_args()
    print(f"machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}")
    print("server: one `codeblue serve` process, engine inside (timer loop + sender loop), notify throttle off")
    print(f"alert→page: {args.alerts} alerts one at a time (PagerDuty Events v2 endpoint), each incident resolved "
          f"after its page; lateness: {args.incidents} incidents opened by {CREATORS} concurrent clients, "
          f"all armed, step delay {args.step_delay} s; webhook receiver on 127.0.0.1")
    for kind in args.db.split(","):
        if kind == "postgresql" and not pg_available():
            print("postgresql: not reachable, skipped")
            continue
        receiver = Receiver()
        with database(kind) as url:
            server = Server(url, CODEBLUE_NOTIFY_THROTTLE_PER_MINUTE="0", CODEBLUE_INGEST_RATE_PER_KEY="0")
            try:
                integration = setup(server, receiver, args.step_delay)
                lat = alert_to_page(server, receiver, integration["key"], args.alerts)
                res = lateness(server, receiver, args.incidents, args.step_delay)
                late, opened = res["late"], res["opened"]
            finally:
                server.stop()
        print(f"\n[{kind}] {args.incidents} incidents opened in {opened:.1f} s")
        print(f"  alert → page     p50 {statistics.median(lat):7.1f} ms   p99 {pct(lat, 99):7.1f} ms   (n={len(lat)})")
        print(f"  step-2 due times spread over {res['due_span']:.1f} s (at most {res['due_peak']} due in one second); "
              f"the first due {res['first_due_after_step1']:.1f} s after the last step-1 page arrived")
        if res["first_due_after_step1"] < 0:
            print("  WARNING: step-2 timers fell due before every step-1 page was out: raise --step-delay")
        if late:
            print(f"  timer lateness   p50 {statistics.median(late):7.1f} ms   p99 {pct(late, 99):7.1f} ms   "
                  f"max {max(late):7.1f} ms   (n={len(late)} of {args.incidents})")
            print(f"  server CPU over the step-2 phase: {1000 * res['cpu'] / len(late):.2f} ms per page; less what it "
                  f"spends idle ({100 * res['idle_rate']:.1f} % of a core): "
                  f"{1000 * (res['cpu'] - res['idle_cpu']) / len(late):.2f} ms per page")
        else:
            print("  timer lateness   no step-2 pages arrived")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("\ntargets: alert → page p99 ≤ 500 ms; timer lateness p99 ≤ 250 ms")


if __name__ == "__main__":
    main()
