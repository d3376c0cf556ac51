"""Real `codeblue serve` and `codeblue worker` processes for tests that need them: start, wait until ready, kill."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "codeblue"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, database_url: str, *, workers: int = 1, **env: str) -> None:
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "CODEBLUE_DATABASE_URL": database_url, "CODEBLUE_LOG_LEVEL": "warning",
                    "CODEBLUE_BASE_URL": f"http://127.0.0.1:{self.port}", **env}
        self.proc: subprocess.Popen | None = None

    def init(self) -> str:
        out = subprocess.run([str(BIN), "init"], env=self.env, capture_output=True, text=True, check=True)
        return out.stdout.strip().splitlines()[-1]

    def start(self, timeout: float = 60) -> None:
        self.proc = subprocess.Popen([str(BIN), "serve", "--port", str(self.port), "--workers", str(self.workers)],
                                     env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")


class WorkerProcess:
    """`codeblue worker`: ready once it says so on stdout."""

    def __init__(self, database_url: str, **env: str) -> None:
        self.env = {**os.environ, "CODEBLUE_DATABASE_URL": database_url, "CODEBLUE_LOG_LEVEL": "warning", **env}
        self.proc: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        self.proc = subprocess.Popen([str(BIN), "worker"], env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        return self

    def wait_ready(self, timeout: float = 60) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if "worker running" in line:
                return line.strip()
            if not line and self.proc.poll() is not None:
                raise RuntimeError(f"worker exited {self.proc.returncode}: {self.proc.stderr.read()}")
        raise RuntimeError("worker did not start")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)


PG_ADMIN = os.environ.get("CODEBLUE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """An empty PostgreSQL database of its own (processes share it), dropped afterwards; skips without one."""
    try:
        import psycopg

        admin = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=2)
    except Exception:
        pytest.skip("PostgreSQL is not reachable (set CODEBLUE_TEST_DATABASE_URL)")
    name = f"codeblue_proc_{uuid.uuid4().hex[:8]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN.rpartition("/")[0] + "/" + name
        finally:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
