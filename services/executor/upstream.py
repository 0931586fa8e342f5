"""The HTTP session every provider call of an executor goes through.

One pooled aiohttp session per process; when the gateway settings name an
outbound proxy (``PUT /api/settings`` → ``upstream_proxy``), every call is
sent through it, from the next configuration snapshot on.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import aiohttp

from omniroute.common.v1 import config_pb2
from services.executor.settings import ExecutorSettings


class UpstreamSession:
    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session
        self.proxy: str | None = None

    def configure(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        self.proxy = snapshot.settings.upstream_proxy or None

    def post(
        self, url: str, **kwargs: Any
    ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        return self._session.post(url, proxy=self.proxy, **kwargs)

    def request(
        self, method: str, url: str, **kwargs: Any
    ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        return self._session.request(method, url, proxy=self.proxy, **kwargs)

    async def close(self) -> None:
        await self._session.close()


def upstream_session(settings: ExecutorSettings) -> UpstreamSession:
    """One pooled session for every upstream call of this process."""
    connector = aiohttp.TCPConnector(
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
        )
    )
