"""`codeblue worker` as a real process: it pages, stops cleanly on a signal, and starts safely beside others."""

from __future__ import annotations

import signal
import time

import pytest

from codeblue import migrate
from codeblue.auth.actor import SYSTEM
from codeblue.clock import SystemClock
from codeblue.db import Database
from codeblue.incidents import service as incidents
from codeblue.incidents.schemas import IncidentCreate
from codeblue.oncall import service as oncall
from tests import factories
from tests.peers import http_receiver
from tests.server import WorkerProcess, fresh_postgres


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_worker__pages_and_exits_cleanly_on_a_signal(tmp_path, sig):
    url = f"sqlite:///{tmp_path}/worker.db"
    db = Database(url)
    migrate.upgrade(db)
    now = SystemClock().now()
    factories.seed(db, now)
    with http_receiver() as receiver:
        with db.unit_of_work() as s:
            oncall.add_contact_method(s, user_email="admin@codeblue.local", type_="webhook",
                                      address=f"{receiver.url}/primary", now=now)
        worker = WorkerProcess(url).start()
        try:
            assert "sqlite" in worker.wait_ready()
            with db.unit_of_work() as s:
                ref = incidents.create(s, data=IncidentCreate(service=factories.CRM, title="API down",
                                                              facts={"availability": "down"}),
                                       actor=SYSTEM, now=SystemClock().now()).ref
            assert wait_until(lambda: receiver.delivered(), timeout=15)
            assert receiver.delivered()[0].json()["incident_id"] == ref
            started = time.monotonic()
            assert worker.stop(sig) == 0
            assert time.monotonic() - started < 5
        finally:
            worker.stop(signal.SIGKILL)
    db.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_workers_starting_together_migrate_a_fresh_postgres_database_once():
    with fresh_postgres() as url:
        workers = [WorkerProcess(url).start() for _ in range(3)]
        try:
            for w in workers:
                assert "postgresql" in w.wait_ready()
        finally:
            codes = [w.stop() for w in workers]
        assert codes == [0, 0, 0]
        db = Database(url)
        assert migrate.is_current(db)
        db.dispose()
