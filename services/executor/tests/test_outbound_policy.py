"""The executor obeys the outbound policy whatever was stored: literal hosts
and proxies at refused addresses fail before connecting, and names that
resolve there are dropped by the resolver."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.abc import ResolveResult

from services.executor.settings import ExecutorSettings
from services.executor.upstream import (
    GuardedResolver,
    RefusedAddress,
    UpstreamSession,
    upstream_session,
)


@pytest.fixture
async def session() -> AsyncIterator[UpstreamSession]:
    upstream = upstream_session(ExecutorSettings(allow_private_provider_urls=False))
    try:
        yield upstream
    finally:
        await upstream.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:169.254.169.254]/latest",
        "http://[fd00:ec2::254]/latest",
        "http://metadata.google.internal/computeMetadata/v1",
    ],
)
async def test_a_refused_url_fails_before_connecting(
    session: UpstreamSession, url: str
) -> None:
    with pytest.raises(RefusedAddress, match="outbound policy"):
        async with session.post(url, json={}):
            pass


async def test_a_proxy_at_a_refused_address_is_not_used(
    session: UpstreamSession,
) -> None:
    session.proxy = "http://169.254.169.254:3128"
    with pytest.raises(RefusedAddress):
        async with session.post("http://127.0.0.1:9/v1/chat/completions", json={}):
            pass


def _result(host: str) -> ResolveResult:
    return ResolveResult(
        hostname="rebound.example", host=host, port=80, family=2, proto=6, flags=0
    )


class _Answers:
    """Stands in for DNS: the addresses a name resolves to."""

    def __init__(self, *hosts: str) -> None:
        self._hosts = hosts

    async def resolve(
        self, host: str, port: int = 0, family: object = None
    ) -> list[ResolveResult]:
        return [_result(h) for h in self._hosts]

    async def close(self) -> None:
        return None


async def test_a_name_resolving_to_a_metadata_address_is_refused() -> None:
    resolver = GuardedResolver()
    resolver._inner = _Answers("169.254.169.254")  # type: ignore[assignment]
    with pytest.raises(RefusedAddress, match=r"resolves to 169\.254\.169\.254"):
        await resolver.resolve("rebound.example", 80)
    resolver._inner = _Answers("169.254.169.254", "10.0.0.7")  # type: ignore[assignment]
    assert [r["host"] for r in await resolver.resolve("mixed.example", 80)] == [
        "10.0.0.7"
    ]
    assert isinstance(RefusedAddress("x"), aiohttp.ClientError)
