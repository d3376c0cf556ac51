"""codeblue runbook / checklist / evidence / readiness: the playbook at work, from a terminal."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from codeblue import cli_base
from codeblue.incidents import service as incidents
from codeblue.runbooks import evidence as evidence_service
from codeblue.runbooks import readiness as readiness_report
from codeblue.runbooks import service as runbooks
from codeblue.runbooks.schemas import checklists_out, evidence_out, readiness_out, runbook_out

runbook = typer.Typer(help="Runbooks of incidents.", no_args_is_help=True)
checklist = typer.Typer(help="Checklists of incidents.", no_args_is_help=True)
evidence = typer.Typer(help="Evidence attached to incidents.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _print(text: str) -> None:
    typer.echo(text)  # never wrapped: commands are copied from here


@runbook.command("show")
def show_runbook(ref: str, as_json: JsonFlag = False) -> None:
    """The incident's runbook, its commands filled from the alerts; [NAME] marks what is not filled."""
    with cli_base.unit_of_work(readonly=True) as session:
        out = runbook_out(ref, runbooks.runbook(session, incident=incidents.get(session, ref=ref)))
    if as_json:
        cli_base.print_json(out.model_dump(mode="json"))
        return
    _print(f"{out.incident} runbook: {out.type_name} ({out.pack})")
    for title, steps in (("Symptoms", out.symptoms), ("Immediate actions", out.immediate_actions),
                         ("Resolution steps", out.resolution_steps)):
        if steps:
            _print(f"\n{title}:")
            for step in steps:
                _print(f"  - {step}")
    if out.commands:
        _print("\nDiagnostic commands:")
    for c in out.commands:
        state = "ready" if c.complete else "unfilled: " + ", ".join(c.missing)
        _print(f"  [{c.index}] {c.title} ({state})\n      {c.text}")


@checklist.command("show")
def show_checklists(ref: str, as_json: JsonFlag = False) -> None:
    """The incident's checklists and who ticked what, when."""
    with cli_base.unit_of_work(readonly=True) as session:
        incident = incidents.get(session, ref=ref)
        out = checklists_out(runbooks.checklists(session, incident=incident, now=cli_base.now()), incident.severity)
    if as_json:
        cli_base.print_json([c.model_dump(mode="json") for c in out])
        return
    for c in out:
        required = " · required to resolve" if c.required_now else ""
        table = Table("", "Item", "Text", "By", "At (UTC)", title=f"{c.name} [{c.id}] {c.done}/{c.total}{required}")
        for i in c.items:
            table.add_row("[x]" if i.done else "[ ]", i.id, i.text, i.done_by or "",
                          f"{i.done_at:%Y-%m-%d %H:%M}" if i.done_at else "")
        cli_base.console.print(table)


@checklist.command("tick")
def tick(ref: str, checklist_id: Annotated[str, typer.Argument(metavar="CHECKLIST")],
         item_id: Annotated[str, typer.Argument(metavar="ITEM")],
         undo: Annotated[bool, typer.Option("--undo", help="Untick the item")] = False,
         note: Annotated[str | None, typer.Option(help="A note kept with the tick")] = None) -> None:
    """Tick (or with --undo untick) one checklist item; the timeline records who and when."""
    with cli_base.unit_of_work() as session:
        incident = incidents.get(session, ref=ref)
        row = runbooks.tick(session, incident=incident, checklist_id=checklist_id, item_id=item_id, done=not undo,
                            note=note, actor=cli_base.actor(), now=cli_base.now())
        text = f"{'[x]' if row.done else '[ ]'} {row.checklist_name}: {row.text}"
    _print(text)


@evidence.command("add")
def add(ref: str,
        file: Annotated[Path | None, typer.Option("--file", exists=True, dir_okay=False, readable=True,
                                                  help="A file to attach")] = None,
        link: Annotated[str | None, typer.Option("--link", help="A URL to attach")] = None,
        kind: Annotated[str, typer.Option(help="file, log or command_output (for --file)")] = "file",
        name: Annotated[str, typer.Option(help="What it is (default: the file name or URL)")] = "",
        note: Annotated[str, typer.Option()] = "", as_json: JsonFlag = False) -> None:
    """Attach a file (--file) or a link (--link) to an incident as evidence."""
    if (file is None) == (link is None):
        cli_base.fail("give exactly one of --file or --link", 2)
    config = cli_base.settings()
    content = file.read_bytes() if file else None
    content_type = (mimetypes.guess_type(file.name)[0] or "application/octet-stream") if file else "text/uri-list"
    with cli_base.unit_of_work() as session:
        incident = incidents.get(session, ref=ref)
        row = evidence_service.add(session, incident=incident, kind="link" if link else kind,
                                   name=name or (file.name if file else link or ""), content=content,
                                   content_type=content_type, url=link, note=note, actor=cli_base.actor(),
                                   now=cli_base.now(), max_bytes=config.evidence_max_bytes)
        out = evidence_out(row, incident.ref)
    if as_json:
        cli_base.print_json(out.model_dump(mode="json"))
        return
    _print(f"evidence #{out.id} on {out.incident}: {out.name} ({out.size} bytes, sha256 {out.sha256})")


@evidence.command("list")
def list_(ref: str, as_json: JsonFlag = False) -> None:
    """The incident's evidence with hashes."""
    with cli_base.unit_of_work(readonly=True) as session:
        incident = incidents.get(session, ref=ref)
        outs = [evidence_out(e, incident.ref) for e in evidence_service.list_for(session, incident=incident)]
    if as_json:
        cli_base.print_json([o.model_dump(mode="json") for o in outs])
        return
    table = Table("#", "Kind", "Name", "Bytes", "SHA-256", "By", "At (UTC)")
    for o in outs:
        table.add_row(str(o.id), o.kind, o.name, str(o.size), o.sha256, o.created_by, f"{o.created_at:%Y-%m-%d %H:%M}")
    cli_base.console.print(table)


def readiness(as_json: JsonFlag = False) -> None:
    """Pre-incident preparation: on-call coverage, verified contacts, sound packs; exit 1 when not ready."""
    with cli_base.unit_of_work(readonly=True) as session:
        out = readiness_out(readiness_report.report(readiness_report.load(session), now=cli_base.now()))
    if as_json:
        cli_base.print_json(out.model_dump(mode="json"))
    else:
        table = Table("Check", "OK", "Problems", title="Ready" if out.ok else "Not ready")
        for c in out.checks:
            table.add_row(c.title, "yes" if c.ok else "no", "\n".join(c.problems) or "—")
        cli_base.console.print(table)
    if not out.ok:
        raise typer.Exit(1)
