"""Twilio SMS and voice calls through the REST API (2010-04-01)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from codeblue.notify.channels import _http
from codeblue.notify.message import DeliveryError, Message, SendResult

SMS_LIMIT = 1600  # Twilio refuses longer bodies (error 21617)
SAY_LIMIT = 3000  # keeps the whole TwiML under Twilio's 4000-character limit


@dataclass(frozen=True)
class TwilioConfig:
    """Account credentials and the number pages come from."""

    account_sid: str
    auth_token: str
    from_number: str
    base_url: str = "https://api.twilio.com"


def sms_body(message: Message) -> str:
    """The text, cut to fit, always ending with the reply-to-acknowledge instruction when there is one."""
    code = message.data.get("ack_code")
    suffix = f"\nReply ACK {code} to acknowledge" if code and f"ACK {code}" not in message.text else ""
    # Truncate the text, not the instruction: the instruction is what stops the paging.
    return message.text[: SMS_LIMIT - len(suffix)] + suffix


def _spoken(message: Message) -> str:
    # Links and "reply ACK" are for SMS; read aloud they are noise, and the call acknowledges by keypress.
    lines = [ln for ln in message.text.splitlines()
             if ln.strip() and not re.match(r"\s*(https?://|Reply ACK\b)", ln)]
    return (" ".join(lines) or message.subject)[:SAY_LIMIT]


def voice_ack_url(ack_url: str) -> str:
    """Where the call's keypress goes: the page's acknowledge link, at its voice endpoint.

    The link itself answers a browser with HTML; Twilio needs TwiML back (notify/api.py, ack_voice).
    """
    path, sep, query = ack_url.partition("?")
    return f"{path.rstrip('/')}/voice{sep}{query}"


def gather(action: str) -> str:
    """Offer the acknowledge key: pressing 1 posts Digits=1 to `action`."""
    return (f'<Gather numDigits="1" action={quoteattr(action)} method="POST" timeout="10">'
            "<Say>Press 1 to acknowledge.</Say></Gather><Say>No input received. Goodbye.</Say>")


def twiml(message: Message) -> str:
    """What the call says; with an ack_url, pressing 1 acknowledges."""
    parts = [f"<Say>{escape(_spoken(message))}</Say>"]
    if message.ack_url:
        parts.append(gather(voice_ack_url(message.ack_url)))
    return "<Response>" + "".join(parts) + "</Response>"


class _Twilio:
    """POSTs a form to one Twilio resource and returns the created resource's sid."""

    name = ""
    resource = ""

    def __init__(self, config: TwilioConfig, *, timeout: float = _http.DEFAULT_TIMEOUT) -> None:
        self.config = config
        self.timeout = timeout

    def _form(self, message: Message) -> dict[str, str]:
        raise NotImplementedError

    async def send(self, message: Message) -> SendResult:
        # Twilio's Messages and Calls resources accept no idempotency key, so the outbox's cannot travel:
        # a sender that dies between Twilio's 201 and recording it texts or calls again once its lease runs
        # out. The repeat carries the same ACK code, so either message acknowledges.
        try:
            cfg = self.config
            url = f"{cfg.base_url.rstrip('/')}/2010-04-01/Accounts/{cfg.account_sid}/{self.resource}"
            form = {"To": message.address, "From": cfg.from_number, **self._form(message)}
            response = await _http.post(self.name, url, timeout=self.timeout, data=form,
                                        auth=(cfg.account_sid, cfg.auth_token))
            answer = _http.json_object(response)
            if not 200 <= response.status_code < 300:
                raise _http.status_error(self.name, response, _detail(answer))
            if not answer.get("sid"):
                # Maybe sent, maybe a proxy's page: escalating beats risking a duplicate call or text.
                raise DeliveryError(f"{self.name}: HTTP {response.status_code} without a Twilio sid",
                                    retryable=False)
            return SendResult(provider_id=str(answer["sid"]), detail=str(answer.get("status", "")))
        except DeliveryError:
            raise
        except Exception as exc:
            raise _http.unexpected(self.name, exc) from exc


def _detail(answer: dict) -> str:
    # Twilio's error body: {"code": 21211, "message": "...", "more_info": "...", "status": 400}
    if not answer.get("message"):
        return ""
    code = answer.get("code")
    return f"{answer['message']}" + (f" (Twilio error {code})" if code else "")


class TwilioSmsChannel(_Twilio):
    """One SMS per message."""

    name = "sms"
    resource = "Messages.json"

    def _form(self, message: Message) -> dict[str, str]:
        return {"Body": sms_body(message)}


class TwilioVoiceChannel(_Twilio):
    """One phone call per message, read out by text-to-speech."""

    name = "voice"
    resource = "Calls.json"

    def _form(self, message: Message) -> dict[str, str]:
        return {"Twiml": twiml(message)}

