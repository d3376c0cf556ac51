"""codeblue integration: create an integration (its key shown once) and list them."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from codeblue import cli_base
from codeblue.alerts import integrations

app = typer.Typer(help="Integrations: the senders whose alerts open incidents.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _options(pairs: list[str]) -> dict[str, Any]:
    """key=value pairs; a value that reads as JSON (false, 10, ["arn:…"]) is taken as that, else as text."""
    options: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"'{pair}' is not key=value", param_hint="--option")
        try:
            options[name.strip()] = json.loads(raw)
        except ValueError:
            options[name.strip()] = raw
    return options


@app.command()
def create(
    type_: Annotated[str, typer.Option("--type", help=f"One of: {', '.join(integrations.TYPES)}")],
    service: Annotated[str, typer.Option(help="Service slug, e.g. telehealth-crm-api")],
    name: Annotated[str | None, typer.Option(help="What sends to it (default: the type)")] = None,
    option: Annotated[list[str] | None, typer.Option(
        "--option", help="key=value, repeatable, e.g. verify_signature=false or interval=5m")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an integration and print its key (shown once; only its hash is kept) and the URL to configure."""
    options = _options(option or [])
    base_url = cli_base.settings().public_url
    with cli_base.unit_of_work() as session:
        row, key = integrations.create(session, type_=type_, service=service, name=name or type_, options=options,
                                       now=cli_base.now(), actor=cli_base.actor())
        out = {"id": row.id, "type": row.type, "service": row.service.slug, "name": row.name,
               "options": row.options, "url": integrations.url_for(base_url, row.type, key), "key": key}
    if as_json:
        cli_base.print_json(out)
        return
    cli_base.console.print(f"created {out['type']} integration '{out['name']}' for {out['service']}",
                           highlight=False, markup=False)
    where = "URL to configure in the sender"
    if out["type"] == "pagerduty":
        where += ", with the key below as its routing key"
    cli_base.console.print(f"{where}:", highlight=False)
    typer.echo(out["url"])
    cli_base.console.print("key (shown once; only its hash is kept):", highlight=False)
    typer.echo(key)


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """List integrations; keys are never shown again, only their first characters (URLs with --json)."""
    base_url = cli_base.settings().public_url
    with cli_base.unit_of_work(readonly=True) as session:
        rows = [{"id": r.id, "type": r.type, "service": r.service.slug, "name": r.name, "key_prefix": r.key_prefix,
                 "url": integrations.url_for(base_url, r.type, "<key>"), "enabled": r.enabled}
                for r in integrations.list_integrations(session)]
    if as_json:
        cli_base.print_json(rows)
        return
    table = Table("ID", "Type", "Service", "Name", "Key", "Enabled")
    for r in rows:
        table.add_row(str(r["id"]), r["type"], r["service"], r["name"], f"{r['key_prefix']}…",
                      "yes" if r["enabled"] else "no")
    cli_base.console.print(table)
