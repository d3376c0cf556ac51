"""Acknowledge from a page: the signed link, and Twilio's inbound SMS webhook."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from codeblue.deps import AppSettings, DbSession, Now
from codeblue.errors import CodeBlueError, Forbidden
from codeblue.incidents.lifecycle import Status
from codeblue.incidents.models import Incident
from codeblue.notify import ack
from codeblue.web.render import page

router = APIRouter(tags=["paging"])


@dataclass
class AckPage:
    ref: str
    title: str
    service: str
    severity: str
    status: str
    can_ack: bool
    message: str = ""


def _ack_page(incident: Incident, message: str = "") -> AckPage:
    return AckPage(ref=incident.ref, title=incident.title, service=incident.service.name,
                   severity=incident.severity, status=incident.status,
                   can_ack=incident.status == Status.TRIGGERED and not message, message=message)


@router.get("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
def ack_form(token: str, session: DbSession, now: Now, settings: AppSettings) -> HTMLResponse:
    """Shows the incident and one button; a GET never acknowledges (link scanners follow GETs)."""
    row = ack.by_token(session, token=token, secret=settings.secret_key, now=now)
    incident = session.get(Incident, row.incident_id)
    used = f"This page was used to acknowledge at {row.ack_used_at:%H:%M:%S} UTC." if row.ack_used_at else ""
    return page("ack.html", _ack_page(incident, used))


@router.post("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
def ack_submit(token: str, session: DbSession, now: Now, settings: AppSettings) -> HTMLResponse:
    row = ack.by_token(session, token=token, secret=settings.secret_key, now=now)
    incident = ack.acknowledge(session, row=row, now=now, via=f"{row.channel} link")
    return page("ack.html", _ack_page(incident, f"Acknowledged. Thank you — {incident.ref} stops paging."))


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's request signature: HMAC-SHA1 over the URL and the sorted form fields, base64."""
    payload = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def _twiml(text: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(text)}</Message></Response>'
    return Response(body, media_type="application/xml")


@router.post("/api/v1/hooks/twilio/sms", include_in_schema=False)
async def twilio_sms(request: Request, settings: AppSettings) -> Response:
    """A reply to an SMS page. The Twilio signature proves the sender; 'ACK <code>' acknowledges."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    auth_token = settings.twilio_auth_token.get_secret_value()
    if auth_token:
        expected = twilio_signature(auth_token, f"{settings.public_url}{request.url.path}", form)
        if not hmac.compare_digest(expected, request.headers.get("x-twilio-signature", "")):
            raise Forbidden("the Twilio signature does not match")
    db, now = request.app.state.db, request.app.state.clock.now()
    try:
        with db.unit_of_work() as session:
            row = ack.by_sms_reply(session, sender=form.get("From", ""), body=form.get("Body", ""), now=now)
            incident = ack.acknowledge(session, row=row, now=now, via="sms reply")
            reply = f"Acknowledged {incident.ref}. Paging stopped."
    except CodeBlueError as exc:
        reply = exc.message
    return _twiml(reply)
