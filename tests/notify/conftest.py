"""Fixtures for channel tests: a fake HTTP peer per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notify.fakes import FakeHTTP, http_server


@pytest.fixture
def http() -> Iterator[FakeHTTP]:
    with http_server() as fake:
        yield fake
