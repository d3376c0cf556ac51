"""Acknowledge from a page: the signed link, and Twilio's inbound SMS webhook."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from codeblue.deps import AppSettings, DbSession, Now
from codeblue.errors import CodeBlueError, Forbidden
from codeblue.incidents.lifecycle import Status
from codeblue.incidents.models import Incident
from codeblue.notify import ack, twilio_inbound
from codeblue.notify.channels import phi, twilio
from codeblue.notify.models import Notification
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


def _ack_page(incident: Incident, row: Notification, message: str = "") -> AckPage:
    # Anyone holding the link sees this page: the title is shown as the page itself showed it.
    title = incident.title if row.data.get("phi_safe") else phi.scrub(incident.title)
    return AckPage(ref=incident.ref, title=title, service=incident.service.name,
                   severity=incident.severity, status=incident.status,
                   can_ack=incident.status == Status.TRIGGERED and not message, message=message)


@router.get("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
def ack_form(token: str, session: DbSession, now: Now, settings: AppSettings) -> HTMLResponse:
    """Shows the incident and one button; a GET never acknowledges (link scanners follow GETs)."""
    row = ack.by_token(session, token=token, secret=settings.secret_key, now=now)
    incident = session.get(Incident, row.incident_id)
    used = f"This page was used to acknowledge at {row.ack_used_at:%H:%M:%S} UTC." if row.ack_used_at else ""
    return page("ack.html", _ack_page(incident, row, used))


@router.post("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
def ack_submit(token: str, session: DbSession, now: Now, settings: AppSettings) -> HTMLResponse:
    row = ack.by_token(session, token=token, secret=settings.secret_key, now=now)
    incident = ack.acknowledge(session, row=row, now=now, via=f"{row.channel} link")
    return page("ack.html", _ack_page(incident, row, f"Acknowledged. Thank you — {incident.ref} stops paging."))


@router.post("/ack/{token}/voice", include_in_schema=False)
async def ack_voice(token: str, request: Request, settings: AppSettings) -> Response:
    """The key pressed during a voice page (Twilio's <Gather> posts Digits); the answer is TwiML to speak.

    The signed token is the credential, as for the link it stands beside: whoever was called holds it.
    """
    form = await request.form()
    digits = form.get("Digits")
    url = f"{settings.public_url}{request.url.path}"
    if digits != "1":
        return _voice(f"<Say>{escape('That was not 1.')}</Say>{twilio.gather(url)}")
    db, now = request.app.state.db, request.app.state.clock.now()
    try:
        with db.unit_of_work() as session:
            row = ack.by_token(session, token=token, secret=settings.secret_key, now=now)
            incident = ack.acknowledge(session, row=row, now=now, via="voice keypress")
            said = f"Acknowledged {incident.ref}. Paging stopped. Goodbye."
    except CodeBlueError as exc:
        said = exc.message
    return _voice(f"<Say>{escape(said)}</Say>")


def _voice(verbs: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response>{verbs}</Response>'
    return Response(body, media_type="application/xml")


def _twiml(text: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(text)}</Message></Response>'
    return Response(body, media_type="application/xml")


@router.post("/api/v1/hooks/twilio/sms", include_in_schema=False)
async def twilio_sms(request: Request, settings: AppSettings) -> Response:
    """A reply to an SMS page. The Twilio signature proves the sender; 'ACK <code>' acknowledges."""
    auth_token = settings.twilio_auth_token.get_secret_value()
    if not auth_token:
        # Unsigned, anyone who guesses a six-digit code and a responder's number could stop the paging.
        raise Forbidden("inbound SMS is off: set CODEBLUE_TWILIO_AUTH_TOKEN so Twilio's signature can be checked")
    params = [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
    url = f"{settings.public_url}{request.url.path}" + (f"?{request.url.query}" if request.url.query else "")
    if not twilio_inbound.valid(auth_token, url, params, request.headers.get("x-twilio-signature", "")):
        raise Forbidden("the X-Twilio-Signature header does not match this request")
    form = dict(params)
    db, now = request.app.state.db, request.app.state.clock.now()
    try:
        with db.unit_of_work() as session:
            row = ack.by_sms_reply(session, sender=form.get("From", ""), body=form.get("Body", ""), now=now)
            incident = ack.acknowledge(session, row=row, now=now, via="sms reply")
            reply = f"Acknowledged {incident.ref}. Paging stopped."
    except CodeBlueError as exc:
        reply = exc.message
    return _twiml(reply)
