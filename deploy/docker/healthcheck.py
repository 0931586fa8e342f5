#!/usr/bin/env python3
"""Container healthcheck: exit 0 when this container's service answers /healthz.

Usage: ``omniroute-healthcheck edge|admin|router|cache``.

Standard library only, on purpose: Docker runs this every few seconds in
every container, and a bare interpreter start costs a few milliseconds of CPU
where importing the service (pydantic, grpc, ...) would cost hundreds. The
executor has its own ``python -m services.executor --check``.

The port variables and defaults mirror the settings classes
(``services/*/settings.py``); ``tests/deploy`` fails when they drift apart.
"""

from __future__ import annotations

import os
import sys
import urllib.request

# service -> (variables its health port is read from, first match wins; default)
HEALTH_PORTS: dict[str, tuple[tuple[str, ...], int]] = {
    "edge": (("EDGE_PORT", "PORT"), 20128),
    "admin": (("ADMIN_PORT",), 20129),
    "router": (("ROUTER_OPS_PORT",), 20131),
    "cache": (("CACHE_OPS_PORT",), 20133),
}


def health_port(service: str, environ: dict[str, str]) -> int:
    names, default = HEALTH_PORTS[service]
    for name in names:
        if environ.get(name):
            return int(environ[name])
    return default


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in HEALTH_PORTS:
        sys.stderr.write(f"usage: omniroute-healthcheck {'|'.join(HEALTH_PORTS)}\n")
        return 2
    url = f"http://127.0.0.1:{health_port(argv[0], dict(os.environ))}/healthz"
    try:
        # urlopen raises on 503 (not ready) as well as on a refused connection.
        with urllib.request.urlopen(url, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
