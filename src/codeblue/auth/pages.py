"""Sign-in and sign-out pages, and the admin's users and API tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from codeblue.auth import service as auth
from codeblue.auth import oidc, sessions, signin
from codeblue.auth.models import ApiToken, User
from codeblue.auth.permissions import GRANTABLE, Role
from codeblue.deps import AppSettings, DbId, DbSession, Now, PageAdmin, ReadSession, SignedIn, address_of, clean_form
from codeblue.errors import CsrfRefused
from codeblue.web import csrf, render
from codeblue.web.paths import local_path
from codeblue.web.routing import page_router
from codeblue.web.viewer import Viewer

public = APIRouter(include_in_schema=False)
router = page_router()


@dataclass
class SignInPage:
    next: str
    csrf_token: str
    email: str = ""
    problem: str = ""
    sso_label: str = ""  # shown as a single sign-on link when OpenID Connect is configured


@dataclass
class UsersPage:
    viewer: Viewer
    users: list[User]
    tokens: list[ApiToken]
    roles: list[str]
    now: datetime
    created_token: str | None = None
    created_token_for: str = ""
    notice: str = ""
    nav_current: str = "/users"
    grantable: dict[str, list[str]] = field(default_factory=dict)


def _presession(request: Request, settings) -> tuple[str, str]:
    nonce = request.cookies.get(csrf.PRESESSION_COOKIE, "")
    if not 16 <= len(nonce) <= 64:
        nonce = csrf.new_nonce()
    return nonce, csrf.presession_token(settings.secret_key, nonce)


def _sign_in_page(request: Request, settings, *, next_: str, email: str = "", problem: str = "",
                  status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    nonce, token = _presession(request, settings)
    page = SignInPage(next=next_, csrf_token=token, email=email, problem=problem,
                      sso_label=settings.oidc_button_label if settings.oidc_enabled else "")
    response = render.page("sign_in.html", page, status=status, headers=headers)
    response.set_cookie(csrf.PRESESSION_COOKIE, nonce, max_age=86_400, httponly=True, samesite="lax",
                        secure=settings.https, path="/")
    return response


@public.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, settings: AppSettings,
                 next: Annotated[str | None, Query(max_length=2000)] = None) -> HTMLResponse:
    return _sign_in_page(request, settings, next_=local_path(next))


@public.post("/sign-in", response_class=HTMLResponse, dependencies=[Depends(clean_form)])
def sign_in(
    request: Request, session: DbSession, now: Now, settings: AppSettings,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=auth.PASSWORD_MAX)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    nonce = request.cookies.get(csrf.PRESESSION_COOKIE, "")
    if not nonce or not csrf.same(csrf_token, csrf.presession_token(settings.secret_key, nonce)):
        raise CsrfRefused("This sign-in form was not accepted: it did not come from this server's sign-in page "
                          "(or your browser refused its cookie). Reload the sign-in page and try again.")
    attempt = signin.Attempt(email=email, password=password, address=address_of(request),
                             user_agent=request.headers.get("user-agent", ""))
    result = signin.sign_in(session, attempt=attempt, now=now, lifetime=settings.session_lifetime,
                            idle=settings.session_idle)
    if result.secret is None:
        status, headers = (429, {"Retry-After": str(result.retry_after)}) if result.retry_after else (401, None)
        return _sign_in_page(request, settings, next_=local_path(next), email=email, problem=result.problem or "",
                             status=status, headers=headers)
    response = RedirectResponse(local_path(next), status_code=303)
    _session_cookie(response, settings, result.secret)
    response.delete_cookie(csrf.PRESESSION_COOKIE, path="/")
    return response


def _session_cookie(response: Response, settings, secret: str) -> None:
    response.set_cookie(sessions.COOKIE, secret, max_age=int(settings.session_lifetime.total_seconds()),
                        httponly=True, samesite="lax", secure=settings.https, path="/")


@public.get("/sign-in/oidc")
def oidc_start(settings: AppSettings, now: Now,
               next: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    """Send the browser to the single sign-on provider, remembering this sign-in's state in a cookie."""
    oidc.require(settings)
    url, flow = oidc.start(settings, next_=local_path(next), now=now)
    response = RedirectResponse(url, status_code=303)
    # Lax, so the provider's top-level redirect back carries it.
    response.set_cookie(oidc.COOKIE, oidc.seal(flow, settings.secret_key), max_age=oidc.FLOW_SECONDS,
                        httponly=True, samesite="lax", secure=settings.https, path="/sign-in/oidc")
    return response


@public.get("/sign-in/oidc/callback", response_class=HTMLResponse)
def oidc_callback(request: Request, session: DbSession, now: Now, settings: AppSettings,
                  code: Annotated[str, Query(max_length=4096)] = "",
                  state: Annotated[str, Query(max_length=512)] = "",
                  error: Annotated[str, Query(max_length=200)] = "") -> Response:
    """The provider's answer: a verified ID token for an allowed account starts a session; anything else
    shows the sign-in page with the reason, and is audited."""
    oidc.require(settings)
    address = address_of(request)
    try:
        if error or not code:
            raise oidc.Refused(f"The provider did not sign you in ({error or 'no code'}).")
        flow = oidc.unseal(request.cookies.get(oidc.COOKIE, ""), settings.secret_key, now=now)
        claims = oidc.finish(settings, flow=flow, state=state, code=code, now=now)
        user = oidc.user_for(session, settings, oidc.admit(settings, claims), now=now)
    except oidc.Refused as exc:
        signin.sso_refused(session, reason=str(exc), address=address, now=now)
        response = _sign_in_page(request, settings, next_="/", problem=str(exc), status=401)
        response.delete_cookie(oidc.COOKIE, path="/sign-in/oidc")
        return response
    secret = signin.sso_sign_in(session, user=user, address=address, user_agent=request.headers.get("user-agent", ""),
                                now=now, lifetime=settings.session_lifetime, idle=settings.session_idle,
                                subject=str(claims.get("sub", "")))
    response = RedirectResponse(flow.next or "/", status_code=303)
    _session_cookie(response, settings, secret)
    response.delete_cookie(oidc.COOKIE, path="/sign-in/oidc")
    return response


@router.post("/sign-out")
def sign_out(request: Request, viewer: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    signin.sign_out(session, secret=request.cookies.get(sessions.COOKIE, ""), address=address_of(request), now=now)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="lax", secure=settings.https)
    return response


def _users_page(session, viewer: Viewer, now: datetime, **extra) -> UsersPage:
    return UsersPage(viewer=viewer, users=auth.list_users(session), tokens=auth.list_tokens(session),
                     roles=[r.value for r in Role], now=now,
                     grantable={r.value: sorted(g.value for g in GRANTABLE[r]) for r in Role}, **extra)


@router.get("/users", response_class=HTMLResponse)
def users(viewer: PageAdmin, session: ReadSession, now: Now) -> HTMLResponse:
    return render.page("users.html", _users_page(session, viewer, now))


@router.post("/users", response_class=HTMLResponse)
def create_user(viewer: PageAdmin, session: DbSession, now: Now,
                email: Annotated[str, Form(min_length=3, max_length=254)],
                name: Annotated[str, Form(min_length=1, max_length=200)],
                role: Annotated[str, Form(max_length=20)]) -> HTMLResponse:
    user = auth.create_user(session, email=email, name=name.strip(), role=role, now=now, actor=viewer.actor)
    notice = (f"Added {user.email} ({user.role}). They sign in once a password is set: "
              f"codeblue user set-password {user.email}")
    return render.page("users.html", _users_page(session, viewer, now, notice=notice), status=201)


@router.post("/users/{user_id}/tokens", response_class=HTMLResponse)
def create_token(user_id: DbId, viewer: PageAdmin, session: DbSession, now: Now,
                 name: Annotated[str, Form(min_length=1, max_length=200)],
                 role: Annotated[str, Form(max_length=20)] = "") -> HTMLResponse:
    user = auth.require_user_by_id(session, user_id=user_id)
    token, secret = auth.create_token(session, user=user, role=role or None, name=name.strip(), now=now,
                                      actor=viewer.actor)
    page = _users_page(session, viewer, now, created_token=secret, created_token_for=f"{user.email} ({token.role})")
    return render.page("users.html", page, status=201)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: DbId, viewer: PageAdmin, session: DbSession, now: Now) -> Response:
    auth.revoke_token(session, token_id=token_id, now=now, actor=viewer.actor)
    return RedirectResponse("/users#tokens", status_code=303)
