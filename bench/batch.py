"""``make bench-batch``: a 2,000-line batch beside interactive traffic.

Starts the whole stack (2 executors) with the simulator upstream, then
measures the same open-loop interactive load (``--rate`` requests/s of
non-streaming chat, the simulator's fast path) twice: alone, and while a
batch of ``--lines`` chat lines runs (each line upstream ``--line-ms``,
like a real provider's answer). Prints the interactive added latency of
both phases, how long the batch took, and checks the batch answered every
line exactly once. Loopback only, bounded.

    make bench-batch
    make bench-batch BENCH_ARGS="--lines 500 --seconds 5"
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench import harness
from bench.gateway import fault, start_omniroute
from bench.loadgen import Result, open_loop
from bench.scenarios import Gateway
from omniroute.stack import Stack

LINE_MODEL = "gpt-4o-mini"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.batch")
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=50.0, help="interactive req/s")
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase")
    parser.add_argument("--line-ms", type=int, default=50, help="upstream per line")
    parser.add_argument(
        "--concurrency", type=int, default=0, help="BATCH_CONCURRENCY (0: default)"
    )
    return parser.parse_args()


def _input(lines: int) -> bytes:
    return b"".join(
        orjson.dumps(
            {
                "custom_id": f"line-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {
                    "model": f"demo/{LINE_MODEL}",
                    "messages": [{"role": "user", "content": f"batch {i}"}],
                },
            }
        )
        + b"\n"
        for i in range(lines)
    )


async def _interactive(stack: Stack, rate: float, seconds: float) -> Result:
    gateway = Gateway(
        "omniroute",
        stack.edge_url + "/v1/chat/completions",
        "demo/sim-fast",
        stack.api_key,
    )
    return await open_loop(gateway.target(), rate, seconds)


async def _direct(stack: Stack, rate: float, seconds: float) -> Result:
    direct = Gateway(
        "direct", stack.simulator_url + "/v1/chat/completions", "sim-fast", "sk-demo"
    )
    return await open_loop(direct.target(), rate, seconds)


class BatchClient:
    def __init__(self, stack: Stack) -> None:
        self._http = httpx.AsyncClient(
            base_url=stack.edge_url + "/v1",
            headers={"Authorization": f"Bearer {stack.api_key}"},
            timeout=60,
        )

    async def start(self, lines: int) -> str:
        upload = await self._http.post(
            "/files",
            files={"file": ("in.jsonl", _input(lines))},
            data={"purpose": "batch"},
        )
        upload.raise_for_status()
        created = await self._http.post(
            "/batches",
            json={
                "input_file_id": upload.json()["id"],
                "endpoint": "/v1/chat/completions",
                "completion_window": "24h",
            },
        )
        created.raise_for_status()
        return str(created.json()["id"])

    async def get(self, batch_id: str) -> dict[str, Any]:
        response = await self._http.get(f"/batches/{batch_id}")
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found

    async def wait(self, batch_id: str) -> dict[str, Any]:
        while True:
            batch = await self.get(batch_id)
            if batch["status"] not in ("validating", "in_progress", "finalizing"):
                return batch
            await asyncio.sleep(0.2)

    async def answered(self, file_id: str) -> Counter[str]:
        response = await self._http.get(f"/files/{file_id}/content")
        response.raise_for_status()
        rows = [orjson.loads(row) for row in response.content.splitlines()]
        return Counter(row["custom_id"] for row in rows)

    async def close(self) -> None:
        await self._http.aclose()


async def measure(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    await _interactive(stack, args.rate, 3)  # warm up
    direct = await _direct(stack, args.rate, args.seconds)
    alone = await _interactive(stack, args.rate, args.seconds)
    client = BatchClient(stack)
    try:
        began = time.perf_counter()
        batch_id = await client.start(args.lines)
        beside = await _interactive(stack, args.rate, args.seconds)
        during = (await client.get(batch_id))["request_counts"]["completed"]
        batch = await client.wait(batch_id)
        took = time.perf_counter() - began
        answered = await client.answered(batch["output_file_id"])
    finally:
        await client.close()
    return {
        "direct_p99_ms": direct.p99_ms,
        "alone": alone,
        "beside": beside,
        "direct": direct,
        "lines_done_while_measured": during,
        "batch": batch,
        "batch_seconds": took,
        "answered_once": sorted(answered.values()) == [1] * args.lines,
    }


def report(args: argparse.Namespace, found: dict[str, Any]) -> str:
    direct, alone, beside = found["direct"], found["alone"], found["beside"]
    counts = found["batch"]["request_counts"]
    rows = [
        f"machine: {harness.machine()}",
        f"interactive: {args.rate:g} req/s open loop, {args.seconds:g} s per phase; "
        f"batch: {args.lines} lines, {args.line_ms} ms upstream each, "
        f"BATCH_CONCURRENCY {args.concurrency or 'default'}",
        "",
        "| phase | p50 ms | p99 ms | added p50 ms | added p99 ms | errors |",
        "|---|---|---|---|---|---|",
    ]
    for name, result in (("direct", direct), ("alone", alone), ("beside", beside)):
        rows.append(
            f"| {name} | {result.p50_ms:.2f} | {result.p99_ms:.2f} | "
            f"{result.p50_ms - direct.p50_ms:.2f} | {result.p99_ms - direct.p99_ms:.2f}"
            f" | {result.errors} |"
        )
    added_alone = alone.p99_ms - direct.p99_ms
    added_beside = beside.p99_ms - direct.p99_ms
    rows += [
        "",
        f"added p99 beside the batch / alone: {added_beside / added_alone:.2f}x",
        f"batch: {found['batch']['status']} in {found['batch_seconds']:.1f} s, "
        f"{counts['completed']} completed, {counts['failed']} failed, "
        f"{found['lines_done_while_measured']} done while measured; "
        f"every line answered exactly once: {found['answered_once']}",
    ]
    return "\n".join(rows)


def main() -> int:
    args = arguments()
    with tempfile.TemporaryDirectory(prefix="omniroute-bench-batch-") as tmp:
        env = {"BATCH_CONCURRENCY": str(args.concurrency)} if args.concurrency else {}
        stack = start_omniroute(Path(tmp), executors=2, env=env)
        try:
            fault(stack.simulator_url, LINE_MODEL, latency_ms=args.line_ms)
            found = harness.run(measure(stack, args))
        finally:
            stack.stop()
    sys.stdout.write(report(args, found) + "\n")
    return 0 if found["answered_once"] else 1


if __name__ == "__main__":
    sys.exit(main())
