"""The codeblue command."""

from __future__ import annotations

from typing import Annotated

import typer

from codeblue import bootstrap, cli_base
from codeblue.alerts import cli as alerts_cli
from codeblue.audit import cli as audit_cli
from codeblue.auth import cli as auth_cli
from codeblue.comms import cli as comms_cli
from codeblue.compliance import cli as compliance_cli
from codeblue.incidents import cli as incidents_cli
from codeblue.policy import cli as policy_cli
from codeblue.reviews import cli as reviews_cli
from codeblue.runbooks import cli as runbooks_cli
from codeblue.statuspage import cli as statuspage_cli

app = typer.Typer(help="Code Blue: incident response for healthcare systems.", no_args_is_help=True)
app.add_typer(policy_cli.app, name="policy")
app.add_typer(incidents_cli.app, name="incident")
app.add_typer(auth_cli.tokens, name="token")
app.add_typer(auth_cli.users, name="user")
app.add_typer(alerts_cli.app, name="integration")
app.add_typer(compliance_cli.app, name="breach")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(reviews_cli.app, name="review")
app.add_typer(runbooks_cli.runbook, name="runbook")
app.add_typer(runbooks_cli.checklist, name="checklist")
app.add_typer(runbooks_cli.evidence, name="evidence")
app.command("readiness")(runbooks_cli.readiness)
app.add_typer(comms_cli.updates, name="update")
app.add_typer(comms_cli.templates, name="template")
app.add_typer(statuspage_cli.app, name="notice")


@app.command()
def init() -> None:
    """Create the schema, load the packs, add the demo services and the first admin."""
    with cli_base.unit_of_work() as session:
        result = bootstrap.initialise(session, now=cli_base.now())
    for slug in result.created_services:
        cli_base.console.print(f"created service {slug}")
    set_password = f"codeblue user set-password {result.admin_email}"
    if result.admin_token:
        # The token stays the last line: scripts take it from there.
        typer.echo(f"created admin {result.admin_email} without a password; to sign in to the web UI set one with: "
                   f"{set_password}")
        typer.echo(f"admin API token for {result.admin_email} (shown once):")
        typer.echo(result.admin_token)
    else:
        cli_base.console.print(
            f"already initialised; for a new admin token run: codeblue token create --user {result.admin_email}"
        )
        if not result.admin_has_password:
            typer.echo(f"the admin has no web password yet; set one with: {set_password}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8080)")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes sharing the port (one per core)")] = 1,
) -> None:
    """Run the server (migrations are applied on start)."""
    import os

    import uvicorn

    from codeblue import migrate
    from codeblue.app import create_app
    from codeblue.db import Database

    # Worker processes build their app from the environment, so the options travel there.
    if host:
        os.environ["CODEBLUE_HOST"] = host
    if port:
        os.environ["CODEBLUE_PORT"] = str(port)
    config = cli_base.settings()
    try:
        application = create_app(config)  # a broken pack or setting is said here, once, before any worker starts
    except Exception as exc:
        cli_base.fail(str(exc))
    cli_base.console.print(f"Code Blue listening on {config.public_url}"
                           + (f" with {workers} workers" if workers > 1 else ""), highlight=False)
    # Live pages hold event streams open; a restart cuts them after a few seconds (browsers reconnect)
    # instead of waiting for each to end.
    common = dict(host=config.host, port=config.port, log_level=config.log_level, proxy_headers=True,
                  server_header=False, timeout_graceful_shutdown=5)
    if workers == 1:
        uvicorn.run(application, **common)
        return
    if config.auto_migrate:
        db = Database(config.database_url)
        migrate.upgrade(db)  # once, here, rather than racing in every worker
        db.dispose()
    os.environ["CODEBLUE_AUTO_MIGRATE"] = "false"
    uvicorn.run("codeblue.app:create_app", factory=True, workers=workers, **common)


@app.command()
def worker() -> None:
    """Run only the engine (timers, paging, the outbox) until SIGTERM or SIGINT; any number may run."""
    import signal
    import threading

    from codeblue import migrate
    from codeblue.clock import SystemClock
    from codeblue.db import Database
    from codeblue.policy import service as policy
    from codeblue.worker import build_engine

    config = cli_base.settings()
    try:
        policy.install(config.packs_dir)
        db = Database(config.database_url, pool_size=config.db_pool_size)
        if config.auto_migrate:
            migrate.upgrade(db)
        engine = build_engine(db, SystemClock(), config)
    except Exception as exc:  # a broken pack, setting or database is said once, plainly
        cli_base.fail(str(exc))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with db.checkpoints():
        engine.start()
        cli_base.console.print(f"Code Blue worker running on {db.dialect}", highlight=False)
        while not stop.wait(1.0):
            pass
        engine.stop()  # finishes the step in hand; anything not recorded is claimed again by a lease
    db.dispose()


def main() -> None:
    app()
