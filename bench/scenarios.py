"""The benchmark scenarios, each run the same way against any gateway.

A gateway is described by where to send requests (OpenAI chat completions)
and which model to ask for; the direct path to the same upstream gives the
baseline, so every number is "what the gateway adds".

1. added latency at concurrency 1 (gateway minus direct, p50/p99);
2. throughput frontier: the highest open-loop rate held with p99 added
   latency within the bound and no errors; and saturation: requests/s
   served by 32 closed-loop clients, with their p50/p99;
3. streaming: added time to first token, added inter-chunk gap, and many
   concurrent streams held without errors;
4. memory: RSS of each process over a soak at steady load.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
import psutil

from bench.loadgen import Result, StreamResult, Target, closed_loop, open_loop, streams


@dataclass(frozen=True)
class Gateway:
    name: str
    url: str  # .../chat/completions
    model: str
    key: str
    # A model the upstream streams without pauses (see ``streaming``).
    unpaced_model: str = ""

    def target(self, stream: bool = False, words: int = 1) -> Target:
        body: dict[str, object] = {
            "model": self.model,
            "messages": [{"role": "user", "content": " ".join(["fast"] * words)}],
        }
        if stream:
            body["stream"] = True
        return Target(
            self.url,
            orjson.dumps(body),
            {"Content-Type": "application/json", "Authorization": f"Bearer {self.key}"},
        )


@dataclass
class Report:
    rows: list[dict[str, object]] = field(default_factory=list)

    def add(self, **row: object) -> None:
        self.rows.append(row)


async def added_latency(
    gateway: Gateway, direct: Gateway, requests: int
) -> dict[str, float]:
    await closed_loop(direct.target(), 4, requests=200)
    await closed_loop(gateway.target(), 4, requests=400)
    base = await closed_loop(direct.target(), 1, requests=requests)
    through = await closed_loop(gateway.target(), 1, requests=requests)
    return {
        "direct_p50_ms": base.p50_ms,
        "direct_p99_ms": base.p99_ms,
        "gateway_p50_ms": through.p50_ms,
        "gateway_p99_ms": through.p99_ms,
        "added_p50_ms": through.p50_ms - base.p50_ms,
        "added_p99_ms": through.p99_ms - base.p99_ms,
        "errors": float(base.errors + through.errors),
    }


async def throughput_frontier(
    gateway: Gateway,
    baseline_p99_ms: float,
    seconds: float,
    bound_ms: float = 50.0,
    start: int = 50,
    refinements: int = 3,
    log: Callable[[str], None] = print,
) -> tuple[int, list[dict[str, float]]]:
    """The highest rate whose p99 added latency stays within ``bound_ms``.

    Doubles the rate from ``start`` until a step fails, then bisects between
    the last rate held and the first one missed, so a slow gateway and a fast
    one are both located to within an eighth of the last doubling.
    """
    steps: list[dict[str, float]] = []

    async def holds(rate: int) -> bool:
        result: Result = await open_loop(gateway.target(), rate, seconds)
        added = result.p99_ms - baseline_p99_ms
        ok = result.errors == 0 and added <= bound_ms
        steps.append(
            {
                "rate": rate,
                "p50_ms": result.p50_ms,
                "p99_ms": result.p99_ms,
                "added_p99_ms": added,
                "errors": result.errors,
                "ok": ok,
            }
        )
        log(
            f"  {gateway.name} @ {rate}/s: p99 {result.p99_ms:.1f} ms, "
            f"errors {result.errors} -> {'held' if ok else 'NOT held'}"
        )
        await asyncio.sleep(2)  # let queues drain between steps
        return ok

    held, missed = 0, start
    while await holds(missed):
        held, missed = missed, missed * 2
    for _ in range(refinements):
        middle = (held + missed) // 2
        if middle in (held, missed):
            break
        if await holds(middle):
            held = middle
        else:
            missed = middle
    return held, steps


async def saturation(
    gateway: Gateway, concurrency: int, seconds: float
) -> dict[str, float]:
    """Closed loop at ``concurrency``: requests/s served and the latency it costs."""
    result = await closed_loop(gateway.target(), concurrency, duration=seconds)
    return {
        "concurrency": float(concurrency),
        "rps": result.rps,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "errors": float(result.errors),
    }


async def streaming(
    gateway: Gateway, direct: Gateway, concurrency: int, words: int
) -> dict[str, float]:
    base: StreamResult = await streams(direct.target(True, words), 1, 20)
    one: StreamResult = await streams(gateway.target(True, words), 1, 20)
    unpaced = {}
    if gateway.unpaced_model and direct.unpaced_model:
        # Paced streams let every process fall idle between chunks, so each
        # hop of the next request pays a CPU wake-up; unpaced back-to-back
        # streams show what the gateway's own work adds.
        # One word: the first frame is not held up behind a burst of others.
        fast_base = await streams(_unpaced(direct).target(True, 1), 1, 200)
        fast_one = await streams(_unpaced(gateway).target(True, 1), 1, 200)
        unpaced = {
            "unpaced_added_ttft_p50_ms": fast_one.ttft_ms(50) - fast_base.ttft_ms(50),
            "unpaced_added_ttft_p99_ms": fast_one.ttft_ms(99) - fast_base.ttft_ms(99),
        }
    many: StreamResult = await streams(
        gateway.target(True, words), concurrency, concurrency
    )
    return {
        **unpaced,
        "added_ttft_p50_ms": one.ttft_ms(50) - base.ttft_ms(50),
        "added_ttft_p99_ms": one.ttft_ms(99) - base.ttft_ms(99),
        "added_gap_p50_ms": one.gap_ms(50) - base.gap_ms(50),
        "added_gap_p99_ms": one.gap_ms(99) - base.gap_ms(99),
        "concurrent_streams": float(concurrency),
        "concurrent_completed": float(many.streams),
        "concurrent_errors": float(many.errors),
        "concurrent_max_gap_ms": many.max_gap * 1000,
    }


async def settle(
    pids: dict[str, int], idle_percent: float = 5.0, limit_s: float = 60.0
) -> None:
    """Waits until the processes under test are idle (start-up work such as
    loading the embedding model, or the tail of a previous scenario, would
    otherwise be measured as the gateway's overhead)."""
    processes = [psutil.Process(pid) for pid in pids.values()]
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        for process in processes:
            process.cpu_percent()
        await asyncio.sleep(1.0)
        if sum(process.cpu_percent() for process in processes) < idle_percent:
            return


def _unpaced(gateway: Gateway) -> Gateway:
    return dataclasses.replace(gateway, model=gateway.unpaced_model)


async def soak(
    gateway: Gateway, pids: dict[str, int], rate: int, seconds: float, warmup: float
) -> dict[str, dict[str, float]]:
    """RSS of each process (MiB) after warm-up and at the end of a steady load."""
    await open_loop(gateway.target(), rate, warmup)
    start = {name: _rss(pid) for name, pid in pids.items()}
    peak = dict(start)
    deadline = time.monotonic() + seconds
    errors = 0
    while time.monotonic() < deadline:
        result = await open_loop(
            gateway.target(), rate, min(30.0, deadline - time.monotonic())
        )
        errors += result.errors
        for name, pid in pids.items():
            peak[name] = max(peak[name], _rss(pid))
    end = {name: _rss(pid) for name, pid in pids.items()}
    return {
        name: {
            "start_mib": start[name],
            "end_mib": end[name],
            "peak_mib": peak[name],
            "growth_pct": 100 * (end[name] - start[name]) / start[name]
            if start[name]
            else 0.0,
            "errors": float(errors),
        }
        for name in pids
    }


def _rss(pid: int) -> float:
    try:
        process = psutil.Process(pid)
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            total += child.memory_info().rss
    except psutil.NoSuchProcess:
        return 0.0
    return total / (1024 * 1024)
