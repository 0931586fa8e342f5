"""One policy for every outbound URL the gateway stores or calls.

A gateway an operator (or a stolen admin session) can point anywhere is an
SSRF tool: a provider base URL or proxy at a cloud metadata address hands
out the machine's cloud credentials. So the same rule holds at every door:

* where a URL is stored (a provider's base URL however it is registered,
  the outbound proxy), ``check`` refuses metadata host names and
  link-local, metadata and multicast addresses, written in any form
  (``[::ffff:169.254.169.254]`` is 169.254.169.254);
* where a URL is called (the executor), the same addresses are refused for
  literal hosts, and the executor's resolver drops them from what a name
  resolves to, so a name that points there later (DNS rebinding, an
  integer-spelled address) is refused too.

Loopback and private ranges stay allowed: local providers (Ollama, LM
Studio, the simulator) live there. ``ALLOW_PRIVATE_PROVIDER_URLS`` lifts the
rule for deployments that need it; each service sets it once at start.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from omniroute.errors import BadRequest
from omniroute.netaddr import IPAddress, forbidden_host_reason, forbidden_reason

_allow_private = False


def configure(allow_private: bool) -> None:
    """Sets the process's policy (from ``ALLOW_PRIVATE_PROVIDER_URLS``)."""
    global _allow_private
    _allow_private = allow_private


def enforced() -> bool:
    return not _allow_private


def address_refusal(address: IPAddress) -> str | None:
    """Why a call to ``address`` is refused under the policy, or None."""
    return forbidden_reason(address) if enforced() else None


def host_refusal(host: str) -> str | None:
    """Why a call to ``host`` is refused, judged by what it is (a name's
    addresses are judged when it is resolved, at call time), or None."""
    if not enforced():
        return None
    reason = forbidden_host_reason(host)
    if reason is None:
        try:
            literal = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return None
        reason = forbidden_reason(literal)
    return None if reason is None else f"{host} is {reason}"


def check(url: str, what: str) -> None:
    """Raises a 400 naming ``what`` when ``url`` may not be stored."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises for a port out of range)
    except ValueError:
        raise BadRequest(f"{what}: not a valid URL", param=what) from None
    if parts.scheme not in ("http", "https") or not host:
        raise BadRequest(
            f"{what}: must be an http:// or https:// URL with a host", param=what
        )
    reason = host_refusal(host)
    if reason is not None:
        raise BadRequest(
            f"{what}: {reason}; refused (set ALLOW_PRIVATE_PROVIDER_URLS to allow it)",
            param=what,
            code="forbidden_address",
        )
