"""The small HTTP side door of the gRPC and worker services.

Serves ``/metrics`` (Prometheus) and ``/healthz`` so every service can be
scraped and probed the same way, whatever its main protocol.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

HealthCheck = Callable[[], Awaitable[bool]]


class OpsServer:
    def __init__(self, host: str, port: int, health: HealthCheck) -> None:
        self._host = host
        self._health = health
        self._runner: web.AppRunner | None = None
        self.port = port

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self.port)
        await site.start()
        for address in self._runner.addresses:
            self.port = int(address[1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metrics(self, _: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(REGISTRY),
            headers={"Content-Type": CONTENT_TYPE_LATEST},
        )

    async def _healthz(self, _: web.Request) -> web.Response:
        healthy = await self._health()
        return web.json_response(
            {"status": "ok" if healthy else "unavailable"},
            status=200 if healthy else 503,
        )
