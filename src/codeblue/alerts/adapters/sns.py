"""Amazon SNS over HTTP(S): read the message envelope, and turn a Notification's Message into alerts.

Signatures are checked elsewhere (codeblue.alerts.sns_verify) on the raw body; this module only reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from codeblue.alerts.adapters import cloudwatch, eventbridge
from codeblue.alerts.adapters._fields import BODY, first_line, obj, summary, text, timestamp
from codeblue.alerts.normal import NormalAlert, PayloadError

TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")


@dataclass(frozen=True)
class SnsEnvelope:
    """The fields of an SNS HTTP(S) message; URL fields accept the HTTP and the Lambda spellings."""

    type: str
    message_id: str
    topic_arn: str
    message: str
    timestamp: datetime | None = None
    subject: str | None = None
    subscribe_url: str | None = None
    unsubscribe_url: str | None = None
    token: str | None = None
    signature: str | None = None
    signature_version: str | None = None
    signing_cert_url: str | None = None


def _either(body: Mapping[str, Any], *keys: str) -> str | None:
    return next((value for key in keys if (value := text(body, key))), None)


def parse_envelope(body: Any) -> SnsEnvelope:
    """The envelope of an SNS message; PayloadError names a missing or mistyped field."""
    envelope = obj(body, BODY)
    kind = text(envelope, "Type", required=True)
    if kind not in TYPES:
        raise PayloadError("'Type' must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation",
                           field="Type")
    if kind != "Notification":  # a confirmation is useless without its URL and token
        url_key = "SubscribeUrl" if "SubscribeUrl" in envelope and "SubscribeURL" not in envelope else "SubscribeURL"
        for key in ("Token", url_key):
            text(envelope, key, required=True)
    return SnsEnvelope(
        type=kind,  # type: ignore[arg-type]
        message_id=text(envelope, "MessageId", required=True),  # type: ignore[arg-type]
        topic_arn=text(envelope, "TopicArn", required=True),  # type: ignore[arg-type]
        message=text(envelope, "Message", required=True),  # type: ignore[arg-type]
        timestamp=timestamp(text(envelope, "Timestamp")),
        subject=text(envelope, "Subject"),
        subscribe_url=_either(envelope, "SubscribeURL", "SubscribeUrl"),
        unsubscribe_url=_either(envelope, "UnsubscribeURL", "UnsubscribeUrl"),
        token=text(envelope, "Token"),
        signature=text(envelope, "Signature"),
        signature_version=text(envelope, "SignatureVersion"),
        signing_cert_url=_either(envelope, "SigningCertURL", "SigningCertUrl"),
    )


def _decoded(message: str) -> Any:
    try:
        return json.loads(message)
    except ValueError:  # plain text: published by a person or a script, not an AWS service
        return None


def _plain(envelope: SnsEnvelope) -> NormalAlert:
    topic = envelope.topic_arn.rpartition(":")[2]
    title = first_line(envelope.subject) or first_line(envelope.message) or f"SNS notification on {topic}"
    return NormalAlert(
        action="trigger", summary=summary(title), source="sns", component=topic or None,
        occurred_at=envelope.timestamp, facts={"source": "sns", "sns_topic": envelope.topic_arn},
        details={"subject": envelope.subject, "message": envelope.message, "message_id": envelope.message_id},
    )


def alerts_from_notification(envelope: SnsEnvelope, options: Mapping[str, Any]) -> list[NormalAlert]:
    """A Notification's alerts: a CloudWatch alarm, an EventBridge event, or else one plain alert.

    Confirmations carry no alert and give an empty list.
    """
    if envelope.type != "Notification":
        return []
    message = _decoded(envelope.message)
    if cloudwatch.is_sns_alarm(message):
        return [cloudwatch.from_sns_alarm(message)]
    if isinstance(message, Mapping) and "detail-type" in message and "detail" in message:
        return eventbridge.parse_event(message, options, base="Message")
    return [_plain(envelope)]


def parse(payload: Any, options: Mapping[str, Any]) -> list[NormalAlert]:
    """The whole SNS body → alerts (the registry's entry; the SNS endpoint calls the two steps itself)."""
    return alerts_from_notification(parse_envelope(payload), options)
