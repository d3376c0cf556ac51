"""Twilio's request signature (X-Twilio-Signature), for the webhooks Twilio calls on us."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_PORTS = {"https": 443, "http": 80}


def signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """HMAC-SHA1, keyed with the auth token, of the full URL then each POST field's name and value, base64.

    Fields are taken in name order; a name sent more than once contributes each of its values, sorted,
    as Twilio's own helper libraries do.
    """
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    payload = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def _with_and_without_port(url: str) -> list[str]:
    """The URL without any port, and with its port (the scheme's default when it names none)."""
    # Twilio signs the URL as configured in its console; behind a proxy the port may be spelled out
    # there and not here, or the other way round. Its helper libraries accept both forms, and so do we.
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if hostport.startswith("["):  # an IPv6 literal: its colons are not the port's
        host, _, rest = hostport.partition("]")
        host, port = host + "]", rest.removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
    host = userinfo + at + host
    port = port or str(DEFAULT_PORTS.get(parts.scheme, ""))
    return [parts._replace(netloc=host).geturl()] + ([parts._replace(netloc=f"{host}:{port}").geturl()] if port else [])


def valid(auth_token: str, url: str, params: Iterable[tuple[str, str]], header: str) -> bool:
    """Whether the X-Twilio-Signature header is Twilio's signature of this URL and these fields."""
    params = list(params)
    given = header.strip().encode()
    return any(hmac.compare_digest(signature(auth_token, u, params).encode(), given)
               for u in _with_and_without_port(url))
