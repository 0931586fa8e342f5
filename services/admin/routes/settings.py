"""``/api/settings``: gateway settings, all at once or one group at a time.

Each group is stored in the ``settings`` table and travels in the snapshot:
the edge applies the IP filter, system prompt and thinking budget, the cache
service the cache switches, the executor the upstream proxy. The groups, the
bodies of ``/api/settings`` and the per-group routes come from
``services.admin.settings_groups``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, create_model
from sqlalchemy import select

from omniroute.errors import BadRequest
from services.admin import gateway_config as gc
from services.admin import outbound
from services.admin.audit import change
from services.admin.auth import Admin
from services.admin.context import AdminContext, Ctx
from services.admin.db.models import Provider
from services.admin.schemas import CamelModel, SnakeModel, with_camel_twins
from services.admin.settings_groups import (
    GROUPS,
    GroupRoutes,
    ProxyIn,
    SettingsGroup,
    mask_url,
    take_proxy,
)

router = APIRouter(prefix="/api/settings", tags=["settings"])
_IN_SETTINGS = tuple(g for g in GROUPS if g.in_settings)

# Built from the registry, so a new group joins them; mypy sees BaseModel
# (it cannot know the fields of a model made at run time).
if TYPE_CHECKING:
    SettingsView = BaseModel
    SettingsIn = BaseModel
else:
    SettingsView = create_model(
        "SettingsView", **{g.field: (g.view, ...) for g in _IN_SETTINGS}
    )
    SettingsIn = create_model(
        "SettingsIn",
        __base__=SnakeModel,
        __doc__="Groups to replace; groups left out keep their values.",
        **{g.field: (g.body | None, None) for g in _IN_SETTINGS},
    )


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


async def _view(ctx: AdminContext) -> dict[str, Any]:
    """The groups, plus the original OmniRoute's flat camelCase names for
    them (``requireLogin``) and ``hasPassword``."""
    secret = ctx.settings.secret
    async with ctx.sessions() as session:
        view = SettingsView(
            **{
                g.field: g.show(await gc.load(session, g.schema), secret)
                for g in _IN_SETTINGS
            }
        )
        auth = await gc.load(session, gc.AuthConfig)
    shown = view.model_dump(mode="json", by_alias=True)
    return dict(with_camel_twins(shown)) | {"hasPassword": bool(auth.password_hash)}


@router.get("", response_model=None)
async def get_settings(ctx: Ctx, _: Admin) -> dict[str, Any]:
    """Every gateway setting, by group."""
    return await _view(ctx)


@router.patch("", response_model=None)
@router.put("", response_model=None)
async def put_settings(ctx: Ctx, body: SettingsIn, actor: Admin) -> dict[str, Any]:
    """Replaces the groups present in the body, in one change (PATCH, the
    original's verb, does the same). Group names may be camelCase."""
    given = [
        (g, value)
        for g in _IN_SETTINGS
        if (value := getattr(body, g.field)) is not None
    ]
    details = {g.field: g.audit(value) for g, value in given}
    secret = ctx.settings.secret
    async with change(ctx, actor, "settings.update", "settings", details) as c:
        for group, value in given:
            current = await gc.load(c.session, group.schema)
            await gc.save(c.session, group.take(value, current, secret))
    return await _view(ctx)


def _with_original_names(view: Any) -> JSONResponse:
    """The group's view with camelCase twins (``customBudget``), as the
    original OmniRoute's callers read it. A response, so FastAPI keeps the
    view as the documented model without filtering the twins out."""
    return JSONResponse(with_camel_twins(jsonable_encoder(view, by_alias=True)))


def _add_routes(group: SettingsGroup[Any, Any, Any], routes: GroupRoutes[Any]) -> None:
    async def get_group(ctx: Ctx, _: Admin) -> Any:
        async with ctx.sessions() as session:
            value = await gc.load(session, group.schema)
        return _with_original_names(group.show(value, ctx.settings.secret))

    async def put_group(ctx: Ctx, body: Any, actor: Admin) -> Any:
        if routes.check is not None:
            routes.check(body)
        action = f"settings.{group.key}.update"
        async with change(ctx, actor, action, group.key, group.audit(body)) as c:
            current = await gc.load(c.session, group.schema)
            value = group.take(body, current, ctx.settings.secret)
            await gc.save(c.session, value)
        return _with_original_names(group.show(value, ctx.settings.secret))

    # FastAPI reads the body's type from the signature; it is the group's.
    put_group.__annotations__["body"] = group.body
    for method, endpoint, doc in (
        ("GET", get_group, routes.get_doc),
        ("PUT", put_group, routes.put_doc),
    ):
        router.add_api_route(
            routes.path,
            endpoint,
            methods=[method],
            name=f"{method.lower()}_{group.field}",
            description=doc,
            response_model=group.view,
        )


def _add_group_routes() -> None:
    for group in GROUPS:
        if group.routes is not None:
            _add_routes(group, group.routes)


_add_group_routes()


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
        take_proxy(body.proxy, stored, ctx.settings.secret).url(ctx.settings.secret)
        if body.proxy is not None
        else stored.url(ctx.settings.secret)
    )
    if not proxy:
        raise BadRequest("proxy: no proxy is configured or given", param="proxy")
    target = (body.url or (first.base_url if first else "")).strip()
    if not target:
        raise BadRequest("url: no target given and no provider configured", param="url")
    await outbound.check_url(target, "url")
    await outbound.check_url(
        urlunsplit(urlsplit(proxy)._replace(scheme="http")), "proxy"
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
