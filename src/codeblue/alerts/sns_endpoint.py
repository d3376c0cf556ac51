"""Amazon SNS over HTTPS: verify the signature, confirm subscriptions, turn notifications into alerts."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from codeblue.alerts import ingest
from codeblue.alerts.adapters import sns as sns_format
from codeblue.alerts.normal import PayloadError
from codeblue.alerts.sns_verify import CertificateCache, SnsVerificationError, SnsVerifier, check_aws_url
from codeblue.errors import BadInput, Forbidden, InvalidPayload

router = APIRouter(tags=["senders"])


def confirm_subscription(url: str) -> None:
    """GET the SubscribeURL, as SNS asks; the URL was checked to be https on an SNS host first."""
    response = httpx.get(url, timeout=10.0, follow_redirects=False)
    response.raise_for_status()


def _verify(request: Request, payload: dict, options: dict) -> None:
    allowed = options.get("allowed_topics")  # absent: any topic; a list: only those
    if options.get("verify_signature", True):
        cache: CertificateCache = request.app.state.sns_certificates
        SnsVerifier(cache, allowed_topics=allowed).verify(payload)
    elif allowed is not None and payload.get("TopicArn") not in allowed:
        raise SnsVerificationError(f"topic {payload.get('TopicArn')} is not allowed for this integration")


@router.post("/api/v1/hooks/sns/{key}", status_code=202)
async def sns(key: str, request: Request) -> JSONResponse:
    pipeline = ingest.ingest_of(request)
    ref = await pipeline.integration(key, types=("sns",))
    payload, text = await ingest.json_body(request)
    try:
        envelope = sns_format.parse_envelope(payload)
    except PayloadError as exc:
        raise InvalidPayload(str(exc), details={"field": exc.field}) from None
    declared = request.headers.get("x-amz-sns-message-type")
    if declared and declared != envelope.type:
        raise InvalidPayload(f"x-amz-sns-message-type says {declared} but the message is a {envelope.type}",
                             details={"field": "Type"})
    try:
        await run_in_threadpool(_verify, request, payload, ref.options)
    except SnsVerificationError as exc:
        raise Forbidden(f"SNS message rejected: {exc}") from None
    if envelope.type == "SubscriptionConfirmation":
        try:
            check_aws_url(envelope.subscribe_url or "", what="SubscribeURL")
        except SnsVerificationError as exc:
            raise Forbidden(f"SubscribeURL rejected: {exc}") from None
        confirm: Callable[[str], None] = request.app.state.sns_confirm
        try:
            await run_in_threadpool(confirm, envelope.subscribe_url)
        except httpx.HTTPError as exc:
            raise BadInput(f"could not confirm the subscription: {exc}") from None
        return JSONResponse({"status": "confirmed", "topic": envelope.topic_arn}, status_code=200)
    if envelope.type != "Notification":
        return JSONResponse({"status": "ignored", "type": envelope.type}, status_code=200)
    events = ingest.parse_with(sns_format.alerts_from_notification, envelope, ref.options, text=text)
    outcomes = await pipeline.submit(ref, events, text) if events else []
    return JSONResponse({"status": "accepted", "alerts": [
        {"action": o.action, "dedup_key": o.dedup_key, "result": o.result, "incident": o.incident}
        for o in outcomes]}, status_code=202)
