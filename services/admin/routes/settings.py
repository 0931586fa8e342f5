"""``/api/settings``: gateway settings, all at once or one group at a time.

Each group is stored in the ``settings`` table and travels in the snapshot:
the edge applies the IP filter, system prompt and thinking budget, the cache
service the cache switches, the executor the upstream proxy.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from omniroute.errors import BadRequest
from services.admin import gateway_config as gc
from services.admin import outbound
from services.admin.audit import change
from services.admin.auth import Admin
from services.admin.context import AdminContext, Ctx
from services.admin.db.models import Provider
from services.admin.schemas import CamelModel, SnakeModel

router = APIRouter(prefix="/api/settings", tags=["settings"])
G = TypeVar("G", bound=gc.Group)
# What the executors' HTTP client can send provider calls through.
_PROXY_SCHEMES = ("http", "https")


def mask_url(url: str) -> str:
    """The URL with its password replaced, for display."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:****@{host}"))


class ProxyIn(SnakeModel):
    url: str = Field("", max_length=2048, description="http:// or https://")
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError:
            raise ValueError("not a valid URL") from None
        if parts.scheme not in _PROXY_SCHEMES or not parts.hostname:
            raise ValueError(
                "must be an http:// or https:// proxy URL with a host "
                "(SOCKS proxies are not supported)"
            )
        return value


class ProxyView(BaseModel):
    enabled: bool
    url: str = Field(description="Masked when it carries a password")
    configured: bool


class SettingsView(BaseModel):
    require_login: bool
    ip_filter: gc.IpFilterConfig
    system_prompt: gc.SystemPromptConfig
    thinking_budget: gc.ThinkingBudgetConfig
    cache: gc.CacheConfig
    proxy: ProxyView


class SettingsIn(SnakeModel):
    """Groups to replace; groups left out keep their values."""

    require_login: bool | None = None
    ip_filter: gc.IpFilterConfig | None = None
    system_prompt: gc.SystemPromptConfig | None = None
    thinking_budget: gc.ThinkingBudgetConfig | None = None
    cache: gc.CacheConfig | None = None
    proxy: ProxyIn | None = None


class ProxyTestIn(SnakeModel):
    url: str | None = Field(
        None,
        max_length=2048,
        description="Where to send the test; default the first provider's base URL",
    )
    proxy: ProxyIn | None = Field(
        None, description="Test this proxy instead of the stored one"
    )


class ProxyTestOut(CamelModel):
    ok: bool
    status: int
    latency_ms: float
    error: str = ""
    target: str
    via: str = Field(description="The proxy used (masked)")


def _proxy_view(ctx: AdminContext, proxy: gc.ProxyConfig) -> ProxyView:
    url = proxy.url(ctx.settings.secret)
    return ProxyView(enabled=proxy.enabled, url=mask_url(url), configured=bool(url))


def _proxy_config(
    ctx: AdminContext, body: ProxyIn, current: gc.ProxyConfig
) -> gc.ProxyConfig:
    url = body.url
    stored = current.url(ctx.settings.secret)
    # The dashboard sends back what it was shown: a masked URL keeps the
    # stored one (and its password).
    if url and stored and url == mask_url(stored):
        url = stored
    return gc.ProxyConfig.sealed(ctx.settings.secret, url, body.enabled)


async def _view(ctx: AdminContext) -> SettingsView:
    async with ctx.sessions() as session:
        auth = await gc.load(session, gc.AuthConfig)
        return SettingsView(
            require_login=auth.require_login,
            ip_filter=await gc.load(session, gc.IpFilterConfig),
            system_prompt=await gc.load(session, gc.SystemPromptConfig),
            thinking_budget=await gc.load(session, gc.ThinkingBudgetConfig),
            cache=await gc.load(session, gc.CacheConfig),
            proxy=_proxy_view(ctx, await gc.load(session, gc.ProxyConfig)),
        )


@router.get("")
async def get_settings(ctx: Ctx, _: Admin) -> SettingsView:
    """Every gateway setting."""
    return await _view(ctx)


@router.put("")
async def put_settings(ctx: Ctx, body: SettingsIn, actor: Admin) -> SettingsView:
    """Replaces the groups present in the body, in one change."""
    details = body.model_dump(mode="json", exclude_none=True)
    if body.proxy is not None:
        details["proxy"] = {
            "url": mask_url(body.proxy.url),
            "enabled": body.proxy.enabled,
        }
    async with change(ctx, actor, "settings.update", "settings", details) as c:
        for group in (
            body.ip_filter,
            body.system_prompt,
            body.thinking_budget,
            body.cache,
        ):
            if group is not None:
                await gc.save(c.session, group)
        if body.proxy is not None:
            current = await gc.load(c.session, gc.ProxyConfig)
            await gc.save(c.session, _proxy_config(ctx, body.proxy, current))
        if body.require_login is not None:
            auth = await gc.load(c.session, gc.AuthConfig)
            auth.require_login = body.require_login
            await gc.save(c.session, auth)
    return await _view(ctx)


async def _get(ctx: AdminContext, group: type[G]) -> G:
    async with ctx.sessions() as session:
        return await gc.load(session, group)


async def _put(ctx: AdminContext, actor: Any, value: G) -> G:
    async with change(
        ctx,
        actor,
        f"settings.{value.KEY}.update",
        value.KEY,
        value.model_dump(mode="json"),
    ) as c:
        await gc.save(c.session, value)
    return value


@router.get("/ip-filter")
async def get_ip_filter(ctx: Ctx, _: Admin) -> gc.IpFilterConfig:
    """Who may call the gateway (the edge enforces it)."""
    return await _get(ctx, gc.IpFilterConfig)


@router.put("/ip-filter")
async def put_ip_filter(
    ctx: Ctx, body: gc.IpFilterConfig, actor: Admin
) -> gc.IpFilterConfig:
    """Replaces the IP filter; every entry must be an address or CIDR range."""
    return await _put(ctx, actor, body)


@router.get("/system-prompt")
async def get_system_prompt(ctx: Ctx, _: Admin) -> gc.SystemPromptConfig:
    """Text added around every chat request's system prompt."""
    return await _get(ctx, gc.SystemPromptConfig)


@router.put("/system-prompt")
async def put_system_prompt(
    ctx: Ctx, body: gc.SystemPromptConfig, actor: Admin
) -> gc.SystemPromptConfig:
    """Replaces the global system prompt."""
    return await _put(ctx, actor, body)


@router.get("/thinking-budget")
async def get_thinking_budget(ctx: Ctx, _: Admin) -> gc.ThinkingBudgetConfig:
    """What the gateway does with reasoning budgets."""
    return await _get(ctx, gc.ThinkingBudgetConfig)


@router.put("/thinking-budget")
async def put_thinking_budget(
    ctx: Ctx, body: gc.ThinkingBudgetConfig, actor: Admin
) -> gc.ThinkingBudgetConfig:
    """Replaces the thinking-budget policy."""
    if body.mode == "custom" and body.custom_budget < 1:
        raise BadRequest(
            "custom_budget: must be at least 1 in custom mode", param="custom_budget"
        )
    return await _put(ctx, actor, body)


@router.get("/cache")
async def get_cache(ctx: Ctx, _: Admin) -> gc.CacheConfig:
    """Response cache switches."""
    return await _get(ctx, gc.CacheConfig)


@router.put("/cache")
async def put_cache(ctx: Ctx, body: gc.CacheConfig, actor: Admin) -> gc.CacheConfig:
    """Replaces the cache settings."""
    return await _put(ctx, actor, body)


@router.get("/proxy")
async def get_proxy(ctx: Ctx, _: Admin) -> ProxyView:
    """The outbound proxy of provider calls (password masked)."""
    return _proxy_view(ctx, await _get(ctx, gc.ProxyConfig))


@router.put("/proxy")
async def put_proxy(ctx: Ctx, body: ProxyIn, actor: Admin) -> ProxyView:
    """Sets the outbound proxy; an empty ``url`` removes it."""
    details = {"url": mask_url(body.url), "enabled": body.enabled}
    async with change(ctx, actor, "settings.proxy.update", "proxy", details) as c:
        current = await gc.load(c.session, gc.ProxyConfig)
        config = _proxy_config(ctx, body, current)
        await gc.save(c.session, config)
    return _proxy_view(ctx, config)


@router.post("/proxy/test")
async def test_proxy(
    ctx: Ctx, _: Admin, body: ProxyTestIn | None = None
) -> ProxyTestOut:
    """A real request through the proxy (the stored one, or ``proxy``) to
    ``url`` (default: the first provider's base URL). Any HTTP answer means
    the proxy works; ``status`` says what the target answered."""
    body = body or ProxyTestIn()
    async with ctx.sessions() as session:
        stored = await gc.load(session, gc.ProxyConfig)
        first = await session.scalar(
            select(Provider).where(Provider.base_url != "").order_by(Provider.id)
        )
    proxy = (
        _proxy_config(ctx, body.proxy, stored).url(ctx.settings.secret)
        if body.proxy is not None
        else stored.url(ctx.settings.secret)
    )
    if not proxy:
        raise BadRequest("proxy: no proxy is configured or given", param="proxy")
    target = (body.url or (first.base_url if first else "")).strip()
    if not target:
        raise BadRequest("url: no target given and no provider configured", param="url")
    allow = ctx.settings.allow_private_provider_urls
    await outbound.check_url(target, allow, "url")
    await outbound.check_url(
        urlunsplit(urlsplit(proxy)._replace(scheme="http")), allow, "proxy"
    )
    started = time.perf_counter()
    try:
        async with outbound.client(ctx.settings.probe_timeout_s, proxy) as http:
            response = await http.get(target)
    except (httpx.HTTPError, ImportError, ValueError) as exc:
        return ProxyTestOut(
            ok=False,
            status=0,
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            error=f"{exc.__class__.__name__}: {exc}"[:300],
            target=target,
            via=mask_url(proxy),
        )
    # 407: the proxy refused our credentials; 502/504: it could not reach
    # the target. Any other answer came from the target, through the proxy.
    failed = response.status_code in (407, 502, 504)
    return ProxyTestOut(
        ok=not failed,
        status=response.status_code,
        error=f"the proxy answered HTTP {response.status_code}" if failed else "",
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
        target=target,
        via=mask_url(proxy),
    )
