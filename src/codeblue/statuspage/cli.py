"""codeblue notice: an incident's customer notice, shown, previewed and sent, or waived."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from codeblue import cli_base
from codeblue.incidents import service as incidents
from codeblue.statuspage import service as notices
from codeblue.statuspage.schemas import CustomerFields

app = typer.Typer(help="Customer notices and the public status page.", no_args_is_help=True)


@app.command()
def show(ref: str, as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """Whether incident REF owes customers a notice, by when, and what was posted."""
    now = cli_base.now()
    with cli_base.unit_of_work(readonly=True) as session:
        out = notices.view(session, incident=incidents.get(session, ref=ref), now=now)
    if as_json:
        cli_base.print_json(out.model_dump(mode="json"))
        return
    due = f" due {out.due_at:%Y-%m-%d %H:%M} UTC" if out.due_at else ""
    cli_base.console.print(f"{out.incident}: {out.clock}{due} ({out.reason})", highlight=False)
    for post in out.posts:
        cli_base.console.print(f"  {post.posted_at:%Y-%m-%d %H:%M} {post.state}: {post.body}", highlight=False)


@app.command()
def send(
    ref: str,
    description: Annotated[str, typer.Option(help="What customers experience")],
    affected: Annotated[str, typer.Option(help="The functionality affected")],
    impact: Annotated[str, typer.Option()] = "",
    eta: Annotated[str, typer.Option()] = "to be confirmed",
    every: Annotated[str, typer.Option(help="How often updates follow")] = "30 minutes",
    state: Annotated[str, typer.Option()] = "investigating",
    yes: Annotated[bool, typer.Option("--yes", help="Send; without it the notice is only previewed")] = False,
) -> None:
    """Preview the customer notice of REF from its pack's customer template; with --yes, send it."""
    try:
        fields = CustomerFields(description=description, affected_functionality=affected, impact=impact, eta=eta,
                                update_frequency=every, state=state)
    except ValidationError as exc:
        cli_base.fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()), 2)
    config, now, actor = cli_base.settings(), cli_base.now(), cli_base.actor()
    links = notices.Links.of(config)
    with cli_base.unit_of_work(readonly=not yes) as session:
        incident = incidents.get(session, ref=ref)
        out = notices.preview(session, incident=incident, fields=fields, actor=actor, links=links)
        if yes:
            notices.send(session, incident=incident, fields=fields, actor=actor, now=now, links=links)
    typer.echo(f"Subject: {out.subject}\n\n{out.body}")
    cli_base.console.print("sent to the status page and its subscribers" if yes else
                           "(preview only: add --yes to send)", highlight=False)


@app.command()
def waive(ref: str, reason: Annotated[str, typer.Option(help="Why customers need no notice")]) -> None:
    """Close the customer notice of REF without sending it."""
    if len(reason.strip()) < 3:
        cli_base.fail("give a reason of at least 3 characters", 2)
    now = cli_base.now()
    with cli_base.unit_of_work() as session:
        out = notices.waive(session, incident=incidents.get(session, ref=ref), reason=reason, actor=cli_base.actor(),
                            now=now)
    cli_base.console.print(f"{out.incident}: customer notice waived", highlight=False)


@app.command()
def component(
    service: str,
    public_name: Annotated[str | None, typer.Option("--public-name", help="The name customers see")] = None,
    shown: Annotated[bool | None, typer.Option("--shown/--hidden", help="Show the service on the status page")] = None,
) -> None:
    """Name SERVICE as customers know it on the status page, or hide it there."""
    now = cli_base.now()
    with cli_base.unit_of_work() as session:
        comp = notices.name_component(session, slug=service, public_name=public_name, shown=shown,
                                      actor=cli_base.actor(), now=now)
        name, visible = comp.public_name, comp.shown
    cli_base.console.print(f"{service}: '{name}' ({'shown' if visible else 'hidden'} on the status page)",
                           highlight=False)
