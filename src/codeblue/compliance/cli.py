"""codeblue breach: HIPAA breach-notification deadlines and the state rules on file."""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from codeblue import cli_base
from codeblue.compliance import export, render, state_rules, views
from codeblue.compliance import service as breaches
from codeblue.compliance.deadlines import BreachFacts, InvalidFacts, compute_deadlines

app = typer.Typer(help="HIPAA breach tools", no_args_is_help=True)

DateOpt = Annotated[str | None, typer.Option(metavar="DATE", help="YYYY-MM-DD")]
RulesOpt = Annotated[Path | None, typer.Option("--rules", metavar="FILE",
                                               help="State rules YAML (default: the shipped state_rules.yaml)")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _fail(message: str) -> NoReturn:
    """Bad input: one line on stderr, exit code 2 (like a usage error), never a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _date(flag: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{flag}: '{value}' is not a date (use YYYY-MM-DD)")


def _states(values: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        code, sep, number = value.partition("=")
        code = code.strip().upper()
        if not sep or not re.fullmatch(r"[A-Z]{2}", code) or not re.fullmatch(r"\d+", number.strip()):
            _fail(f"--state: '{value}' should be XX=N, a two-letter state code and a count, e.g. CA=120")
        if code in counts:
            _fail(f"--state: {code} is given twice")
        counts[code] = int(number)
    return counts


def _rules(path: Path | None) -> state_rules.StateRules:
    try:
        return state_rules.load_state_rules(path) if path else state_rules.builtin_rules()
    except state_rules.StateRulesError as exc:
        _fail(str(exc))


@app.command()
def deadlines(
    individuals: Annotated[int, typer.Option(help="Individuals affected in total")],
    discovered: DateOpt = None,
    actual_knowledge: DateOpt = None,
    reasonable_diligence: DateOpt = None,
    state: Annotated[list[str] | None,
                     typer.Option(metavar="XX=N", help="Affected residents of one state; repeat per state")] = None,
    insufficient_contact: Annotated[int, typer.Option(help="Individuals with insufficient contact details")] = 0,
    encrypted: Annotated[bool, typer.Option("--encrypted", help="The PHI was encrypted")] = False,
    key_compromised: Annotated[bool, typer.Option("--key-compromised", help="...and the key was compromised")] = False,
    destroyed: Annotated[bool, typer.Option("--destroyed", help="The PHI was destroyed (NIST SP 800-88)")] = False,
    ba_discovered: DateOpt = None,
    ba_agent: Annotated[bool, typer.Option("--ba-agent", help="The BA acts as the CE's agent (default)")] = False,
    ba_independent: Annotated[bool, typer.Option("--ba-independent", help="The BA is independent")] = False,
    ba_notified: DateOpt = None,
    le_oral: DateOpt = None,
    le_written: DateOpt = None,
    le_until: DateOpt = None,
    licensed_facility: Annotated[bool, typer.Option("--licensed-facility",
                                                    help="A licensed clinic or health facility")] = False,
    rules: RulesOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Every notice deadline for one breach, with its citation."""
    if individuals < 0:
        _fail(f"--individuals must be 0 or more (got {individuals})")
    if insufficient_contact < 0:
        _fail(f"--insufficient-contact must be 0 or more (got {insufficient_contact})")
    if key_compromised and not encrypted:
        _fail("--key-compromised needs --encrypted (a key matters only for encrypted PHI)")
    if le_written and not le_until:
        _fail("--le-written needs --le-until (the end of the delay the written statement specifies)")
    if le_until and not le_written:
        _fail("--le-until needs --le-written (the date of the written statement)")
    if ba_agent and ba_independent:
        _fail("give --ba-agent or --ba-independent, not both")
    if (ba_agent or ba_independent or ba_notified) and not ba_discovered:
        _fail("--ba-agent, --ba-independent and --ba-notified need --ba-discovered")
    if not (discovered or actual_knowledge or reasonable_diligence or ba_discovered or destroyed
            or (encrypted and not key_compromised)):
        _fail("give --discovered (or --actual-knowledge / --reasonable-diligence, or --ba-discovered)")
    dates = {flag: _date(flag, value) for flag, value in (
        ("--discovered", discovered), ("--actual-knowledge", actual_knowledge),
        ("--reasonable-diligence", reasonable_diligence), ("--ba-discovered", ba_discovered),
        ("--ba-notified", ba_notified), ("--le-oral", le_oral), ("--le-written", le_written),
        ("--le-until", le_until))}
    try:
        facts = BreachFacts(
            individuals=individuals, discovered=dates["--discovered"],
            actual_knowledge=dates["--actual-knowledge"], reasonable_diligence=dates["--reasonable-diligence"],
            per_state=_states(state or []), insufficient_contact=insufficient_contact, encrypted=encrypted,
            key_compromised=key_compromised, destroyed=destroyed, ba_discovered=dates["--ba-discovered"],
            ba_relationship="agent" if ba_agent else "independent" if ba_independent else None,
            ba_notified_ce=dates["--ba-notified"], le_oral=dates["--le-oral"], le_written=dates["--le-written"],
            le_written_until=dates["--le-until"], licensed_facility=licensed_facility,
        )
    except InvalidFacts as exc:
        _fail(str(exc))
    report = compute_deadlines(facts, _rules(rules))
    if as_json:
        sys.stdout.write(json.dumps(render.to_json(report), indent=2) + "\n")
    else:
        render.print_report(report, Console())


@app.command("hhs-log")
def hhs_log(
    year: Annotated[int, typer.Option(min=1970, max=2200, help="Calendar year of discovery")],
    out: Annotated[Path | None, typer.Option("--out", help="CSV file to write (default: stdout)")] = None,
) -> None:
    """The annual HHS log of breaches under 500 individuals (45 CFR 164.408(c)) as CSV."""
    with cli_base.unit_of_work() as session:  # writes the audit entry for this read of breach data
        text = export.to_csv(views.log_row(c) for c in breaches.hhs_log(
            session, year=year, actor=cli_base.actor(), now=cli_base.now()))
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}")


@app.command()
def states(rules: RulesOpt = None, as_json: JsonFlag = False) -> None:
    """The state breach rules on file (editable policy data)."""
    loaded = _rules(rules)
    if as_json:
        sys.stdout.write(json.dumps(render.rules_to_json(loaded), indent=2) + "\n")
    else:
        render.print_rules(loaded, Console())
