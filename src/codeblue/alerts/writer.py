"""Group commit: many ingest requests share one transaction; each is answered only after it commits."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from codeblue.alerts import service as alerts
from codeblue.alerts.models import Integration
from codeblue.alerts.normal import NormalAlert
from codeblue.clock import Clock
from codeblue.db import Database
from codeblue.errors import NotFound

log = logging.getLogger("codeblue.ingest")


@dataclass
class Job:
    integration_id: int
    events: list[NormalAlert]
    body: str
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future = field(repr=False)


def _settle(future: asyncio.Future, result: Any = None, error: BaseException | None = None) -> None:
    if future.done():  # the client went away; the events are committed all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class IngestWriter:
    """One writer thread per process: it drains whatever requests queued while it last committed.

    Batches form by themselves under load (no timer, no added latency when idle); a failing batch is
    retried one job at a time so one bad delivery cannot fail its neighbours.
    """

    def __init__(self, db: Database, clock: Clock, *, max_batch: int = 256) -> None:
        self._db = db
        self._clock = clock
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.jobs = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="codeblue-ingest", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    async def submit(self, integration_id: int, events: list[NormalAlert], body: str) -> list[alerts.Outcome]:
        loop = asyncio.get_running_loop()
        job = Job(integration_id, events, body, loop, loop.create_future())
        self._queue.put(job)
        return await asyncio.shield(job.future)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                    break
                batch.append(nxt)
            self._process(batch)
            if stopping:
                return

    def _process(self, batch: list[Job]) -> None:
        try:
            results = self._commit(batch)
        except Exception as exc:
            if len(batch) > 1:
                for job in batch:
                    self._process([job])
                return
            if not isinstance(exc, NotFound):
                log.exception("ingest failed for integration %s", batch[0].integration_id)
            batch[0].loop.call_soon_threadsafe(_settle, batch[0].future, None, exc)
            return
        self.batches += 1
        self.jobs += len(batch)
        for job, result in zip(batch, results, strict=True):
            job.loop.call_soon_threadsafe(_settle, job.future, result)

    def _commit(self, batch: list[Job]) -> list[list[alerts.Outcome]]:
        with self._db.unit_of_work() as session:
            now = self._clock.now()
            integrations: dict[int, Integration] = {}
            for job in batch:
                if job.integration_id not in integrations:
                    found = session.get(Integration, job.integration_id)
                    if found is None or not found.enabled:
                        raise NotFound("no such integration")
                    integrations[job.integration_id] = found
            alerts.lock_services(session, [i.service_id for i in integrations.values()])
            return alerts.ingest_many(
                session, deliveries=[(integrations[j.integration_id], j.events, j.body) for j in batch], now=now)
