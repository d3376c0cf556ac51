"""Generated requests against every operation in the OpenAPI document: whatever arrives, never a 500."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests import factories


@pytest.fixture
def api(client, db, clock):
    """The live application's own schema, with the demo data and an admin token behind it."""
    factories.seed(db, clock.now())
    client.headers["Authorization"] = f"Bearer {factories.tokens(db, clock.now())['admin']}"
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests__never_a_server_error(case, client):
    response = case.call(headers=dict(client.headers))
    case.validate_response(response, checks=[not_a_server_error])
