"""codeblue token / user: API tokens and users from the command line."""

from __future__ import annotations

from typing import Annotated

import sys

import typer

from codeblue import cli_base
from codeblue.auth import service as auth

tokens = typer.Typer(help="API tokens.", no_args_is_help=True)
users = typer.Typer(help="Users.", no_args_is_help=True)


@tokens.command("create")
def create_token(
    user: Annotated[str, typer.Option("--user", help="The user's email; created if new")],
    role: Annotated[str | None, typer.Option("--role", help="viewer, responder, commander, compliance or admin")] = None,
    name: Annotated[str, typer.Option("--name", help="What the token is for")] = "cli",
) -> None:
    """Print a new API token (shown once; only its hash is kept)."""
    with cli_base.unit_of_work() as session:
        found = auth.get_user(session, email=user)
        if found is None:
            found = auth.create_user(session, email=user, name=user.split("@")[0], role=role or "responder",
                                     now=cli_base.now(), actor=cli_base.actor())
        _, secret = auth.create_token(session, user=found, role=role, name=name, now=cli_base.now(),
                                      actor=cli_base.actor())
    typer.echo(secret)


@users.command("create")
def create_user(
    email: Annotated[str, typer.Option("--email")],
    name: Annotated[str, typer.Option("--name")],
    role: Annotated[str, typer.Option("--role")] = "responder",
) -> None:
    """Add a user."""
    with cli_base.unit_of_work() as session:
        auth.create_user(session, email=email, name=name, role=role, now=cli_base.now(), actor=cli_base.actor())
    cli_base.console.print(f"created {email} ({role})")


@users.command("set-password")
def set_password(
    email: Annotated[str, typer.Argument(help="The user's email")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input")] = False,
) -> None:
    """Set a user's web sign-in password (asked for twice, unless --password-stdin); ends their web sessions."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with cli_base.unit_of_work() as session:
        auth.set_password(session, user=auth.require_user(session, email=email), password=password,
                          now=cli_base.now(), actor=cli_base.actor())
    cli_base.console.print(f"password set for {email.strip().lower()}; their web sessions were ended")
