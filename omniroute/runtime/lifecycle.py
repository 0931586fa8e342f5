"""Process lifecycle shared by every service: event loop, signals, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Coroutine
from typing import Any

import uvloop

ServiceMain = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def run_service(main: ServiceMain) -> None:
    """Runs ``main(stop)`` on uvloop; SIGTERM or SIGINT sets ``stop``.

    ``main`` is expected to start its servers, wait for ``stop`` and then
    drain: stop taking new work and finish (or hand back) what it holds.
    """

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(runner())
