"""Outbound calls an operator can point anywhere (provider and proxy tests).

Before connecting, the URL and the addresses its host resolves to are
checked against the outbound policy (``omniroute/outbound_policy.py``).
Redirects are not followed, so an allowed host cannot bounce the call
elsewhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

from omniroute import outbound_policy
from omniroute.errors import BadRequest

_RESOLVE_TIMEOUT_S = 5.0


async def check_url(url: str, what: str = "url") -> None:
    """Raises ``BadRequest`` when ``url`` must not be called: the outbound
    policy, applied to the URL and to the addresses its host resolves to."""
    outbound_policy.check(url, what)
    if not outbound_policy.enforced():
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    reason = await _resolved_reason(host, parts.port or 443)
    if reason is not None:
        raise BadRequest(
            f"{what}: {host} resolves to {reason}; refused (set "
            "ALLOW_PRIVATE_PROVIDER_URLS to allow it)",
            param=what,
            code="forbidden_address",
        )


async def _resolved_reason(host: str, port: int) -> str | None:
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), _RESOLVE_TIMEOUT_S
        )
    except (OSError, TimeoutError):
        return None  # the call itself will fail and report it
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        reason = outbound_policy.address_refusal(address)
        if reason is not None:
            return reason
    return None


def client(timeout: float, proxy: str | None = None) -> httpx.AsyncClient:
    """A short-lived client for one probe; no redirects, no env proxies."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=False,
        trust_env=False,
        proxy=proxy or None,
    )
