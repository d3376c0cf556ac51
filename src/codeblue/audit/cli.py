"""codeblue audit: check that the audit log is the one that was written."""

from __future__ import annotations

from typing import Annotated

import typer

from codeblue import cli_base
from codeblue.audit import service as audit
from codeblue.audit.schemas import verification_out

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
