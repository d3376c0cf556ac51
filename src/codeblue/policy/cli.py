"""codeblue policy: validate and show playbook packs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from codeblue.cli_base import console, fail, print_json
from codeblue.policy import loader
from codeblue.policy.durations import format_duration

app = typer.Typer(help="Validate and inspect policy packs.", no_args_is_help=True)


@app.command()
def validate(paths: Annotated[list[Path], typer.Argument(help="Pack files or folders of *.yaml")]) -> None:
    """Check packs; print every problem as FILE:LINE: message and exit 1 if there is any."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.yaml")))
        elif path.exists():
            files.append(path)
        else:
            fail(f"{path}: no such file or folder")
    if not files:
        fail("no pack files found")
    bad = 0
    for file in files:
        result = loader.load_file(file)
        for problem in result.problems:
            typer.echo(str(problem), err=True)
        if result.problems:
            bad += 1
        else:
            console.print(f"[green]ok[/green] {file} ({result.pack.pack} v{result.pack.version})", highlight=False)
    if bad:
        raise typer.Exit(1)


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="Pack id, e.g. telehealth-crm")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole pack as JSON")] = False,
) -> None:
    """Print a loaded pack."""
    from codeblue.policy import service as policy

    try:
        pack = policy.get_pack(name)
    except Exception as exc:  # NotFound or a broken pack folder: say which
        fail(str(exc))
    if as_json:
        print_json(pack.model_dump(mode="json", by_alias=True))
        return
    console.print(f"[bold]{pack.name}[/bold] ({pack.pack} v{pack.version}) — {pack.source}")
    for sev in pack.severities:
        console.print(
            f"  {sev.id} {sev.name}: respond within {format_duration(sev.response_target)}, "
            f"update every {format_duration(sev.update_cadence)}, customer notice {sev.customer_notice.mode}"
            + (f" {format_duration(sev.customer_notice.within)}" if sev.customer_notice.within else ""),
            highlight=False,
        )
    console.print(f"  incident types: {', '.join(t.id for t in pack.incident_types)}", highlight=False)
    console.print(f"  rules: {len(pack.classification)}, checklists: {len(pack.checklists)}, "
                  f"templates: {len(pack.templates)}, contacts: {len(pack.contacts)}", highlight=False)
