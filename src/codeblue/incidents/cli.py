"""codeblue incident: list, show, create, acknowledge and resolve from a terminal."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from codeblue import cli_base
from codeblue.incidents import service as incidents
from codeblue.incidents.schemas import IncidentCreate, IncidentOut, TimelineEntryOut, incident_out

app = typer.Typer(help="Incidents.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _out(incident) -> IncidentOut:
    return incident_out(incident, incidents.pack_of(incident))


def _show(out: IncidentOut, as_json: bool) -> None:
    if as_json:
        cli_base.print_json(out.model_dump(mode="json"))
        return
    cli_base.console.print(
        f"[bold]{out.id}[/bold] {out.severity} {out.status.value} — {out.title}\n"
        f"  service {out.service} ({out.pack}), type {out.type_name}, detected {out.detected_at:%Y-%m-%d %H:%M:%S} UTC\n"
        f"  {out.classification.reason}",
        highlight=False,
    )


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="Only this status")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only open incidents")] = False,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """List incidents, newest first."""
    with cli_base.unit_of_work(readonly=True) as session:
        items, total = incidents.list_incidents(session, status=status, open_only=open_only, limit=limit)
        outs = [_out(i) for i in items]
    if as_json:
        cli_base.print_json({"items": [o.model_dump(mode="json") for o in outs], "total": total})
        return
    table = Table("ID", "Sev", "Status", "Service", "Title", "Detected (UTC)")
    for o in outs:
        table.add_row(o.id, o.severity, o.status.value, o.service, o.title, f"{o.detected_at:%Y-%m-%d %H:%M}")
    cli_base.console.print(table)
    cli_base.console.print(f"{len(outs)} of {total}")


@app.command()
def show(ref: str, as_json: JsonFlag = False) -> None:
    """One incident with its timeline."""
    with cli_base.unit_of_work(readonly=True) as session:
        incident = incidents.get(session, ref=ref)
        out = _out(incident)
        entries = [TimelineEntryOut.model_validate(e) for e in incidents.timeline(session, incident=incident)]
    if as_json:
        cli_base.print_json({**out.model_dump(mode="json"), "timeline": [e.model_dump(mode="json") for e in entries]})
        return
    _show(out, False)
    for e in entries:
        cli_base.console.print(f"  {e.at:%H:%M:%S} {e.actor}: {e.summary}", highlight=False, markup=False)


@app.command()
def create(
    service: Annotated[str, typer.Option(help="Service slug, e.g. telehealth-crm-api")],
    title: Annotated[str, typer.Option()],
    severity: Annotated[str | None, typer.Option(help="P0–P3; omit to classify by the pack")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Incident type from the pack")] = None,
    description: Annotated[str, typer.Option()] = "",
    as_json: JsonFlag = False,
) -> None:
    """Open an incident by hand."""
    try:
        data = IncidentCreate(service=service, title=title, severity=severity, type=type_, description=description)
    except ValueError as exc:
        cli_base.fail(str(exc), 2)
    with cli_base.unit_of_work() as session:
        out = _out(incidents.create(session, data=data, actor=cli_base.actor(), now=cli_base.now()))
    _show(out, as_json)


@app.command()
def ack(ref: str, note: Annotated[str | None, typer.Option()] = None, as_json: JsonFlag = False) -> None:
    """Acknowledge an incident."""
    with cli_base.unit_of_work() as session:
        incident = incidents.get(session, ref=ref)
        out = _out(incidents.acknowledge(session, incident=incident, actor=cli_base.actor(), now=cli_base.now(), note=note))
    _show(out, as_json)


@app.command()
def resolve(ref: str, note: Annotated[str | None, typer.Option()] = None,
            override_reason: Annotated[str | None, typer.Option(
                help="Resolve with required checklist items (recovery verification) open, and why")] = None,
            as_json: JsonFlag = False) -> None:
    """Resolve an incident."""
    with cli_base.unit_of_work() as session:
        incident = incidents.get(session, ref=ref)
        out = _out(incidents.resolve(session, incident=incident, actor=cli_base.actor(), now=cli_base.now(), note=note,
                                     override_reason=override_reason))
    _show(out, as_json)
