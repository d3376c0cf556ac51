"""PagerDuty Events API v2: forward a page as a trigger event; the address is the routing key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from codeblue.notify.channels import _http
from codeblue.notify.message import DeliveryError, Message, SendResult

SEVERITY = {"P0": "critical", "P1": "error", "P2": "warning", "P3": "info"}


@dataclass(frozen=True)
class PagerDutyConfig:
    """Where events go; only changed to point at a test server or a regional endpoint."""

    events_url: str = "https://events.pagerduty.com/v2/enqueue"


def dedup_key(message: Message) -> str:
    """One PagerDuty alert per incident: every step and round of the same incident updates it.

    The idempotency key's incident part is the dedup key, which is coarser than the key itself: a retry,
    or a resend after a crashed sender's lease ran out, lands on the same PagerDuty alert, as do later
    steps (PagerDuty escalates on its own once it has the alert).
    """
    if "incident_id" in message.data:
        # Page keys are "page:<incident>:<step>:<loop>:<method>"; the first two parts name the incident.
        parts = message.idempotency_key.split(":")
        if len(parts) >= 3:
            return ":".join(parts[:2])
    return message.idempotency_key


def event(message: Message) -> dict[str, Any]:
    """The Events API v2 trigger body."""
    data = message.data
    details = {k: data[k] for k in ("incident_id", "service", "link") if data.get(k) is not None}
    body: dict[str, Any] = {
        "routing_key": message.address,
        "event_action": "trigger",
        "dedup_key": dedup_key(message),
        "payload": {
            "summary": (message.subject or message.text or "Code Blue page")[:1024],
            "source": "codeblue",
            # An unknown severity is sent loud: a missed page costs more than an over-loud one.
            "severity": SEVERITY.get(str(data.get("severity", "")).upper(), "critical"),
            "custom_details": details,
        },
    }
    href = message.ack_url or data.get("link")
    if href:
        body["links"] = [{"href": href, "text": "Open in Code Blue"}]
    return body


class PagerDutyChannel:
    """Triggers a PagerDuty alert; 202 is accepted."""

    name = "pagerduty"

    def __init__(self, config: PagerDutyConfig | None = None, *, timeout: float = _http.DEFAULT_TIMEOUT) -> None:
        self.config = config or PagerDutyConfig()
        self.timeout = timeout

    async def send(self, message: Message) -> SendResult:
        try:
            response = await _http.post(self.name, self.config.events_url, timeout=self.timeout,
                                        json=event(message))
            if response.status_code != 202:
                raise _http.status_error(self.name, response, _detail(response))
            answer = _http.json_object(response)
            return SendResult(provider_id=answer.get("dedup_key") or dedup_key(message),
                              detail=str(answer.get("message", "")))
        except DeliveryError:
            raise
        except Exception as exc:
            raise _http.unexpected(self.name, exc) from exc


def _detail(response: httpx.Response) -> str:
    answer = _http.json_object(response)
    errors = answer.get("errors") or []
    return "; ".join(str(x) for x in [answer.get("message"), *errors] if x)[:300]
