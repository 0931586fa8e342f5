"""Outbound calls an operator can point anywhere (provider and proxy tests).

Before connecting, the host is checked: cloud-metadata names and addresses
and link-local ranges are refused unless ``ALLOW_PRIVATE_PROVIDER_URLS`` is
set. Loopback and private ranges stay allowed (local providers). Redirects
are not followed, so an allowed host cannot bounce the call elsewhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

from omniroute.errors import BadRequest
from omniroute.netaddr import forbidden_host_reason, forbidden_reason

_RESOLVE_TIMEOUT_S = 5.0


async def check_url(url: str, allow_private: bool, what: str = "url") -> None:
    """Raises ``BadRequest`` when ``url`` must not be called."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadRequest(f"{what}: not a valid URL", param=what) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest(
            f"{what}: must be an http:// or https:// URL with a host", param=what
        )
    if allow_private:
        return
    host = parts.hostname
    reason = forbidden_host_reason(host)
    if reason is None:
        reason = await _address_reason(host, port or 443)
    if reason is not None:
        raise BadRequest(
            f"{what}: {host} is {reason}; refused (set ALLOW_PRIVATE_PROVIDER_URLS "
            "to allow it)",
            param=what,
            code="forbidden_address",
        )


async def _address_reason(host: str, port: int) -> str | None:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        return forbidden_reason(literal)
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), _RESOLVE_TIMEOUT_S
        )
    except (OSError, TimeoutError):
        return None  # the call itself will fail and report it
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        reason = forbidden_reason(address)
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
