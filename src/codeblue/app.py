"""The application factory: settings, database, packs, routes and error handling wired once."""

from __future__ import annotations

import logging
from pathlib import Path
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from codeblue import __version__, http_errors, migrate, worker
from codeblue.alerts import api as alerts_api
from codeblue.alerts import pages as alert_pages
from codeblue.alerts import sns_endpoint
from codeblue.alerts.sns_verify import CertificateCache
from codeblue.alerts.ingest import Ingest
from codeblue.alerts.integrations import KeyCache
from codeblue.alerts.ratelimit import RateLimiter
from codeblue.alerts.writer import IngestWriter
from codeblue.audit import api as audit_api
from codeblue.auth import pages as auth_pages
from codeblue.catalog import api as catalog_api
from codeblue.comms import api as comms_api
from codeblue.comms import pages as comms_pages
from codeblue.compliance import api as compliance_api
from codeblue.clock import Clock, SystemClock
from codeblue.db import Database
from codeblue.incidents import api as incidents_api
from codeblue.incidents import pages as incident_pages
from codeblue.metrics import api as metrics_api
from codeblue.metrics import pages as metrics_pages
from codeblue.metrics import prometheus
from codeblue.middleware import BodyLimit
from codeblue.notify import api as notify_api
from codeblue.oncall import api as oncall_api
from codeblue.oncall import pages as oncall_pages
from codeblue.policy import service as policy
from codeblue.reviews import api as reviews_api
from codeblue.runbooks import api as runbooks_api
from codeblue.runbooks import pages as runbook_pages
from codeblue.settings import Settings
from codeblue.web import apidocs
from codeblue.statuspage import api as statuspage_api
from codeblue.statuspage import pages as statuspage_pages
from codeblue.web.headers import SecurityHeaders

log = logging.getLogger("codeblue")


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    db = db or Database(settings.database_url, pool_size=settings.db_pool_size)
    policy.install(settings.packs_dir)

    clock = clock or SystemClock()
    writer = IngestWriter(db, clock, max_batch=settings.ingest_max_batch)
    engine = worker.build_engine(db, clock, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auto_migrate:
            migrate.upgrade(db)
        with db.checkpoints():
            writer.start()
            if settings.run_engine:
                engine.start()
            yield
            engine.stop()
            writer.stop()
        db.dispose()

    app = FastAPI(
        title="Code Blue",
        version=__version__,
        description="Incident response for teams that run healthcare systems.",
        lifespan=lifespan,
        # The interactive docs load third-party scripts, which the Content-Security-Policy refuses;
        # /docs is a server-rendered reference instead (codeblue.web.apidocs).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.clock = clock
    app.state.engine = engine
    app.state.metrics = prometheus.registry(db, clock, engine)
    app.state.sns_certificates = CertificateCache()
    app.state.sns_confirm = sns_endpoint.confirm_subscription
    app.state.ingest = Ingest(
        writer=writer,
        keys=KeyCache(),
        limiter=RateLimiter(settings.ingest_rate_per_key, seconds=lambda: clock.now().timestamp()),
        sessions=lambda: db.unit_of_work(readonly=True),
    )
    # Status-page subscriptions from one address: five at once, then one a minute.
    app.state.status_subscribe_limiter = RateLimiter(1 / 60, burst=5, seconds=lambda: clock.now().timestamp())
    http_errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, evidence_max_bytes=settings.evidence_max_bytes)
    app.add_middleware(SecurityHeaders, https=settings.https)  # outermost: refusals get the headers too

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            db.ping()
            checks["database"] = "ok"
            checks["migrations"] = "ok" if migrate.is_current(db) else "pending"
        except Exception as exc:  # readiness reports any failure instead of raising it
            checks["database"] = f"unreachable: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                            status_code=200 if ready else 503)

    app.include_router(incidents_api.router)
    app.include_router(catalog_api.router)
    app.include_router(sns_endpoint.router)  # before the generic /api/v1/hooks/{type}/{key} route
    app.include_router(notify_api.router)  # /api/v1/hooks/twilio/sms, likewise
    app.include_router(alerts_api.router)
    app.include_router(oncall_api.router)
    app.include_router(reviews_api.router)
    app.include_router(comms_api.router)
    app.include_router(compliance_api.router)
    app.include_router(audit_api.router)
    app.include_router(runbooks_api.router)
    app.include_router(auth_pages.public)
    app.include_router(auth_pages.router)
    app.include_router(incident_pages.router)
    app.include_router(comms_pages.router)
    app.include_router(alert_pages.router)
    app.include_router(oncall_pages.router)
    app.include_router(metrics_pages.router)
    app.include_router(runbook_pages.router)
    app.include_router(metrics_api.router)
    app.include_router(apidocs.router)
    app.include_router(statuspage_api.router)
    app.include_router(statuspage_pages.public_router)
    app.include_router(statuspage_pages.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "web" / "static"), name="static")
    return app
