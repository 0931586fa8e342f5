"""``/api/auth/*`` and ``/api/settings/require-login``: the dashboard login.

The password is stored as a scrypt hash in the settings table. On first run
(no hash yet) ``INITIAL_PASSWORD`` is accepted and then stored hashed;
``mustChangePassword`` stays true until it is changed. Failed attempts are
counted before the password is checked, per client address and for the account,
or for a browser that logged in before per its signed device cookie
(``login_guard.py``, shared through Redis), and lock it out for a while (429).
The client address is the peer, or what the edge signs (``client_address``).
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import timedelta

from fastapi import APIRouter, Request, Response
from pydantic import Field
from redis.exceptions import RedisError

from omniroute.errors import (
    BadRequest,
    Forbidden,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from omniroute.runtime.crypto import device_of, new_device_token
from services.admin import gateway_config as gc
from services.admin import logins
from services.admin.audit import change, record
from services.admin.auth import COOKIE, Actor, Admin, Anyone, identify
from services.admin.context import AdminContext, Ctx
from services.admin.login_guard import ACCOUNT, DEVICE, Attempt
from services.admin.passwords import hash_password, verify_password
from services.admin.schemas import CamelModel

router = APIRouter(tags=["auth"])
MIN_PASSWORD = 8
# Set on a browser that logs in, so the login guard knows it next time.
DEVICE_COOKIE = "omniroute_device"
DEVICE_COOKIE_DAYS = 180


class LoginIn(CamelModel):
    password: str = Field(max_length=1024)


class AuthStatus(CamelModel):
    authenticated: bool
    via: str | None = Field(None, description="'session', 'api_key' or None")
    require_login: bool
    password_set: bool
    must_change_password: bool | None = Field(
        None, description="Only told to an authenticated caller"
    )


class PasswordIn(CamelModel):
    current: str | None = Field(
        None, max_length=1024, description="Not needed with an admin API key"
    )
    new: str = Field(min_length=MIN_PASSWORD, max_length=1024)


class RequireLogin(CamelModel):
    require_login: bool
    password_set: bool = False


def _cookie_secure(ctx: AdminContext, request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip()
    return (
        ctx.settings.auth_cookie_secure
        or request.url.scheme == "https"
        or forwarded.lower() == "https"
    )


def _set_cookie(
    ctx: AdminContext, request: Request, response: Response, token: str
) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=ctx.settings.login_session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_cookie_secure(ctx, request),
    )


def _password_set(ctx: AdminContext, auth: gc.AuthConfig) -> bool:
    return bool(auth.password_hash or ctx.settings.initial_password)


async def _check_password(
    ctx: AdminContext, auth: gc.AuthConfig, password: str
) -> tuple[bool, bool]:
    """(matches, matched the initial password with no stored hash yet)."""
    if auth.password_hash:
        ok = await asyncio.to_thread(verify_password, password, auth.password_hash)
        return ok, False
    initial = ctx.settings.initial_password
    if initial is None:
        return False, False
    matches = hmac.compare_digest(
        password.encode(), initial.get_secret_value().encode()
    )
    return matches, matches


def _device(ctx: AdminContext, request: Request) -> str | None:
    """The device id of a browser that logged in before, if it says one."""
    return device_of(ctx.settings.secret, request.cookies.get(DEVICE_COOKIE))


def _remember_device(ctx: AdminContext, request: Request, response: Response) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        new_device_token(ctx.settings.secret),
        max_age=DEVICE_COOKIE_DAYS * 86400,
        path="/api/auth",
        httponly=True,
        samesite="strict",
        secure=_cookie_secure(ctx, request),
    )


async def _guard(
    ctx: AdminContext, actor: Actor, action: str, device: str | None
) -> Attempt:
    """Counts a password attempt before it is checked; 429 when locked."""
    try:
        attempt = await ctx.login_guard.attempt(actor.ip, device)
    except (RedisError, OSError):
        raise Unavailable(
            "the login limiter is unreachable (Redis); try again shortly",
            retry_after=2,
        ) from None
    if attempt.locked:
        await record(ctx, actor, action, "dashboard", {"locked": attempt.who})
        raise _locked_out(attempt.who, attempt.retry_after)
    return attempt


def _locked_out(who: str, wait: int) -> RateLimited:
    if who == ACCOUNT:
        whom = "on this account from browsers not signed in before"
    elif who.startswith(DEVICE):
        whom = "from this browser"
    else:
        whom = f"from {who}"
    return RateLimited(
        f"too many failed attempts {whom}; try again in {wait} s",
        code="login_locked",
        retry_after=wait,
    )


async def _failed(
    ctx: AdminContext, actor: Actor, action: str, attempt: Attempt
) -> None:
    """Records a wrong password; 429 when it was the last try."""
    await record(ctx, actor, action, "dashboard", {"last_try": attempt.last})
    if attempt.last:
        raise _locked_out(attempt.who, attempt.retry_after)


@router.post("/api/auth/login")
async def login(
    ctx: Ctx, request: Request, response: Response, body: LoginIn, actor: Anyone
) -> AuthStatus:
    """Checks the password and sets the ``auth_token`` cookie (HttpOnly,
    SameSite=Lax, Secure over https)."""
    async with ctx.sessions() as session:
        auth = await gc.load(session, gc.AuthConfig)
    if not _password_set(ctx, auth):
        raise Forbidden(
            "no dashboard password is set: start admin with INITIAL_PASSWORD, or "
            "set one with PUT /api/auth/password and an admin API key",
            code="needs_setup",
        )
    device = _device(ctx, request)
    attempt = await _guard(ctx, actor, "auth.login.locked", device)
    matches, first_run = await _check_password(ctx, auth, body.password)
    if not matches:
        await _failed(ctx, actor, "auth.login.failed", attempt)
        raise Unauthorized("wrong password", code="invalid_password")
    await ctx.login_guard.succeeded(actor.ip, device)
    session_actor = Actor("session", "", actor.ip)
    async with change(
        ctx, session_actor, "auth.login", "dashboard", publish=False
    ) as c:
        if first_run:
            auth.password_hash = await asyncio.to_thread(hash_password, body.password)
            auth.password_is_initial = True
            await gc.save(c.session, auth)
        token = await logins.create(
            c.session, actor.ip, timedelta(hours=ctx.settings.login_session_hours)
        )
    _set_cookie(ctx, request, response, token)
    if device is None:
        _remember_device(ctx, request, response)
    return AuthStatus(
        authenticated=True,
        via="session",
        require_login=auth.require_login,
        password_set=True,
        must_change_password=auth.password_is_initial,
    )


@router.post("/api/auth/logout")
async def logout(ctx: Ctx, request: Request, response: Response) -> AuthStatus:
    """Ends the dashboard session and clears the cookie."""
    token = request.cookies.get(COOKIE)
    ip = ctx.client_ip(request)
    if token:
        async with change(
            ctx, Actor("session", "", ip), "auth.logout", "dashboard", publish=False
        ) as c:
            await logins.revoke(c.session, token)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    async with ctx.sessions() as session:
        auth = await gc.load(session, gc.AuthConfig)
    return AuthStatus(
        authenticated=False,
        require_login=auth.require_login,
        password_set=_password_set(ctx, auth),
    )


@router.get("/api/auth/status")
async def status(ctx: Ctx, request: Request) -> AuthStatus:
    """Whether the caller is signed in (public: the dashboard asks it first)."""
    try:
        actor = await identify(request)
    except (Unauthorized, Forbidden):
        actor = None
    async with ctx.sessions() as session:
        auth = await gc.load(session, gc.AuthConfig)
    signed_in = actor is not None
    return AuthStatus(
        authenticated=signed_in,
        via=actor.kind if actor else None,
        require_login=auth.require_login,
        password_set=_password_set(ctx, auth),
        must_change_password=_must_change(ctx, auth) if signed_in else None,
    )


def _must_change(ctx: AdminContext, auth: gc.AuthConfig) -> bool:
    return auth.password_is_initial or (
        not auth.password_hash and ctx.settings.initial_password is not None
    )


@router.put("/api/auth/password")
async def change_password(
    ctx: Ctx, request: Request, response: Response, body: PasswordIn, actor: Admin
) -> AuthStatus:
    """Changes the dashboard password and ends every other dashboard session.

    ``current`` is required when a password exists, except with an admin API
    key (the recovery path when the password is lost).
    """
    async with ctx.sessions() as session:
        auth = await gc.load(session, gc.AuthConfig)
    if _password_set(ctx, auth) and actor.kind != "api_key":
        if not body.current:
            raise BadRequest(
                "current: the current password is required", param="current"
            )
        device = _device(ctx, request)
        attempt = await _guard(ctx, actor, "auth.password.locked", device)
        matches, _ = await _check_password(ctx, auth, body.current)
        if not matches:
            await _failed(ctx, actor, "auth.password.failed", attempt)
            raise Unauthorized("current: wrong password", code="invalid_password")
        await ctx.login_guard.succeeded(actor.ip, device)
    if body.current is not None and body.new == body.current:
        raise BadRequest("new: must differ from the current password", param="new")
    initial = ctx.settings.initial_password
    if initial is not None and body.new == initial.get_secret_value():
        raise BadRequest("new: must differ from INITIAL_PASSWORD", param="new")
    auth.password_hash = await asyncio.to_thread(hash_password, body.new)
    auth.password_is_initial = False
    async with change(
        ctx, actor, "auth.password.change", "dashboard", publish=False
    ) as c:
        await gc.save(c.session, auth)
        await logins.revoke_all(c.session)
        token = None
        if actor.kind == "session":
            token = await logins.create(
                c.session, actor.ip, timedelta(hours=ctx.settings.login_session_hours)
            )
    if token:
        _set_cookie(ctx, request, response, token)
    return AuthStatus(
        authenticated=True,
        via=actor.kind,
        require_login=auth.require_login,
        password_set=True,
        must_change_password=False,
    )


@router.get("/api/settings/require-login")
async def get_require_login(ctx: Ctx) -> RequireLogin:
    """Whether management calls need a login (public)."""
    async with ctx.sessions() as session:
        auth = await gc.load(session, gc.AuthConfig)
    return RequireLogin(
        require_login=auth.require_login, password_set=_password_set(ctx, auth)
    )


@router.put("/api/settings/require-login")
async def put_require_login(ctx: Ctx, body: RequireLogin, actor: Admin) -> RequireLogin:
    """Turns the login requirement on or off (off: the management API is open
    to anyone who can reach it; keep admin on a private network then)."""
    async with change(
        ctx,
        actor,
        "settings.require_login.update",
        "require_login",
        {"require_login": body.require_login},
        publish=False,
    ) as c:
        auth = await gc.load(c.session, gc.AuthConfig)
        auth.require_login = body.require_login
        await gc.save(c.session, auth)
    return RequireLogin(
        require_login=body.require_login, password_set=_password_set(ctx, auth)
    )
