"""Fixtures for the alert tests that go through the HTTP endpoints."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def admin(db, clock) -> dict[str, str]:
    """The demo services, and an admin's Authorization header."""
    factories.seed(db, clock.now())
    return {"Authorization": f"Bearer {factories.tokens(db, clock.now())['admin']}"}
