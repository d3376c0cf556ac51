"""Ingest benchmark: single events and Alertmanager batches against the real server, SQLite and PostgreSQL.

Usage: .venv/bin/python bench/ingest.py [--seconds 10] [--connections 32] [--db sqlite,postgresql]
Needs wrk (apt-get install wrk). If prometheus-alertmanager is installed, it is measured too.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Server, database, free_port, machine, pg_available, wrk  # noqa: E402

BATCH = 100


def run(kind: str, seconds: int, connections: int, workers: int) -> dict:
    with database(kind) as url:
        server = Server(url, workers=workers)
        try:
            pd = server.integration("pagerduty")
            am = server.integration("alertmanager")
            am_path = "/" + am["url"].split("/", 3)[3]
            wrk(server.base + "/healthz", "noop.lua", connections=connections, seconds=2)  # warm-up
            noop = wrk(server.base + "/healthz", "noop.lua", connections=connections, seconds=seconds)
            single = wrk(server.base + "/v2/enqueue", "single.lua", pd["key"], "0",
                         connections=connections, seconds=seconds)
            # Half the peak rate, paced: each connection waits so the total is ~rps/2.
            pace_ms = max(1, int(connections * 1000 / (single["rps"] / 2)))
            half = wrk(server.base + "/v2/enqueue", "single.lua", pd["key"], str(pace_ms),
                       connections=connections, seconds=seconds)
            batch = wrk(server.base + am_path, "batch.lua", am_path, connections=max(4, connections // 4),
                        seconds=seconds)
        finally:
            server.stop()
    return {"noop": noop, "single": single, "half": half, "batch": batch}


def alertmanager_native(seconds: int, connections: int) -> dict | None:
    binary = shutil.which("prometheus-alertmanager")
    if binary is None:
        return None
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "am.yml"
        config.write_text("route:\n  receiver: none\nreceivers:\n  - name: none\n")
        proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.path={tmp}",
                                 f"--web.listen-address=127.0.0.1:{port}", f"--cluster.listen-address="],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            return wrk(f"http://127.0.0.1:{port}/api/v2/alerts", "am_native.lua",
                       connections=max(4, connections // 4), seconds=seconds)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=2, help="server processes (codeblue serve --workers)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"load: wrk, 1 thread, {args.connections} connections ({max(4, args.connections // 4)} for batches), "
          f"{args.seconds} s per run; dedup mix 70 % new keys / 30 % repeats; batches of {BATCH} alerts")
    native = alertmanager_native(args.seconds, args.connections)
    for kind in args.db.split(","):
        if kind == "postgresql" and not pg_available():
            print("postgresql: not reachable, skipped")
            continue
        r = run(kind, args.seconds, args.connections, args.workers)
        s, h, b, n = r["single"], r["half"], r["batch"], r["noop"]
        print(f"\n[{kind}, codeblue serve --workers {args.workers}]")
        print(f"  no-op GET /healthz        {n['rps']:9.0f} req/s   p50 {n['p50']:.1f} ms  p99 {n['p99']:.1f} ms")
        print(f"  single events /v2/enqueue {s['rps']:9.0f} req/s   p50 {s['p50']:.1f} ms  p99 {s['p99']:.1f} ms"
              f"   ratio to no-op {s['rps'] / n['rps']:.2f}   non-2xx {s['non_2xx']}")
        print(f"  at half peak (paced)      {h['rps']:9.0f} req/s   p50 {h['p50']:.1f} ms  p99 {h['p99']:.1f} ms")
        print(f"  batched (Alertmanager)    {b['rps'] * BATCH:9.0f} events/s ({b['rps']:.0f} req/s)  "
              f"p50 {b['p50']:.1f} ms  p99 {b['p99']:.1f} ms   non-2xx {b['non_2xx']}")
        if native:
            print(f"  Alertmanager's own API    {native['rps'] * BATCH:9.0f} events/s   "
                  f"ratio Code Blue / Alertmanager {b['rps'] / native['rps']:.2f}")
    if native is None:
        print("\nprometheus-alertmanager not installed: no Alertmanager comparison")


if __name__ == "__main__":
    main()
