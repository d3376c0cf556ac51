"""codeblue update / codeblue template: post and list status updates, preview a template for an incident."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from codeblue import cli_base
from codeblue.comms import service as comms
from codeblue.comms.schemas import UpdateIn, UpdateOut
from codeblue.incidents import service as incidents

updates = typer.Typer(help="Status updates on an incident.", no_args_is_help=True)
templates = typer.Typer(help="Communication templates.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON")]


@updates.command("post")
def post(
    ref: str,
    status: Annotated[str, typer.Option("--status", help="Current status, in words")],
    actions: Annotated[str, typer.Option("--actions", help="Actions completed")],
    next_steps: Annotated[str, typer.Option("--next", help="Next steps")],
    eta: Annotated[str | None, typer.Option("--eta", help="When it should be fixed")] = None,
) -> None:
    """Post the next numbered status update of incident REF to its stakeholders and chat channel."""
    try:
        data = UpdateIn(status=status, actions=actions, next_steps=next_steps, eta=eta)
    except ValidationError as exc:
        cli_base.fail("; ".join(f"--{'next' if e['loc'][0] == 'next_steps' else e['loc'][0]}: {e['msg']}"
                                for e in exc.errors()), 2)
    config = cli_base.settings()
    with cli_base.unit_of_work() as session:
        row = comms.post_update(session, incident=incidents.get(session, ref=ref), data=data, actor=cli_base.actor(),
                                now=cli_base.now(), base_url=config.public_url)
        number, subject = row.number, row.subject
    typer.echo(f"posted update #{number} of {ref}: {subject}")


@updates.command("list")
def list_(ref: str, as_json: JsonFlag = False) -> None:
    """The status updates of incident REF, oldest first."""
    with cli_base.unit_of_work(readonly=True) as session:
        outs = [UpdateOut.model_validate(u) for u in comms.list_updates(session, incident=incidents.get(session, ref=ref))]
    if as_json:
        cli_base.print_json([o.model_dump(mode="json") for o in outs])
        return
    if not outs:
        cli_base.console.print(f"{ref} has no status update yet", highlight=False)
    for o in outs:
        cli_base.console.print(f"#{o.number} {o.posted_at:%Y-%m-%d %H:%M} UTC by {o.posted_by}: {o.status}",
                               highlight=False)


@templates.command("preview")
def preview(ref: str, template: str) -> None:
    """Render TEMPLATE of the incident's pack for incident REF, sending nothing."""
    config = cli_base.settings()
    with cli_base.unit_of_work(readonly=True) as session:
        _, subject, body = comms.preview(session, incident=incidents.get(session, ref=ref), template_id=template,
                                         fields=None, now=cli_base.now(), base_url=config.public_url)
    typer.echo(f"Subject: {subject}\n\n{body}", nl=not body.endswith("\n"))
