"""Named dependencies for routes: the database session, the clock, who is asking and what their role allows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from codeblue.audit import service as audit
from codeblue.auth import service as auth
from codeblue.auth import sessions
from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm, Role
from codeblue.clock import Clock
from codeblue.db import Database
from codeblue.errors import BadInput, CsrfRefused, SignInRequired, Unauthorized
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.middleware import NUL_MESSAGE
from codeblue.settings import Settings
from codeblue.web import csrf
from codeblue.web.viewer import Viewer


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock.now()


def _write_session(request: Request) -> Iterator[Session]:
    # Ends before the response is sent, so a client hears "accepted" only after the commit.
    with get_db(request).unit_of_work() as session:
        yield session


def _read_session(request: Request) -> Iterator[Session]:
    with get_db(request).unit_of_work(readonly=True) as session:
        yield session


def _audited_session(request: Request) -> Iterator[Session]:
    # Refusals recorded in this session are committed in a unit of work of their own, even when the
    # request fails and its work is rolled back.
    with audit.unit_of_work(get_db(request)) as session:
        yield session


DbSession = Annotated[Session, Depends(_write_session, scope="function")]
AuditedSession = Annotated[Session, Depends(_audited_session, scope="function")]
ReadSession = Annotated[Session, Depends(_read_session, scope="function")]
Now = Annotated[datetime, Depends(get_now)]
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # a row id from a path: out-of-range ids are a 422, not a 500
AppSettings = Annotated[Settings, Depends(get_settings)]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("send an API token as 'Authorization: Bearer <token>'")
    return secret.strip()


def current_actor(request: Request, now: Now) -> Actor:
    secret = _bearer(request)
    with get_db(request).unit_of_work(readonly=True) as session:
        actor = auth.authenticate(session, secret=secret, now=now)
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def authorized(perm: Perm):
    """A dependency that lets the request through only if the caller's role allows perm."""

    def check(actor: CurrentActor) -> Actor:
        actor.require(perm)
        return actor

    return Depends(check)


_SUBJECTS = {"case_id": "breach_case", "notice_id": "breach_notice", "evidence_id": "breach_evidence",
             "ref": "incident"}


def compliance_officer(request: Request, actor: CurrentActor, session: AuditedSession, now: Now) -> Actor:
    """Breach data is for compliance officers and admins; anyone else is refused, and the refusal audited."""
    if not actor.can(Perm.COMPLIANCE):
        subject_type, subject_id = next(((kind, request.path_params[name]) for name, kind in _SUBJECTS.items()
                                         if name in request.path_params), ("breach_case", "*"))
        audit.record_refusal(session, actor=actor, action="breach.access_refused", subject_type=subject_type,
                             subject_id=subject_id, now=now,
                             after={"method": request.method, "path": request.url.path[:500],
                                    "role": str(actor.role)})
        request.state.refusal_audited = True  # this entry names the breach record; the generic one would repeat it
        actor.require(Perm.COMPLIANCE)
    return actor


ComplianceOfficer = Annotated[Actor, Depends(compliance_officer)]
Reader = Annotated[Actor, authorized(Perm.INCIDENT_READ)]
Responder = Annotated[Actor, authorized(Perm.INCIDENT_RESPOND)]
Creator = Annotated[Actor, authorized(Perm.INCIDENT_CREATE)]
Commander = Annotated[Actor, authorized(Perm.INCIDENT_COMMAND)]


def _incident_for_write(ref: str, session: DbSession) -> Incident:
    return incidents.get(session, ref=ref)


def _incident_for_read(ref: str, session: ReadSession) -> Incident:
    return incidents.get(session, ref=ref)


CurrentIncident = Annotated[Incident, Depends(_incident_for_write)]
ViewedIncident = Annotated[Incident, Depends(_incident_for_read)]


def record_phi_read(request: Request, *, actor: Actor, refs: list[str], what: str, details_shown: bool = True) -> None:
    """Audit a read of PHI-flagged incidents before it is answered: if the entry cannot be written, the
    read fails (503) rather than go unrecorded. The route's own session is read-only, so this has its own."""
    if not refs:
        return
    with get_db(request).unit_of_work() as session:
        incidents.record_phi_read(session, refs=refs, actor=actor, now=get_now(request), what=what,
                                  details_shown=details_shown)


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current_viewer(request: Request, now: Now, settings: AppSettings) -> Viewer:
    """The signed-in person behind the session cookie, or SignInRequired (a browser is sent to sign in)."""
    db = get_db(request)
    with db.unit_of_work(readonly=True) as session:
        row = sessions.find(session, secret=request.cookies.get(sessions.COOKIE, ""), now=now,
                            idle=settings.session_idle)
        if row is None:
            raise SignInRequired("sign in to continue")
        user = row.user
        viewer = Viewer(actor=Actor(kind="user", name=user.email, user_id=user.id, role=Role(user.role)),
                        display_name=user.name, csrf_token=row.csrf_token, session_id=row.id)
        stale = sessions.needs_touch(row, now)
    if stale:
        with db.unit_of_work() as session:
            sessions.touch(session, session_id=viewer.session_id, now=now)
    request.state.actor = viewer.actor
    return viewer


SignedIn = Annotated[Viewer, Depends(current_viewer)]


async def clean_form(request: Request) -> None:
    """Refuse a form with a NUL character in any field: PostgreSQL cannot store one, so neither database gets one."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await request.form()
    if any(isinstance(value, str) and "\x00" in value for _, value in form.multi_items()):
        raise BadInput(NUL_MESSAGE)


async def check_csrf(request: Request, viewer: SignedIn) -> None:
    """Every page router's guard: a form post must carry its session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await request.form()
    if not csrf.same(form.get(csrf.FIELD), viewer.csrf_token):
        raise CsrfRefused(CSRF_MESSAGE)
    await clean_form(request)


CSRF_MESSAGE = ("This form was not accepted: it did not carry the security token of a Code Blue page opened in "
                "this signed-in session (it may be out of date, or sent from another site). Go back, reload the "
                "page and try again.")


def page_authorized(perm: Perm):
    """The page counterpart of authorized(): the signed-in person's role must allow perm, as in the API."""

    def check(viewer: SignedIn) -> Viewer:
        viewer.actor.require(perm)
        return viewer

    return Depends(check)


PageReader = Annotated[Viewer, page_authorized(Perm.INCIDENT_READ)]
PageResponder = Annotated[Viewer, page_authorized(Perm.INCIDENT_RESPOND)]
PageCommander = Annotated[Viewer, page_authorized(Perm.INCIDENT_COMMAND)]
PageAdmin = Annotated[Viewer, page_authorized(Perm.ADMIN)]
