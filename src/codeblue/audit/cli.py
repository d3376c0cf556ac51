"""codeblue audit: check that the audit log is the one that was written."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer

from codeblue import cli_base
from codeblue.audit import service as audit
from codeblue.audit.schemas import entry_line, verification_out

app = typer.Typer(help="The audit log.", no_args_is_help=True)


@app.command()
def verify(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """Walk the hash chain; name the first entry edited, inserted or deleted (exit 1 if any)."""
    with cli_base.unit_of_work(readonly=True) as session:
        result = audit.verify(session)
    if as_json:
        cli_base.print_json(verification_out(result).model_dump(mode="json"))
    elif result.ok:
        cli_base.console.print(f"audit log intact: {result.entries} entries, head {result.head_hash or '-'}",
                               highlight=False)
    else:
        cli_base.errors.print(f"audit log broken: {result.problem.message}", highlight=False, markup=False)
    if not result.ok:
        raise typer.Exit(1)


def _instant(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        cli_base.fail(f"--{name} is not an ISO 8601 instant: {value!r}", 2)
    if parsed.tzinfo is None:
        cli_base.fail(f"--{name} needs a UTC offset, like 2026-03-10T14:00:00Z", 2)
    return parsed


@app.command()
def export(
    since: Annotated[str | None, typer.Option(help="From this instant (inclusive), e.g. 2026-03-01T00:00:00Z")] = None,
    until: Annotated[str | None, typer.Option(help="Before this instant")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor, exactly as recorded")] = None,
    action: Annotated[str | None, typer.Option(help="One action, or a family ending in '.' (auth.)")] = None,
) -> None:
    """Write the audit log as JSON Lines to standard output, oldest first (the export itself is audited)."""
    where = audit.Filter(actor=actor, action=action, since=_instant(since, "since"), until=_instant(until, "until"))
    with cli_base.unit_of_work() as session:
        audit.record_export(session, actor=cli_base.actor(), now=cli_base.now(), where=where)
    with cli_base.unit_of_work(readonly=True) as session:
        for entry in audit.export(session, where=where):
            sys.stdout.write(entry_line(entry))
