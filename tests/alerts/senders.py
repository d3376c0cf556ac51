"""What an admin and a sender do over HTTP: create an integration, deliver to it, read alerts back."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import CRM

JSON = {"Content-Type": "application/json"}


def create_integration(client: TestClient, admin: dict[str, str], type_: str, service: str = CRM,
                       **options: Any) -> str:
    """A new integration's key, created through the API."""
    response = client.post("/api/v1/integrations", headers=admin, json={
        "type": type_, "service": service, "name": f"{type_} sender", "options": options})
    assert response.status_code == 201, response.text
    return response.json()["key"]


def deliver(client: TestClient, type_: str, key: str, body: bytes | dict[str, Any]):
    """POST a body to the integration's endpoint the way its sender does."""
    if type_ == "pagerduty":
        event = json.loads(body) if isinstance(body, bytes) else body
        return client.post("/v2/enqueue", json={**event, "routing_key": key})
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = JSON
    if type_ == "sns":  # SNS labels its JSON as text and names the message type in a header
        headers = {"Content-Type": "text/plain; charset=UTF-8",
                   "x-amz-sns-message-type": str(json.loads(raw).get("Type"))}
    return client.post(f"/api/v1/hooks/{type_}/{key}", content=raw, headers=headers)


def alerts(client: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    """Every stored alert, oldest first."""
    response = client.get("/api/v1/alerts", headers=admin)
    assert response.status_code == 200, response.text
    return sorted(response.json(), key=lambda a: a["id"])


def incident(client: TestClient, admin: dict[str, str], ref: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/incidents/{ref}", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def incident_count(client: TestClient, admin: dict[str, str]) -> int:
    return client.get("/api/v1/incidents", headers=admin).json()["total"]
