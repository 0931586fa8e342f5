"""``make bench``: what the gateway adds on top of a fast upstream.

Starts the whole stack (every service its own process, a throw-away Redis)
with the provider simulator in ``--fast`` mode as the upstream, then measures
the same OpenAI chat request sent straight to the simulator and through the
gateway:

* latency at concurrency 1 (p50/p99; added = gateway - direct);
* throughput at concurrency 32 (closed loop, requests/s with p50/p99).

Prints a markdown table. Load stays on loopback and is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
from pathlib import Path

import orjson

from bench.loadgen import Result, Target, closed_loop
from omniroute.stack import Stack, StackConfig

BODY = orjson.dumps(
    {"model": "sim-fast", "messages": [{"role": "user", "content": "fast"}]}
)


def _row(name: str, result: Result) -> str:
    return (
        f"| {name} | {len(result.latencies)} | {result.errors} | {result.p50_ms:.2f} | "
        f"{result.p99_ms:.2f} | {result.rps:,.0f} |"
    )


async def measure(stack: Stack, requests: int, duration: float) -> list[str]:
    direct = Target(
        stack.simulator_url + "/v1/chat/completions",
        BODY,
        {"Content-Type": "application/json", "Authorization": "Bearer sk-demo"},
    )
    gateway_body = orjson.dumps(
        {"model": "demo/sim-fast", "messages": [{"role": "user", "content": "fast"}]}
    )
    gateway = Target(
        stack.edge_url + "/v1/chat/completions",
        gateway_body,
        {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {stack.api_key}",
        },
    )
    # Warm connections, JITs of the mind (caches, pools) on both paths.
    await closed_loop(direct, 4, requests=200)
    await closed_loop(gateway, 4, requests=400)
    rows = []
    c1_direct = await closed_loop(direct, 1, requests=requests)
    c1_gateway = await closed_loop(gateway, 1, requests=requests)
    rows.append(_row("direct, c=1", c1_direct))
    rows.append(_row("gateway, c=1", c1_gateway))
    c32_direct = await closed_loop(direct, 32, duration=duration)
    c32_gateway = await closed_loop(gateway, 32, duration=duration)
    rows.append(_row("direct, c=32", c32_direct))
    rows.append(_row("gateway, c=32", c32_gateway))
    added_p50 = c1_gateway.p50_ms - c1_direct.p50_ms
    added_p99 = c1_gateway.p99_ms - c1_direct.p99_ms
    rows.append("")
    rows.append(f"added latency at c=1: p50 {added_p50:.2f} ms, p99 {added_p99:.2f} ms")
    rows.append(f"gateway throughput at c=32: {c32_gateway.rps:,.0f} requests/s")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gateway")
    parser.add_argument("--requests", type=int, default=2000, help="per c=1 run")
    parser.add_argument("--duration", type=float, default=10.0, help="per c=32 run (s)")
    parser.add_argument("--executors", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="omniroute-bench-") as tmp:
        config = StackConfig.on_free_ports(
            Path(tmp),
            simulator=True,
            simulator_args=("--fast", "--chunk-delay-ms", "0"),
            executors=args.executors,
            env={"LOG_LEVEL": "WARNING"},
        )
        stack = Stack(config)
        try:
            stack.start()
            rows = asyncio.run(measure(stack, args.requests, args.duration))
        finally:
            stack.stop()
    header = [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "",
        "| path | requests | errors | p50 ms | p99 ms | requests/s |",
        "|---|---|---|---|---|---|",
    ]
    sys.stdout.write("\n".join(header + rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
