"""How times and durations read on a page (the clock script words durations the same way)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from codeblue.web import formatting
from codeblue.web.paths import local_path


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (9, "9s"), (60, "1m 00s"), (723, "12m 03s"), (3600, "1h 00m"), (14_700, "4h 05m"),
    (86_400 * 2 + 3 * 3600 + 59, "2d 3h"), (-75, "1m 15s"), (timedelta(minutes=15), "15m 00s"), (None, "—"),
])
def test_duration(seconds, text):
    assert formatting.duration(seconds) == text


def test_times_are_shown_in_utc_and_say_so():
    local = datetime(2026, 3, 10, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert formatting.utc(local) == "2026-03-10 14:30:00 UTC"
    assert formatting.iso(local) == "2026-03-10T14:30:00Z"
    assert formatting.utc(None) == "—" and formatting.iso(None) == ""
    assert formatting.iso(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"


@pytest.mark.parametrize(("value", "path"), [
    ("/incidents/INC-1", "/incidents/INC-1"), ("/?a=b", "/?a=b"), (None, "/"), ("", "/"),
    ("//evil.example.org", "/"), ("https://evil.example.org/", "/"), ("/\\evil", "/"), ("/a\nb", "/"),
    ("relative", "/"), ("/" + "a" * 3000, "/"),
])
def test_local_path(value, path):
    assert local_path(value) == path
