"""The shared sample payloads (one real sample per sender format), read from beside the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "payloads"


def sample_path(name: str) -> Path:
    """The sample's path; the test is skipped when the shared folder is not there."""
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"shared sample {path} is not available")
    return path


def sample(name: str) -> Any:
    return json.loads(sample_path(name).read_text())
