"""Running a runbook's diagnostic command, when an admin has turned it on: allow-listed executables only,
an argument vector without a shell, a timeout and a cap on the output kept, the output kept as evidence."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm
from codeblue.errors import BadInput, Conflict, NotFound
from codeblue.incidents.models import Incident
from codeblue.runbooks import evidence as evidence_service
from codeblue.runbooks import service as runbooks
from codeblue.runbooks.models import Evidence
from codeblue.settings import Settings


@dataclass(frozen=True)
class Outcome:
    argv: list[str]
    output: bytes
    exit_code: int | None
    timed_out: bool
    truncated: bool
    seconds: float


def argv_for(text: str, allow: list[str]) -> list[str]:
    """The argument vector of a filled command, if its executable is allowed; Conflict or BadInput if not."""
    try:
        argv = shlex.split(text.replace("\\\n", " "))
    except ValueError as exc:
        raise BadInput(f"the command cannot be split into arguments: {exc}") from exc
    if not argv:
        raise BadInput("the command is empty")
    if argv[0] not in allow:
        allowed = ", ".join(allow) or "nothing (CODEBLUE_RUNBOOK_COMMAND_ALLOW is empty)"
        raise Conflict(f"'{argv[0]}' is not an allowed executable; allowed: {allowed}",
                        details={"executable": argv[0], "allowed": allow})
    return argv


def execute(argv: list[str], *, timeout: float, max_bytes: int) -> Outcome:
    """Run without a shell; stdout and stderr together, at most max_bytes kept; killed at the timeout."""
    started = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                shell=False, start_new_session=True, env={"PATH": os.environ.get("PATH", ""),
                                                                          "HOME": os.environ.get("HOME", "/")})
    except OSError as exc:
        message = f"could not start {argv[0]}: {exc.strerror or exc}\n".encode()
        return Outcome(argv, message, None, False, False, time.monotonic() - started)
    chunks: list[bytes] = []
    kept = [0, False]  # bytes kept, truncated

    def read() -> None:
        assert proc.stdout is not None
        while block := proc.stdout.read1(65536):
            room = max_bytes - kept[0]
            if room > 0:
                chunks.append(block[:room])
                kept[0] += min(room, len(block))
            if len(block) > room:
                kept[1] = True  # keep draining so the process is not blocked on a full pipe

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        # The whole process group: a child the command started must not keep the pipe (and the reader) open.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    reader.join(timeout=5)
    return Outcome(argv, b"".join(chunks), None if timed_out else proc.returncode, timed_out, bool(kept[1]),
                   time.monotonic() - started)


def run(session: Session, *, incident: Incident, index: int, actor: Actor, now: datetime,
        settings: Settings) -> Evidence:
    """Run the runbook's command at `index` with the incident's values and keep what it printed as evidence."""
    actor.require(Perm.INCIDENT_RESPOND)
    if not settings.runbook_commands_enabled:
        raise Conflict("running runbook commands is turned off; an admin turns it on with "
                       "CODEBLUE_RUNBOOK_COMMANDS_ENABLED=true and CODEBLUE_RUNBOOK_COMMAND_ALLOW",
                       details={"enabled": False})
    book = runbooks.runbook(session, incident=incident)
    if not 0 <= index < len(book.commands):
        raise NotFound(f"the {book.type_name} runbook of {incident.ref} has {len(book.commands)} command(s); "
                       f"there is no command {index}")
    command = book.commands[index]
    if not command.complete:
        raise Conflict(f"command {index} ({command.title}) still has unfilled placeholders: "
                       f"{', '.join(command.missing)}; the incident's alerts do not give their values",
                       details={"missing": command.missing})
    argv = argv_for(command.text, list(settings.runbook_command_allow))
    outcome = execute(argv, timeout=settings.runbook_command_timeout_seconds,
                      max_bytes=settings.runbook_command_output_bytes)
    status = "timed out" if outcome.timed_out else f"exit {outcome.exit_code}"
    header = f"$ {shlex.join(argv)}\n# {status} after {outcome.seconds:.1f}s" + (
        f"; output cut at {settings.runbook_command_output_bytes} bytes" if outcome.truncated else "") + "\n"
    return evidence_service.add(
        session, incident=incident, kind="command_output", name=f"{command.title} ({status})",
        content=header.encode() + outcome.output, content_type="text/plain; charset=utf-8", actor=actor, now=now,
        max_bytes=settings.runbook_command_output_bytes + len(header.encode()),
        data={"argv": argv, "exit_code": outcome.exit_code, "timed_out": outcome.timed_out,
              "truncated": outcome.truncated, "seconds": round(outcome.seconds, 3), "command_index": index})
