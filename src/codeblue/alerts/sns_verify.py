"""Amazon SNS message signatures: URL checks, the string to sign, a certificate cache and the verifier."""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from codeblue.clock import SystemClock

# The host rule of the AWS PHP and JS validators: sns.<region>.amazonaws.com(.cn), not S3 or other AWS hosts.
CERT_HOST = re.compile(r"^sns\.[a-zA-Z0-9\-]{3,}\.amazonaws\.com(\.cn)?$")

MAX_CERTIFICATE_BYTES = 64 * 1024
FETCH_TIMEOUT_SECONDS = 5.0

_CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
# Already in byte-sort order, which is the order AWS signs in.
SIGNED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": _CONFIRMATION_FIELDS,
    "UnsubscribeConfirmation": _CONFIRMATION_FIELDS,
}
_OPTIONAL_FIELDS = frozenset({"Subject"})
_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
# Lambda-delivered records spell these differently from HTTP bodies.
_LAMBDA_SPELLINGS = {"SigningCertUrl": "SigningCertURL", "UnsubscribeUrl": "UnsubscribeURL"}


class SnsVerificationError(Exception):
    """An SNS message, URL or certificate failed verification; the message says what failed."""


def check_aws_url(url: str, *, what: str) -> None:
    """Raise unless url is https on an SNS host; what="SigningCertURL" also requires a .pem path."""
    if not isinstance(url, str) or not url:
        raise SnsVerificationError(f"{what} is missing")
    # Whitespace and backslashes are where URL parsers disagree about the host, so refuse them outright.
    if "\\" in url or any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise SnsVerificationError(f"{what} contains characters not allowed in a URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise SnsVerificationError(f"{what} is not a valid URL: {exc}") from None
    if parts.scheme.lower() != "https":
        raise SnsVerificationError(f"{what} must use https")
    host = parts.hostname or ""
    # Credentials or an explicit port make "the host" ambiguous between parsers; SNS URLs carry neither.
    if "@" in parts.netloc or port is not None:
        raise SnsVerificationError(f"{what} must not contain credentials or a port")
    if not CERT_HOST.fullmatch(host):  # fullmatch: "$" alone would accept a trailing newline
        raise SnsVerificationError(f"{what} host {host!r} is not an Amazon SNS host")
    if what == "SigningCertURL" and not parts.path.endswith(".pem"):
        raise SnsVerificationError(f"{what} path {parts.path!r} does not end in .pem")


def _canonical(message: Mapping[str, Any]) -> dict[str, Any]:
    """Copy message with Lambda-style key spellings renamed to the HTTP ones."""
    out = dict(message)
    for lambda_key, http_key in _LAMBDA_SPELLINGS.items():
        if lambda_key in out and http_key not in out:
            out[http_key] = out.pop(lambda_key)
    return out


def string_to_sign(message: Mapping[str, Any]) -> bytes:
    """The bytes SNS signed: "Name\\nValue\\n" for each signed field of the message's Type, in sorted order."""
    kind = message.get("Type")
    fields = SIGNED_FIELDS.get(kind) if isinstance(kind, str) else None
    if fields is None:
        raise SnsVerificationError(f"unknown message Type {kind!r}")
    parts: list[str] = []
    for name in fields:
        value = message.get(name)
        # A null Subject (Lambda records) means "no subject", as in the AWS PHP validator.
        if value is None and name in _OPTIONAL_FIELDS:
            continue
        if value is None:
            raise SnsVerificationError(f"{kind} is missing {name}")
        if not isinstance(value, str):
            raise SnsVerificationError(f"{name} must be a string")
        parts.append(f"{name}\n{value}\n")
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise SnsVerificationError("message contains text that is not valid UTF-8") from None


def fetch_certificate(url: str) -> bytes:
    """GET url over verified https, without following redirects, reading at most 64 KB."""
    # Checked here too so that no caller can make this fetch in clear text, whatever it checked before.
    if httpx.URL(url).scheme != "https":
        raise SnsVerificationError("SigningCertURL must use https")
    try:
        with httpx.Client(timeout=FETCH_TIMEOUT_SECONDS, verify=True, follow_redirects=False) as client:
            with client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise SnsVerificationError(f"fetching the certificate returned HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_CERTIFICATE_BYTES:
                        raise SnsVerificationError("the certificate is larger than 64 KB")
                return bytes(body)
    except httpx.HTTPError as exc:
        raise SnsVerificationError(f"could not fetch the certificate: {exc}") from None


class CertificateCache:
    """Signing certificates by URL: fetched, checked, kept for a TTL, bounded in size, thread-safe."""

    def __init__(
        self,
        fetch: Callable[[str], bytes] = fetch_certificate,
        *,
        ttl: timedelta = timedelta(hours=24),
        max_entries: int = 64,
        now: Callable[[], datetime] = SystemClock().now,
        require_amazon_issuer: bool = True,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._max_entries = max_entries
        self._now = now
        self._require_amazon_issuer = require_amazon_issuer
        self._entries: OrderedDict[str, tuple[x509.Certificate, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def certificate(self, url: str) -> x509.Certificate:
        """The checked certificate at url, from the cache while fresh, else fetched."""
        check_aws_url(url, what="SigningCertURL")  # whatever fetch was injected, only SNS hosts are contacted
        now = self._now()
        with self._lock:
            entry = self._entries.get(url)
            if entry is not None and now - entry[1] < self._ttl:
                self._entries.move_to_end(url)
                cert = entry[0]
            else:
                cert = None
        if cert is None:
            # Fetched outside the lock so one slow download does not stall every other verification;
            # two threads missing at once just fetch twice.
            cert = self._load(url)
            with self._lock:
                self._entries[url] = (cert, now)
                self._entries.move_to_end(url)
                while len(self._entries) > self._max_entries:
                    self._entries.popitem(last=False)
        # Validity is checked on every use, not only when fetched: a cached certificate can expire.
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise SnsVerificationError(
                f"the signing certificate is not valid now (valid {cert.not_valid_before_utc.isoformat()}"
                f" to {cert.not_valid_after_utc.isoformat()})")
        return cert

    def _load(self, url: str) -> x509.Certificate:
        """Fetch and parse the certificate, checking its key type and issuer."""
        try:
            pem = self._fetch(url)
        except SnsVerificationError:
            raise
        except Exception as exc:  # an injected fetcher may raise anything; verification must fail closed
            raise SnsVerificationError(f"could not fetch the certificate: {exc}") from None
        if len(pem) > MAX_CERTIFICATE_BYTES:
            raise SnsVerificationError("the certificate is larger than 64 KB")
        try:
            cert = x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise SnsVerificationError("SigningCertURL did not return a PEM X.509 certificate") from None
        if not isinstance(cert.public_key(), rsa.RSAPublicKey):
            raise SnsVerificationError("the signing certificate does not hold an RSA key")
        if self._require_amazon_issuer:
            orgs = [a.value for a in cert.issuer.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
            if not any(isinstance(o, str) and "Amazon" in o for o in orgs):
                raise SnsVerificationError(f"the signing certificate was not issued by Amazon (issuer O={orgs})")
        return cert


class SnsVerifier:
    """Checks that an SNS message was signed by Amazon SNS and comes from an allowed topic."""

    def __init__(self, cache: CertificateCache, *, allowed_topics: Collection[str] | None = None) -> None:
        if isinstance(allowed_topics, str):
            raise TypeError("allowed_topics must be a collection of topic ARNs, not one string")
        self._cache = cache
        # An empty collection allows nothing: a configured but empty list must not mean "any topic".
        self._allowed = frozenset(allowed_topics) if allowed_topics is not None else None

    def verify(self, message: Mapping[str, Any]) -> None:
        """Raise SnsVerificationError unless the message is authentic; fetches only after all local checks."""
        if not isinstance(message, Mapping):
            raise SnsVerificationError("the SNS message must be a JSON object")
        message = _canonical(message)
        for name in ("Type", "TopicArn", "SignatureVersion", "Signature", "SigningCertURL"):
            if message.get(name) in (None, ""):
                raise SnsVerificationError(f"the message is missing {name}")
        version = message["SignatureVersion"]
        algorithm = _HASHES.get(version) if isinstance(version, str) else None
        if algorithm is None:
            raise SnsVerificationError(f"unsupported SignatureVersion {version!r}")
        topic = message["TopicArn"]
        if self._allowed is not None and topic not in self._allowed:
            raise SnsVerificationError(f"topic {topic} is not allowed for this integration")
        signed = string_to_sign(message)
        signature = message["Signature"]
        try:
            if not isinstance(signature, str):
                raise ValueError
            raw = base64.b64decode(signature, validate=True)
        except (ValueError, binascii.Error):
            raise SnsVerificationError("Signature is not valid base64") from None
        url = message["SigningCertURL"]
        check_aws_url(url, what="SigningCertURL")
        key = self._cache.certificate(url).public_key()
        assert isinstance(key, rsa.RSAPublicKey)  # the cache only keeps RSA certificates
        try:
            key.verify(raw, signed, padding.PKCS1v15(), algorithm())
        except InvalidSignature:
            raise SnsVerificationError("signature does not match") from None
