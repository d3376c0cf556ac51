"""What the incident page's playbook section and the readiness page show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from codeblue.auth.permissions import Perm
from codeblue.incidents.models import Incident
from codeblue.runbooks import evidence as evidence_service
from codeblue.runbooks import readiness, render
from codeblue.runbooks import service as runbooks
from codeblue.runbooks.schemas import ChecklistOut, EvidenceOut, checklists_out, evidence_out
from codeblue.web.viewer import Viewer


@dataclass
class Playbook:
    ref: str
    runbook: render.Runbook | None
    runbook_problem: str | None
    checklists: list[ChecklistOut]
    evidence: list[EvidenceOut]
    respond: bool
    csrf_token: str


def section(session: Session, *, incident: Incident, viewer: Viewer, now: datetime) -> Playbook:
    """The incident's runbook, checklists and evidence, for its page."""
    try:
        book, problem = runbooks.runbook(session, incident=incident), None
    except Exception as exc:  # a pack without the type still shows the rest of the page
        book, problem = None, str(exc)
    return Playbook(
        ref=incident.ref, runbook=book, runbook_problem=problem,
        checklists=checklists_out(runbooks.checklists(session, incident=incident, now=now), incident.severity),
        evidence=[evidence_out(e, incident.ref) for e in evidence_service.list_for(session, incident=incident)],
        respond=viewer.can(Perm.INCIDENT_RESPOND), csrf_token=viewer.csrf_token)


@dataclass
class ReadinessPage:
    viewer: Viewer
    now: datetime
    report: readiness.Report
    nav_current: str = "/readiness"


def readiness_page(session: Session, *, viewer: Viewer, now: datetime) -> ReadinessPage:
    return ReadinessPage(viewer=viewer, now=now, report=readiness.report(readiness.load(session), now=now))
