"""Our own key and certificate standing in for Amazon's, and messages signed the way SNS signs them."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from codeblue.alerts.sns_verify import string_to_sign

CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"


def make_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_cert(key: rsa.RSAPrivateKey, *, now: datetime, org: str = "Amazon",
              not_before: datetime | None = None, not_after: datetime | None = None) -> bytes:
    """A self-signed PEM certificate for key, issued by organisation org, valid around now."""
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - timedelta(days=1))
            .not_valid_after(not_after or now + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


class Fetcher:
    """Serves one PEM for every URL and records the URLs asked for: the network boundary, stubbed."""

    def __init__(self, pem: bytes) -> None:
        self.pem = pem
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        return self.pem


def sign(message: dict, key: rsa.RSAPrivateKey, version: str = "1", url: str = CERT_URL) -> dict:
    """message plus SignatureVersion, SigningCertURL and a Signature made the way SNS makes it."""
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
    raw = key.sign(string_to_sign(message), padding.PKCS1v15(), algorithm)
    return {**message, "SignatureVersion": version, "SigningCertURL": url,
            "Signature": base64.b64encode(raw).decode()}
