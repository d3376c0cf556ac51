"""Communications pages: post a status update (with a preview first), preview any template of the pack."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from codeblue.comms import service as comms
from codeblue.comms import views
from codeblue.comms.schemas import UpdateIn
from codeblue.deps import (
    AppSettings,
    CurrentIncident,
    DbSession,
    Now,
    PageReader,
    PageResponder,
    ReadSession,
    ViewedIncident,
)
from codeblue.errors import BadInput
from codeblue.web import render
from codeblue.web.routing import page_router

router = page_router()
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=5_000)]


def _update_in(status: str, actions: str, next_steps: str, eta: str) -> UpdateIn:
    for name, value in (("status", status), ("actions", actions), ("next_steps", next_steps)):
        if not value.strip():
            raise BadInput(f"write the update's {name.replace('_', ' ')} before posting it", details={"field": name})
    return UpdateIn(status=status, actions=actions, next_steps=next_steps, eta=eta.strip() or None)


@router.post("/incidents/{ref}/updates", response_class=HTMLResponse)
def post_update(incident: CurrentIncident, viewer: PageResponder, session: DbSession, now: Now, settings: AppSettings,
                status: Short = "", actions: Long = "", next_steps: Long = "", eta: Short = "",
                step: Annotated[Literal["preview", "post"], Form()] = "post") -> Response:
    data = _update_in(status, actions, next_steps, eta)
    if step == "preview":
        # Rendered as posting would render it, with the next number; nothing is stored or sent.
        subject, body = comms.preview_update(session, incident=incident, data=data, now=now,
                                             base_url=settings.public_url)
        return render.page("comms_preview.html", views.Preview(
            viewer=viewer, ref=incident.ref, title=f"Preview of the next status update of {incident.ref}",
            subject=subject, body=body, templates=views.templates(incident),
            form={"status": data.status, "actions": data.actions, "next_steps": data.next_steps,
                  "eta": data.eta or ""}))
    comms.post_update(session, incident=incident, data=data, actor=viewer.actor, now=now, base_url=settings.public_url)
    return RedirectResponse(f"/incidents/{incident.ref}#comms", status_code=303)


@router.get("/incidents/{ref}/messages/preview", response_class=HTMLResponse)
def preview(incident: ViewedIncident, viewer: PageReader, session: ReadSession, now: Now, settings: AppSettings,
            template: Annotated[str | None, Query(max_length=64)] = None) -> HTMLResponse:
    """Without a template named, the pack's first."""
    chosen = template or next(iter(views.templates(incident)), ("", ""))[0]
    found, subject, body = comms.preview(session, incident=incident, template_id=chosen, fields=None, now=now,
                                         base_url=settings.public_url)
    return render.page("comms_preview.html", views.Preview(
        viewer=viewer, ref=incident.ref, title=f"{found.name} for {incident.ref}", subject=subject, body=body,
        templates=views.templates(incident), chosen=found.id))
