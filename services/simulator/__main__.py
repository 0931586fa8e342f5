"""``python -m services.simulator``: serve the provider simulator.

The first line on stdout is ``simulator listening on http://HOST:PORT``;
tests and ``make run`` read it to learn the port when ``--port 0``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from services.simulator.app import start
from services.simulator.state import DEFAULT_CHUNK_DELAY_MS, SimConfig


def parse_args(argv: list[str] | None = None) -> tuple[SimConfig, str, int]:
    parser = argparse.ArgumentParser(
        prog="python -m services.simulator",
        description="Simulates OpenAI, Anthropic, Gemini, Ollama, Deepgram and "
        "AssemblyAI APIs with deterministic answers and injectable faults.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay before every answer"
    )
    parser.add_argument(
        "--chunk-delay-ms",
        type=float,
        default=DEFAULT_CHUNK_DELAY_MS,
        help="time between streamed chunks",
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="precomputed non-streaming OpenAI chat answers (benchmarks)",
    )
    parser.add_argument(
        "--require-key",
        action="append",
        default=[],
        metavar="KEY",
        help="accept only these keys (repeatable); others get 401",
    )
    args = parser.parse_args(argv)
    if args.latency_ms < 0 or args.chunk_delay_ms < 0:
        parser.error("delays must not be negative")
    config = SimConfig(
        latency_ms=args.latency_ms,
        chunk_delay_ms=args.chunk_delay_ms,
        fast=args.fast,
        required_keys=frozenset(args.require_key),
    )
    return config, args.host, args.port


async def serve(config: SimConfig, host: str, port: int) -> None:
    runner, url = await start(config, host, port)
    sys.stdout.write(f"simulator listening on {url}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    config, host, port = parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s %(message)s"
    )
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a pinned dependency
        asyncio.run(serve(config, host, port))
    else:
        uvloop.run(serve(config, host, port))


if __name__ == "__main__":
    main()
