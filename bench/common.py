"""Benchmark plumbing: start a real server on a fresh database, drive it with wrk, read the figures."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("CODEBLUE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
        cpu = model
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=2):
            return True
    except Exception:
        return False


@contextmanager
def database(kind: str):
    """A fresh database URL of the given kind, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    import psycopg

    name = f"codeblue_bench_{uuid.uuid4().hex[:8]}"
    admin = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rpartition("/")[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """`codeblue serve` as a real process on a free port."""

    def __init__(self, url: str, *, workers: int = 1, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # No per-key rate limit: a 429 answered fast must not count as throughput.
        self.env = {**os.environ, "CODEBLUE_DATABASE_URL": url, "CODEBLUE_LOG_LEVEL": "warning",
                    "CODEBLUE_INGEST_RATE_PER_KEY": "0", **env}
        init = subprocess.run([str(BIN / "codeblue"), "init"], env=self.env, capture_output=True, text=True,
                              check=True)
        self.token = init.stdout.strip().splitlines()[-1]
        # The server's log goes to a file: a pipe nobody reads fills up and then stalls the server.
        self.log = tempfile.NamedTemporaryFile(prefix="codeblue-bench-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([str(BIN / "codeblue"), "serve", "--port", str(self.port),
                                      "--workers", str(workers)], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        req = urllib.request.Request(self.base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def integration(self, type_: str) -> dict:
        return self.api("POST", "/api/v1/integrations",
                        {"type": type_, "service": "telehealth-crm-api", "name": f"bench {type_}"})

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()
        errors = [line for line in Path(self.log.name).read_text(errors="replace").splitlines()
                  if "ERROR" in line or "Traceback" in line]
        if errors:
            print(f"server logged {len(errors)} error line(s), see {self.log.name}; first: {errors[0][:200]}")
        else:
            os.unlink(self.log.name)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(url: str, script: str, *args: str, connections: int, seconds: int, threads: int = 1) -> dict:
    """Run wrk and return requests/s, latency percentiles (ms) and the error count."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
           str(ROOT / "bench" / script), url, "--", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        lat[f"p{pct}"] = float(value) * _UNITS[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors:.*", out)
    return {"rps": rps, **lat, "non_2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(0) if socket_errors else "", "raw": out}
