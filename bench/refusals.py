"""Refusal benchmark: a flood of requests with a forged API token, each audited, against a person's writes.

Usage: .venv/bin/python bench/refusals.py [--db sqlite,postgresql] [--seconds 10] [--flooders 16]
Starts the real server on a fresh database and measures
(1) the latency of notes posted to an incident by a person, one at a time, with nothing else going on;
(2) the same while `flooders` threads send GET /api/v1/incidents with a forged token as fast as they
    can (each answered 401 and written to the audit chain in a transaction of its own);
and reports the flood's refusals per second and the audit entries it wrote.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Server, database, machine, pg_available  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def notes(server: Server, ref: str, seconds: float) -> list[float]:
    took, end = [], time.time() + seconds
    while time.time() < end:
        start = time.perf_counter()
        server.api("POST", f"/api/v1/incidents/{ref}/notes", {"text": "checking the pool"})
        took.append((time.perf_counter() - start) * 1000)
    return took


def flood(base: str, stop: threading.Event, counts: list[int]) -> None:
    req = urllib.request.Request(base + "/api/v1/incidents", headers={"Authorization": "Bearer cb_forged"})
    n = 0
    while not stop.is_set():
        try:
            urllib.request.urlopen(req, timeout=30)
        except urllib.error.HTTPError as exc:
            assert exc.code == 401, exc.code
            n += 1
    counts.append(n)


def run(kind: str, seconds: float, flooders: int) -> dict:
    with database(kind) as url:
        server = Server(url, CODEBLUE_RUN_ENGINE="false")
        try:
            ref = server.api("POST", "/api/v1/incidents", {"service": "telehealth-crm-api", "title": "bench"})["id"]
            quiet = notes(server, ref, seconds)
            stop, counts = threading.Event(), []
            threads = [threading.Thread(target=flood, args=(server.base, stop, counts)) for _ in range(flooders)]
            for t in threads:
                t.start()
            time.sleep(1)
            started = time.time()
            loud = notes(server, ref, seconds)
            stop.set()
            for t in threads:
                t.join()
            elapsed = time.time() - started + 1
            audited = server.api("GET", "/api/v1/audit?action=auth.token_refused&limit=1")["total"]
        finally:
            server.stop()
    return {"db": kind, "quiet_note_ms": {"p50": statistics.median(quiet), "p99": pct(quiet, 0.99), "n": len(quiet)},
            "flooded_note_ms": {"p50": statistics.median(loud), "p99": pct(loud, 0.99), "n": len(loud)},
            "refusals_per_s": round(sum(counts) / elapsed, 1), "refusals_audited": audited}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--flooders", type=int, default=16)
    args = parser.parse_args()
    print(json.dumps({"machine": machine()}))
    for kind in args.db.split(","):
        if kind == "postgresql" and not pg_available():
            print(json.dumps({"db": kind, "skipped": "PostgreSQL is not reachable"}))
            continue
        print(json.dumps(run(kind, args.seconds, args.flooders)))


if __name__ == "__main__":
    main()
