"""JSON on the ingest path: orjson where it can, the standard library's messages where it cannot."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_DUMP_OPTIONS = orjson.OPT_NON_STR_KEYS
# orjson reads integers beyond 64 bits as floats, losing digits; such text goes to the standard library.
_LONG_NUMBER = re.compile(r"\d{19}")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def loads(text: str | bytes) -> Any:
    """Decode JSON text; NaN and Infinity are refused (they are not JSON and no database stores them)."""
    if isinstance(text, bytes | bytearray | memoryview):
        text = bytes(text).decode("utf-8")  # the PostgreSQL driver hands JSONB over as bytes
    if not _LONG_NUMBER.search(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # the standard library's message names line and column
    return json.loads(text, parse_constant=_no_constants)


def dumps(value: Any) -> str:
    """Compact JSON text; a float that is not a number is written as null."""
    try:
        return orjson.dumps(value, option=_DUMP_OPTIONS).decode()
    except TypeError:  # integers beyond 64 bits, or types orjson does not know
        return json.dumps(value, separators=(",", ":"), default=str)
