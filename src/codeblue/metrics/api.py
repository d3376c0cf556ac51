"""GET /metrics in Prometheus' text format; a bearer token is needed when CODEBLUE_METRICS_TOKEN is set."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from codeblue.deps import AppSettings
from codeblue.errors import Unauthorized

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response)
def prometheus_metrics(request: Request, settings: AppSettings) -> Response:
    if settings.metrics_token:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), settings.metrics_token.encode()):
            raise Unauthorized("send the metrics token as 'Authorization: Bearer <token>'")
    return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)
