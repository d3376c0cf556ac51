"""Optional single sign-on with OpenID Connect (authorization code flow with PKCE), using authlib.

The provider is found from its discovery document; the ID token is verified against its JWKS
(signature, issuer, audience, expiry and the nonce this server sent). Who may come in is decided by
`admit`, a pure function of the verified claims and the settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from codeblue.auth import service as auth
from codeblue.auth.actor import Actor
from codeblue.auth.models import User
from codeblue.auth.permissions import Role
from codeblue.errors import BadInput, NotFound, Unavailable
from codeblue.settings import Settings

COOKIE = "codeblue_oidc"  # the state, nonce and PKCE verifier of one sign-in in flight, signed
FLOW_SECONDS = 600  # a sign-in must come back from the provider within this long
TIMEOUT = 10.0
PROVIDER = Actor(kind="system", name="oidc")  # who creates an account on a first single sign-on


class Refused(Exception):
    """A single sign-on that must not sign anyone in; the message is safe to show."""


def available() -> bool:
    try:
        import authlib  # noqa: F401
        import joserfc  # noqa: F401
    except ImportError:
        return False
    return True


def require(settings: Settings) -> None:
    if not settings.oidc_enabled:
        raise NotFound("single sign-on is not configured on this server")
    if not available():
        raise Unavailable("single sign-on needs the 'oidc' extra: pip install 'codeblue[oidc]'")


# --- The provider's documents, cached a while --------------------------------------------------------


class _Cache:
    def __init__(self, ttl: float = 300.0) -> None:
        self._ttl, self._lock, self._items = ttl, threading.Lock(), {}

    def get(self, url: str) -> dict[str, Any]:
        with self._lock:
            hit = self._items.get(url)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        try:
            response = httpx.get(url, timeout=TIMEOUT, follow_redirects=False)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise Unavailable(f"the single sign-on provider could not be reached ({url}): {exc}") from None
        with self._lock:
            self._items[url] = (time.monotonic() + self._ttl, document)
        return document

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


documents = _Cache()


def discovery(settings: Settings) -> dict[str, Any]:
    doc = documents.get(settings.oidc_discovery)
    missing = [k for k in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri") if not doc.get(k)]
    if missing:
        raise Unavailable(f"the provider's discovery document lacks {', '.join(missing)}")
    if doc["issuer"].rstrip("/") != settings.oidc_issuer.rstrip("/"):
        raise Unavailable(f"the discovery document names issuer {doc['issuer']!r}, not {settings.oidc_issuer!r}")
    return doc


# --- The flow's state, carried in a signed cookie ----------------------------------------------------


@dataclass(frozen=True)
class Flow:
    state: str
    nonce: str
    verifier: str
    next: str
    started: int


def _sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), b"oidc:" + body, hashlib.sha256).hexdigest()


def seal(flow: Flow, secret: str) -> str:
    body = base64.urlsafe_b64encode(json.dumps(flow.__dict__, separators=(",", ":")).encode())
    return body.decode() + "." + _sign(secret, body)


def unseal(value: str, secret: str, *, now: datetime) -> Flow:
    body, _, mac = value.partition(".")
    if not body or not hmac.compare_digest(mac, _sign(secret, body.encode())):
        raise Refused("This sign-in did not start here (or your browser refused its cookie). Start again.")
    try:
        flow = Flow(**json.loads(base64.urlsafe_b64decode(body.encode())))
    except (ValueError, TypeError):
        raise Refused("This sign-in's state could not be read. Start again.") from None
    if now.timestamp() - flow.started > FLOW_SECONDS:
        raise Refused("This sign-in took too long to come back from the provider. Start again.")
    return flow


def _redirect_uri(settings: Settings) -> str:
    return f"{settings.public_url}/sign-in/oidc/callback"


def _client(settings: Settings):
    from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(client_id=settings.oidc_client_id,
                        client_secret=settings.oidc_client_secret.get_secret_value() or None,
                        scope="openid email profile", redirect_uri=_redirect_uri(settings),
                        code_challenge_method="S256", timeout=TIMEOUT)


def start(settings: Settings, *, next_: str, now: datetime) -> tuple[str, Flow]:
    """Where to send the browser, and the flow to remember in its cookie."""
    doc = discovery(settings)
    flow = Flow(state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24),
                verifier=secrets.token_urlsafe(48), next=next_, started=int(now.timestamp()))
    with _client(settings) as client:
        url, _ = client.create_authorization_url(doc["authorization_endpoint"], state=flow.state,
                                                 code_verifier=flow.verifier, nonce=flow.nonce)
    return url, flow


def finish(settings: Settings, *, flow: Flow, state: str, code: str, now: datetime) -> dict[str, Any]:
    """Exchange the code and return the ID token's verified claims, or Refused."""
    if not hmac.compare_digest(state, flow.state):
        raise Refused("This sign-in's state does not match the one it started with. Start again.")
    doc = discovery(settings)
    try:
        with _client(settings) as client:
            token = client.fetch_token(doc["token_endpoint"], code=code, code_verifier=flow.verifier,
                                       grant_type="authorization_code")
    except Exception as exc:  # authlib raises its own errors and httpx's; either means no sign-in
        raise Refused(f"The provider did not accept this sign-in: {exc}") from None
    id_token = token.get("id_token")
    if not id_token:
        raise Refused("The provider sent no ID token.")
    return verify(settings, id_token=id_token, jwks=documents.get(doc["jwks_uri"]), nonce=flow.nonce,
                  issuer=doc["issuer"], now=now)


def verify(settings: Settings, *, id_token: str, jwks: dict[str, Any], nonce: str, issuer: str,
           now: datetime) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, times and nonce are right."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        keys = KeySet.import_key_set(jwks)
        decoded = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256"])
        registry = jwt.JWTClaimsRegistry(
            now=int(now.timestamp()), leeway=60,
            iss={"essential": True, "value": issuer}, aud={"essential": True, "value": settings.oidc_client_id},
            exp={"essential": True}, sub={"essential": True}, nonce={"essential": True, "value": nonce})
        registry.validate(decoded.claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise Refused(f"The provider's ID token was not accepted: {exc}") from None
    claims = dict(decoded.claims)
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != settings.oidc_client_id:
        raise Refused("The provider's ID token was issued to another client.")
    return claims


# --- Who may come in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Admission:
    email: str
    name: str
    role: Role | None  # the role for a new account; None when only existing accounts may come in


def _role_from_claim(settings: Settings, claims: dict[str, Any]) -> Role | None:
    if not settings.oidc_role_claim:
        return None
    value = claims.get(settings.oidc_role_claim)
    values = value if isinstance(value, list) else [value]
    names = {str(v).strip().lower() for v in values if v is not None}
    mapping = {k.strip().lower(): v for k, v in (settings.oidc_role_map or {r.value: r.value for r in Role}).items()}
    granted = [Role(mapping[n]) for n in names if n in mapping]
    order = list(Role)
    return max(granted, key=order.index) if granted else None


def admit(settings: Settings, claims: dict[str, Any]) -> Admission:
    """Pure: whether these verified claims may sign in, as whom, and with which role if new."""
    email = str(claims.get("email") or "").strip().lower()
    if "@" not in email:
        raise Refused("The provider did not share an email address for this account.")
    if claims.get("email_verified") is False:
        raise Refused(f"The provider has not verified {email}.")
    domains = settings.oidc_domains
    if domains and email.rpartition("@")[2] not in domains:
        raise Refused(f"{email} is not in a domain allowed to sign in here.")
    role = _role_from_claim(settings, claims)
    if role is None and settings.oidc_new_user_role:
        role = Role(settings.oidc_new_user_role)
    return Admission(email=email, name=str(claims.get("name") or email.partition("@")[0])[:200], role=role)


def user_for(session: Session, settings: Settings, admission: Admission, *, now: datetime) -> User:
    """The account this sign-in opens: an existing active one, or a new one when the settings allow."""
    user = auth.get_user(session, email=admission.email)
    if user is not None:
        if not user.active:
            raise Refused(f"The account {admission.email} is deactivated.")
        return user
    if admission.role is None:
        raise Refused(f"No Code Blue account exists for {admission.email}; ask an admin to add you.")
    try:
        return auth.create_user(session, email=admission.email, name=admission.name, role=admission.role.value,
                                now=now, actor=PROVIDER)
    except BadInput as exc:
        raise Refused(exc.message) from None
