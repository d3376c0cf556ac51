"""On-call pages: who is on call now, the schedules, the escalation policies."""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from codeblue.deps import Now, PageReader, ReadSession
from codeblue.oncall import views
from codeblue.web import render
from codeblue.web.routing import page_router

router = page_router()


@router.get("/oncall", response_class=HTMLResponse)
def on_call_now(viewer: PageReader, session: ReadSession, now: Now) -> HTMLResponse:
    return render.page("oncall.html", views.oncall_page(session, viewer=viewer, now=now))


@router.get("/schedules", response_class=HTMLResponse)
def schedules(viewer: PageReader, session: ReadSession, now: Now) -> HTMLResponse:
    return render.page("schedules.html", views.schedules_page(session, viewer=viewer, now=now))


@router.get("/escalation-policies", response_class=HTMLResponse)
def escalation_policies(viewer: PageReader, session: ReadSession) -> HTMLResponse:
    return render.page("escalation_policies.html", views.policies_page(session, viewer=viewer))
