"""Composition root: the state, the routes, and a runner bound to a port."""

from __future__ import annotations

from aiohttp import web

from services.simulator import (
    chat_routes,
    control,
    media_routes,
    moderation_routes,
    rerank_routes,
    speech_routes,
)
from services.simulator.state import STATE, SimConfig, SimState

# Audio uploads and base64 images exceed aiohttp's 1 MiB default.
MAX_BODY_BYTES = 64 * 1024 * 1024
# Hanging handlers would otherwise hold a shutdown for aiohttp's 60 s default.
SHUTDOWN_TIMEOUT_S = 0.5


def build_app(config: SimConfig) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    state = SimState(config)
    app[STATE] = state
    control.add_routes(app)
    chat_routes.add_routes(app, state)
    media_routes.add_routes(app)
    speech_routes.add_routes(app)
    moderation_routes.add_routes(app)
    rerank_routes.add_routes(app)
    return app


async def start(
    config: SimConfig, host: str = "127.0.0.1", port: int = 0
) -> tuple[web.AppRunner, str]:
    """Starts serving; returns the runner (``await runner.cleanup()`` stops
    it) and the bound base URL. ``port=0`` picks a free port."""
    # handler_cancellation: a client that disconnects cancels its handler,
    # which is how a hanging call ends ("hold until the client leaves").
    runner = web.AppRunner(
        build_app(config),
        handler_cancellation=True,
        shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        access_log=None,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[0][1]
    display_host = f"[{host}]" if ":" in host else host
    return runner, f"http://{display_host}:{bound_port}"
