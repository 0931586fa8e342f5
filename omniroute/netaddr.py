"""Address rules shared by services: outbound-call guards and client IPs.

Pure functions, no I/O: callers resolve names themselves and pass the
addresses in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud instance-metadata endpoints: reaching them from a server that an
# operator can point anywhere leaks the machine's cloud credentials.
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data"}
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "169.254.170.2",  # AWS ECS task metadata
    )
)


def parse_network(value: str) -> IPNetwork:
    """An address or CIDR range as a network; ``ValueError`` when it is neither."""
    return ipaddress.ip_network(value.strip(), strict=False)


def parse_networks(values: Iterable[str]) -> list[IPNetwork]:
    return [parse_network(v) for v in values if v.strip()]


def forbidden_reason(address: IPAddress) -> str | None:
    """Why an outbound call to ``address`` is refused by default, or None.

    Loopback and private ranges stay allowed: local providers (Ollama, LM
    Studio, a simulator) live there.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    return None


def forbidden_host_reason(host: str) -> str | None:
    """Why a host name is refused before it is even resolved, or None."""
    name = host.strip().rstrip(".").lower()
    if name in METADATA_HOSTS:
        return "a cloud metadata host"
    return None


def in_networks(address: str, networks: Sequence[IPNetwork]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_address(
    peer: str, forwarded_for: Sequence[str], trusted: Sequence[IPNetwork]
) -> str:
    """The client's address: the peer, or what a trusted proxy says it saw.

    Only the last ``X-Forwarded-For`` entry is believed (the one our own
    proxy appended); earlier ones can be written by anyone.
    """
    if forwarded_for and in_networks(peer, trusted):
        entries = [e.strip() for v in forwarded_for for e in v.split(",")]
        entries = [e for e in entries if e]
        if entries:
            try:
                return str(ipaddress.ip_address(entries[-1]))
            except ValueError:
                return peer
    return peer
