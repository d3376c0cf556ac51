"""The public status page (no sign-in) and the incident page's customer-notice forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from codeblue.auth.permissions import Perm
from codeblue.deps import (
    AppSettings,
    CurrentIncident,
    DbSession,
    Now,
    PageCommander,
    PageResponder,
    ReadSession,
    ViewedIncident,
    address_of,
    clean_form,
)
from codeblue.errors import BadInput, RateLimited
from codeblue.statuspage import public, subscribers
from codeblue.statuspage import service as notices
from codeblue.statuspage.schemas import CustomerFields, State, StatusOut, StatusPostIn
from codeblue.web import render
from codeblue.web.routing import page_router
from codeblue.web.viewer import Viewer

public_router = APIRouter(include_in_schema=False)
router = page_router()
Line = Annotated[str, Form(max_length=500)]


@dataclass
class StatusPage:
    status: StatusOut
    labels: dict[str, str]
    state_labels: dict[str, str]
    message: str = ""


@dataclass
class Message:
    title: str
    message: str
    form_action: str = ""
    form_button: str = ""


def _page(session, now: datetime, message: str = "") -> StatusPage:
    return StatusPage(status=public.status(session, now=now), labels=public.LABELS,
                      state_labels=public.STATE_LABELS, message=message)


@public_router.get("/status", response_class=HTMLResponse)
def status_page(session: ReadSession, now: Now) -> HTMLResponse:
    return render.page("status.html", _page(session, now))


@public_router.get("/status.json")
def status_json(session: ReadSession, now: Now) -> JSONResponse:
    return JSONResponse(public.status(session, now=now).model_dump(mode="json"))


@public_router.post("/status/subscribe", response_class=HTMLResponse, dependencies=[Depends(clean_form)])
def subscribe(request: Request, session: DbSession, now: Now, settings: AppSettings,
              email: Annotated[str, Form(max_length=300)]) -> HTMLResponse:
    address = subscribers.parse_email(email)
    wait = request.app.state.status_subscribe_limiter.take(address_of(request))
    if wait:
        raise RateLimited("too many subscription requests from here; try again later", retry_after=wait)
    subscribers.subscribe(session, email=address, now=now, base_url=settings.public_url)
    return render.page("status_message.html", Message(
        "Check your inbox", "If the address can receive our updates, a confirmation link is on its way. "
                            "Nothing is sent until it is opened."))


@public_router.get("/status/confirm/{token}", response_class=HTMLResponse)
def confirm(token: str, session: DbSession, now: Now) -> HTMLResponse:
    subscribers.confirm(session, token=token, now=now)
    return render.page("status_message.html", Message(
        "Subscribed", "You will get an email when we post about an incident. Every email has an unsubscribe link."))


@public_router.get("/status/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_form(token: str, session: ReadSession, settings: AppSettings) -> HTMLResponse:
    # A link scanner opening the URL must not unsubscribe anyone: the button posts.
    subscribers.by_unsubscribe_token(session, token=token, secret=settings.secret_key)
    return render.page("status_message.html", Message(
        "Unsubscribe", "Stop the status update emails to this address?", form_action=f"/status/unsubscribe/{token}",
        form_button="Unsubscribe"))


@public_router.post("/status/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(token: str, session: DbSession, settings: AppSettings) -> HTMLResponse:
    subscribers.unsubscribe(session, token=token, secret=settings.secret_key)
    return render.page("status_message.html", Message(
        "Unsubscribed", "This address will get no more status emails, and is no longer kept."))


@dataclass
class Preview:
    viewer: Viewer
    ref: str
    fields: CustomerFields
    subject: str
    body: str
    template: str
    can_send: bool
    nav_current: str = "/"


def _fields(description: str, affected_functionality: str, update_frequency: str, impact: str, eta: str,
            state: str, component_impact: str, title: str) -> CustomerFields:
    return _valid(CustomerFields, description=description.strip(),
                  affected_functionality=affected_functionality.strip(),
                  update_frequency=update_frequency.strip() or "30 minutes", impact=impact.strip(),
                  eta=eta.strip() or "to be confirmed", state=state, component_impact=component_impact or None,
                  title=title.strip())


def _valid(model, **values):
    """The form's fields as the API's schema, refused with the field named as the API would."""
    try:
        return model(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise BadInput(f"{field}: {first['msg']}", details={"field": field}) from exc


@router.post("/incidents/{ref}/customer-notice/preview", response_class=HTMLResponse)
def preview(incident: ViewedIncident, viewer: PageResponder, session: ReadSession, settings: AppSettings,
            description: Line, affected_functionality: Line, update_frequency: Line = "", impact: Line = "",
            eta: Line = "", state: Annotated[State, Form()] = "investigating",
            component_impact: Line = "", title: Line = "") -> HTMLResponse:
    fields = _fields(description, affected_functionality, update_frequency, impact, eta, state,
                     component_impact, title)
    out = notices.preview(session, incident=incident, fields=fields, actor=viewer.actor,
                          links=notices.Links.of(settings))
    return render.page("customer_notice_preview.html", Preview(viewer=viewer, ref=incident.ref, fields=fields,
                                                               subject=out.subject, body=out.body,
                                                               template=out.template,
                                                               can_send=viewer.can(Perm.INCIDENT_COMMAND)))


@router.post("/incidents/{ref}/customer-notice/send")
def send(incident: CurrentIncident, viewer: PageCommander, session: DbSession, now: Now, settings: AppSettings,
         description: Line, affected_functionality: Line, update_frequency: Line = "", impact: Line = "",
         eta: Line = "", state: Annotated[State, Form()] = "investigating",
         component_impact: Line = "", title: Line = "") -> Response:
    fields = _fields(description, affected_functionality, update_frequency, impact, eta, state,
                     component_impact, title)
    notices.send(session, incident=incident, fields=fields, actor=viewer.actor, now=now,
                 links=notices.Links.of(settings))
    return RedirectResponse(f"/incidents/{incident.ref}#customer-notice", status_code=303)


@router.post("/incidents/{ref}/customer-notice/waive")
def waive(incident: CurrentIncident, viewer: PageCommander, session: DbSession, now: Now,
          reason: Annotated[str, Form(min_length=3, max_length=2_000)]) -> Response:
    notices.waive(session, incident=incident, reason=reason, actor=viewer.actor, now=now)
    return RedirectResponse(f"/incidents/{incident.ref}#customer-notice", status_code=303)


@router.post("/incidents/{ref}/status-posts")
def status_post(incident: CurrentIncident, viewer: PageCommander, session: DbSession, now: Now,
                settings: AppSettings, state: Annotated[State, Form()],
                body: Annotated[str, Form(min_length=1, max_length=5_000)],
                impact: Line = "") -> Response:
    data = _valid(StatusPostIn, state=state, body=body, impact=impact or None)
    notices.post_update(session, incident=incident, data=data,
                        actor=viewer.actor, now=now, links=notices.Links.of(settings))
    return RedirectResponse(f"/incidents/{incident.ref}#customer-notice", status_code=303)
