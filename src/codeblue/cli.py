"""The codeblue command."""

from __future__ import annotations

from typing import Annotated

import typer

from codeblue import bootstrap, cli_base
from codeblue.auth import cli as auth_cli
from codeblue.incidents import cli as incidents_cli
from codeblue.policy import cli as policy_cli

app = typer.Typer(help="Code Blue: incident response for healthcare systems.", no_args_is_help=True)
app.add_typer(policy_cli.app, name="policy")
app.add_typer(incidents_cli.app, name="incident")
app.add_typer(auth_cli.tokens, name="token")
app.add_typer(auth_cli.users, name="user")


@app.command()
def init() -> None:
    """Create the schema, load the packs, add the demo services and the first admin."""
    with cli_base.unit_of_work() as session:
        result = bootstrap.initialise(session, now=cli_base.now())
    for slug in result.created_services:
        cli_base.console.print(f"created service {slug}")
    if result.admin_token:
        cli_base.console.print(f"created admin {result.admin_email}; API token (shown once):")
        typer.echo(result.admin_token)
    else:
        cli_base.console.print(
            f"already initialised; for a new admin token run: codeblue token create --user {result.admin_email}"
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8080)")] = None,
) -> None:
    """Run the server (migrations are applied on start)."""
    import uvicorn

    from codeblue.app import create_app

    config = cli_base.settings()
    if host:
        config.host = host
    if port:
        config.port = port
    try:
        application = create_app(config)
    except Exception as exc:  # a broken pack or setting: say it and stop
        cli_base.fail(str(exc))
    cli_base.console.print(f"Code Blue listening on {config.public_url}", highlight=False)
    uvicorn.run(application, host=config.host, port=config.port, log_level=config.log_level,
                proxy_headers=True, server_header=False)


def main() -> None:
    app()
