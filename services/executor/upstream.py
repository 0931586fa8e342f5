"""The HTTP session every provider call of an executor goes through.

One pooled aiohttp session per process; when the gateway settings name an
outbound proxy (``PUT /api/settings`` → ``upstream_proxy``), every call is
sent through it, from the next configuration snapshot on.

Every call obeys the outbound policy (``omniroute/outbound_policy.py``),
whatever was stored: a literal host or proxy at a refused address fails
before connecting, and the resolver drops refused addresses from what a
name resolves to, so a name pointed at a metadata address later (DNS
rebinding) cannot reach it either. Either is an ``aiohttp.ClientError``:
the call fails like an unreachable provider, and the plan falls back.
"""

from __future__ import annotations

import ipaddress
import socket
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from omniroute import outbound_policy
from omniroute.common.v1 import config_pb2
from omniroute.netaddr import IPAddress
from omniroute.runtime.crypto import unseal_text
from services.executor.settings import ExecutorSettings


class UpstreamSession:
    def __init__(self, session: aiohttp.ClientSession, secret: bytes = b"") -> None:
        self._session = session
        self._secret = secret
        self.proxy: str | None = None

    def configure(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        # Published sealed: the URL may carry the proxy's password.
        sealed = snapshot.settings.upstream_proxy
        self.proxy = unseal_text(self._secret, sealed) if sealed else None

    def post(
        self, url: str, **kwargs: Any
    ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        return self.request("POST", url, **kwargs)

    def request(
        self, method: str, url: str, **kwargs: Any
    ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        _refuse_literal(url)
        if self.proxy:
            _refuse_literal(self.proxy)
        return self._session.request(method, url, proxy=self.proxy, **kwargs)

    async def close(self) -> None:
        await self._session.close()


class RefusedAddress(aiohttp.ClientConnectionError):
    """A call the outbound policy does not allow."""


def _refuse_literal(url: str) -> None:
    host = urlsplit(url).hostname or ""
    reason = outbound_policy.host_refusal(host)
    if reason is not None:
        raise RefusedAddress(
            f"{reason}: the outbound policy refuses it "
            "(ALLOW_PRIVATE_PROVIDER_URLS lifts it)"
        )


class GuardedResolver(AbstractResolver):
    """The default resolver, without the addresses the policy refuses."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        allowed = [
            r
            for r in found
            if outbound_policy.address_refusal(_address(r["host"])) is None
        ]
        if found and not allowed:
            raise RefusedAddress(
                f"{host} resolves to {found[0]['host']}, which the outbound "
                "policy refuses (ALLOW_PRIVATE_PROVIDER_URLS lifts it)"
            )
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def _address(text: str) -> IPAddress:
    return ipaddress.ip_address(text.split("%", 1)[0])


def upstream_session(settings: ExecutorSettings) -> UpstreamSession:
    """One pooled session for every upstream call of this process."""
    outbound_policy.configure(settings.allow_private_provider_urls)
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(),
        limit=settings.concurrency * 2,
        limit_per_host=0,
        ttl_dns_cache=300,
        keepalive_timeout=30,
    )
    return UpstreamSession(
        aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=settings.connect_timeout_s
            ),
            # aiohttp inflates incrementally, so a compressed stream still
            # arrives chunk by chunk.
            auto_decompress=True,
            skip_auto_headers=("User-Agent",),
            headers={"User-Agent": "OmniRoute/0.1"},
        ),
        settings.secret,
    )
