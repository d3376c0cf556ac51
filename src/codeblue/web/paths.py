"""Where a redirect may go: a path on this server, never another site."""

from __future__ import annotations


def local_path(value: str | None, default: str = "/") -> str:
    """value if it is a path on this server (not '//host', not a backslash trick, no control characters)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(c) < 32 or ord(c) == 127 for c in value) or len(value) > 2000:
        return default
    return value
