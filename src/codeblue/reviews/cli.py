"""codeblue review: export a post-incident review, list follow-up actions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from codeblue import cli_base
from codeblue.incidents import service as incidents
from codeblue.reviews import followups, views
from codeblue.reviews import service as reviews

app = typer.Typer(help="Post-incident reviews and follow-up actions.", no_args_is_help=True)


@app.command()
def export(
    ref: str,
    fmt: Annotated[Literal["md", "pdf"], typer.Option("--format", help="md or pdf")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="File to write (default: Markdown to stdout)")] = None,
) -> None:
    """The review of incident REF in its pack's Post-Incident Report template."""
    if fmt == "pdf" and out is None:
        cli_base.fail("--format pdf needs --out FILE", 2)
    config = cli_base.settings()
    with cli_base.unit_of_work(readonly=True) as session:
        review = reviews.get(session, incident=incidents.get(session, ref=ref))
        data = reviews.pdf(review, base_url=config.public_url) if fmt == "pdf" else reviews.markdown(
            review, base_url=config.public_url)
    if out is None:
        typer.echo(data, nl=False)
        return
    try:
        out.write_bytes(data) if isinstance(data, bytes) else out.write_text(data, encoding="utf-8")
    except OSError as exc:
        cli_base.fail(f"cannot write {out}: {exc.strerror}", 2)
    cli_base.console.print(f"wrote {out}", highlight=False)


@app.command("follow-ups")
def follow_ups(
    status: Annotated[Literal["open", "done", "wont_do"], typer.Option()] = "open",
    owner: Annotated[str | None, typer.Option(help="Owner's email")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Follow-up actions across incidents, overdue first."""
    now = cli_base.now()
    with cli_base.unit_of_work(readonly=True) as session:
        items, total = followups.list_all(session, now=now, status=status, owner=owner, limit=500)
        outs = [views.follow_up_out(f, now) for f in items]
    if as_json:
        cli_base.print_json({"items": [o.model_dump(mode="json") for o in outs], "total": total})
        return
    table = Table("Due", "Pri", "Owner", "Incident", "Follow-up")
    for o in outs:
        table.add_row(f"{o.due_on}{' OVERDUE' if o.overdue else ''}", o.priority, o.owner, o.incident, o.title)
    cli_base.console.print(table)
