"""The gateway's settings groups, listed once.

Each entry says, for one group of the ``settings`` table: its stored schema
(a ``gateway_config.Group``, whose defaults are the group's defaults), how
the management API shows it and takes it, where it goes in the config
snapshot, and what ``settings.json`` of an export holds for it. The settings
routes, the snapshot publisher and the export iterate ``GROUPS``, so adding a
group is one entry here (plus its proto field when followers need it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from google.protobuf.message import Message
from pydantic import BaseModel, Field, field_validator, model_validator

from omniroute.common.v1 import config_pb2
from omniroute.errors import BadRequest
from omniroute.runtime.crypto import SEALED_PREFIX
from services.admin import gateway_config as gc
from services.admin.schemas import SnakeModel

# Stored, body and view types of a group.
S = TypeVar("S", bound=gc.Group)
B = TypeVar("B")
V = TypeVar("V")
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
    """``{url, enabled}``, or the original OmniRoute's ``{level: "global",
    proxy: {type, host, port, username, password}}`` (``proxy: null``
    removes it). Its per-provider, combo and key levels have no equivalent:
    one proxy serves every provider call here."""

    url: str = Field("", max_length=2048, description="http:// or https://")
    enabled: bool = True

    @model_validator(mode="before")
    @classmethod
    def _original_body(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not {"level", "proxy"} & data.keys():
            return data
        level = data.get("level", "global")
        if level != "global":
            raise ValueError(
                f"level '{level}': only the global proxy exists here; one "
                "proxy serves every provider call"
            )
        return {"url": _url_of(data.get("proxy")), "enabled": True}

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


def _url_of(proxy: Any) -> str:
    if proxy is None:
        return ""
    if not isinstance(proxy, dict) or not proxy.get("host"):
        raise ValueError("proxy: give {type, host, port} or null to remove it")
    user = quote(str(proxy.get("username") or ""), safe="")
    password = quote(str(proxy.get("password") or ""), safe="")
    login = f"{user}:{password}@" if user or password else ""
    port = f":{proxy['port']}" if proxy.get("port") else ""
    host = str(proxy["host"])
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address, as a URL writes it
    return f"{proxy.get('type') or 'http'}://{login}{host}{port}"


class ProxyView(BaseModel):
    enabled: bool
    url: str = Field(description="Masked when it carries a password")
    configured: bool
    # The original OmniRoute's view by level; only the global one exists.
    global_proxy: dict[str, Any] | None = Field(serialization_alias="global")
    providers: dict[str, Any] = Field(default_factory=dict)
    combos: dict[str, Any] = Field(default_factory=dict)
    keys: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupRoutes(Generic[B]):
    """``GET`` and ``PUT /api/settings/{path}`` of one group."""

    path: str
    get_doc: str
    put_doc: str
    # A rule of the PUT route beyond the schema's (raises BadRequest).
    check: Callable[[B], None] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SettingsGroup(Generic[S, B, V]):
    """One settings group: stored as ``schema``, shown as ``view``, taken as
    ``body``; ``secret`` is admin's sealing key (the proxy URL is sealed)."""

    # Its name in /api/settings bodies and answers, and in settings.json.
    field: str
    schema: type[S]
    body: type[B]
    view: type[V]
    show: Callable[[S, bytes], V]
    # The stored value after a PUT of ``body`` over the current one.
    take: Callable[[B, S, bytes], S]
    # What the audit log records of a PUT (no secrets).
    audit: Callable[[B], Any]
    export: Callable[[S, bytes], Any]
    # Where it goes in ``ConfigSnapshot`` ("settings.cache"), and as what;
    # empty for groups only admin reads.
    snapshot_field: str = ""
    proto: Callable[[S, bytes], Message | str] | None = None
    # Part of GET/PUT /api/settings.
    in_settings: bool = False
    routes: GroupRoutes[B] | None = None

    @property
    def key(self) -> str:
        """Its row in the ``settings`` table."""
        return self.schema.KEY

    def publish(
        self, value: S, snapshot: config_pb2.ConfigSnapshot, secret: bytes
    ) -> None:
        """Writes ``value`` into its field of ``snapshot``."""
        if self.proto is None:
            return
        *parents, name = self.snapshot_field.split(".")
        message: Message = snapshot
        for parent in parents:
            message = getattr(message, parent)
        proto = self.proto(value, secret)
        if isinstance(proto, Message):
            getattr(message, name).CopyFrom(proto)
        else:
            setattr(message, name, proto)


def _stored(
    schema: type[S],
    *,
    snapshot_field: str,
    proto: Callable[[S], Message],
    routes: GroupRoutes[S] | None = None,
    in_settings: bool = False,
) -> SettingsGroup[S, S, S]:
    """A group whose API body and answer are its stored schema."""
    return SettingsGroup(
        field=schema.KEY,
        schema=schema,
        body=schema,
        view=schema,
        show=lambda value, _secret: value,
        take=lambda body, _current, _secret: body,
        audit=lambda body: body.model_dump(mode="json"),
        export=lambda value, _secret: value.model_dump(),
        snapshot_field=snapshot_field,
        proto=lambda value, _secret: proto(value),
        in_settings=in_settings,
        routes=routes,
    )


def _check_thinking_budget(body: gc.ThinkingBudgetConfig) -> None:
    if body.mode == "custom" and body.custom_budget < 1:
        raise BadRequest(
            "custom_budget: must be at least 1 in custom mode", param="custom_budget"
        )


def _show_proxy(proxy: gc.ProxyConfig, secret: bytes) -> ProxyView:
    url = proxy.url(secret)
    parts = urlsplit(url)
    shown = (
        {"type": parts.scheme, "host": parts.hostname, "port": parts.port}
        | ({"username": unquote(parts.username)} if parts.username else {})
        if url and proxy.enabled
        else None
    )
    return ProxyView(
        enabled=proxy.enabled,
        url=mask_url(url),
        configured=bool(url),
        global_proxy=shown,
    )


def take_proxy(body: ProxyIn, current: gc.ProxyConfig, secret: bytes) -> gc.ProxyConfig:
    """The proxy to store for ``body``, sealed."""
    url = body.url
    stored = current.url(secret)
    # The dashboard sends back what it was shown: a masked URL keeps the
    # stored one (and its password).
    if url and stored and url == mask_url(stored):
        url = stored
    return gc.ProxyConfig.sealed(secret, url, body.enabled)


def _take_require_login(
    body: bool, current: gc.AuthConfig, _secret: bytes
) -> gc.AuthConfig:
    return current.model_copy(update={"require_login": body})


# Order: GET /api/settings answers its groups in this order.
GROUPS: tuple[SettingsGroup[Any, Any, Any], ...] = (
    # Only the switch of the login state is a setting; the password hash is
    # never shown (its routes are in routes/auth.py).
    SettingsGroup(
        field="require_login",
        schema=gc.AuthConfig,
        body=bool,
        view=bool,
        show=lambda auth, _secret: auth.require_login,
        take=_take_require_login,
        audit=lambda body: body,
        export=lambda auth, _secret: auth.require_login,
        in_settings=True,
    ),
    _stored(
        gc.IpFilterConfig,
        snapshot_field="settings.ip_filter",
        proto=gc.IpFilterConfig.to_proto,
        in_settings=True,
        routes=GroupRoutes(
            path="/ip-filter",
            get_doc="Who may call the gateway (the edge enforces it).",
            put_doc="Replaces the IP filter; every entry must be an address or "
            "CIDR range.",
        ),
    ),
    _stored(
        gc.SystemPromptConfig,
        snapshot_field="settings.system_prompt",
        proto=gc.SystemPromptConfig.to_proto,
        in_settings=True,
        routes=GroupRoutes(
            path="/system-prompt",
            get_doc="Text added around every chat request's system prompt.",
            put_doc="Replaces the global system prompt.",
        ),
    ),
    _stored(
        gc.ThinkingBudgetConfig,
        snapshot_field="settings.thinking_budget",
        proto=gc.ThinkingBudgetConfig.to_proto,
        in_settings=True,
        routes=GroupRoutes(
            path="/thinking-budget",
            get_doc="What the gateway does with reasoning budgets.",
            put_doc="Replaces the thinking-budget policy.",
            check=_check_thinking_budget,
        ),
    ),
    _stored(
        gc.CacheConfig,
        snapshot_field="settings.cache",
        proto=gc.CacheConfig.to_proto,
        in_settings=True,
        routes=GroupRoutes(
            path="/cache",
            get_doc="Response cache switches.",
            put_doc="Replaces the cache settings.",
        ),
    ),
    # Routes in routes/routing.py (PUT checks the combos' depth).
    _stored(
        gc.RoutingConfig,
        snapshot_field="routing",
        proto=gc.RoutingConfig.to_proto,
    ),
    # Routes in routes/resilience.py (next to the live breaker state).
    _stored(
        gc.ResilienceConfig,
        snapshot_field="resilience",
        proto=lambda value: value.resilience().to_settings(),
    ),
    # The URL may carry a password: stored and published sealed, shown
    # masked; executors unseal it.
    SettingsGroup(
        field="proxy",
        schema=gc.ProxyConfig,
        body=ProxyIn,
        view=ProxyView,
        show=_show_proxy,
        take=take_proxy,
        audit=lambda body: {"url": mask_url(body.url), "enabled": body.enabled},
        export=lambda proxy, secret: {
            "enabled": proxy.enabled,
            "url": mask_url(proxy.url(secret)),
        },
        snapshot_field="settings.upstream_proxy",
        # Sealed in the snapshot too (it rests in Redis and its AOF): as
        # stored, so the snapshot changes only when the proxy does.
        proto=lambda proxy, secret: (
            SEALED_PREFIX + proxy.sealed_url if proxy.active_url(secret) else ""
        ),
        in_settings=True,
        routes=GroupRoutes(
            path="/proxy",
            get_doc="The outbound proxy of provider calls (password masked).",
            put_doc="Sets the outbound proxy; an empty ``url`` removes it.",
        ),
    ),
)
