"""A small HTTP load generator for the benchmarks (aiohttp, one process).

Two modes: closed loop (N workers, each sends its next request when the
previous answered: used for latency at concurrency 1 and for saturation), and
open loop (requests fired on a fixed schedule whatever the answers do; each
latency is measured from its *scheduled* send time, so queueing inside the
system under test is counted rather than hidden — no coordinated omission).
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from dataclasses import dataclass, field

import aiohttp


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
        return ordered[index]

    @property
    def p50_ms(self) -> float:
        return self.percentile(50) * 1000

    @property
    def p99_ms(self) -> float:
        return self.percentile(99) * 1000

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    @property
    def mean_ms(self) -> float:
        return (
            statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")
        )


@dataclass(frozen=True)
class Target:
    url: str
    body: bytes
    headers: dict[str, str]


async def _send(session: aiohttp.ClientSession, target: Target) -> bool:
    async with session.post(
        target.url, data=target.body, headers=target.headers
    ) as response:
        await response.read()
        return response.status == 200


async def closed_loop(
    target: Target, concurrency: int, *, requests: int = 0, duration: float = 0.0
) -> Result:
    """``concurrency`` workers until ``requests`` are done or ``duration`` passes."""
    result = Result()
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    remaining = requests
    deadline = time.perf_counter() + duration if duration else float("inf")

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal remaining
        while time.perf_counter() < deadline and (not requests or remaining > 0):
            remaining -= 1
            started = time.perf_counter()
            try:
                ok = await _send(session, target)
            except aiohttp.ClientError:
                ok = False
            if ok:
                result.latencies.append(time.perf_counter() - started)
            else:
                result.errors += 1

    async with aiohttp.ClientSession(connector=connector) as session:
        began = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        result.elapsed = time.perf_counter() - began
    return result


async def open_loop(
    target: Target, rate: float, duration: float, request_timeout: float = 10.0
) -> Result:
    """Fires ``rate`` requests/s for ``duration`` s on a fixed schedule."""
    result = Result()
    connector = aiohttp.TCPConnector(limit=0)
    client_timeout = aiohttp.ClientTimeout(total=request_timeout)
    async with aiohttp.ClientSession(
        connector=connector, timeout=client_timeout
    ) as session:
        began = time.perf_counter()
        total = int(rate * duration)

        async def one(scheduled: float) -> None:
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                ok = await _send(session, target)
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if ok:
                result.latencies.append(time.perf_counter() - scheduled)
            else:
                result.errors += 1

        await asyncio.gather(*(one(began + i / rate) for i in range(total)))
        result.elapsed = time.perf_counter() - began
    return result


@dataclass
class StreamResult:
    ttfts: list[float] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    # Longest silence inside any one stream.
    max_gap: float = 0.0
    errors: int = 0
    streams: int = 0

    @staticmethod
    def _pct(values: list[float], q: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return (
            ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]
            * 1000
        )

    def ttft_ms(self, q: float) -> float:
        return self._pct(self.ttfts, q)

    def gap_ms(self, q: float) -> float:
        return self._pct(self.gaps, q)


async def _stream_once(
    session: aiohttp.ClientSession, target: Target, result: StreamResult
) -> None:
    started = time.perf_counter()
    arrivals: list[float] = []
    try:
        async with session.post(
            target.url, data=target.body, headers=target.headers
        ) as response:
            if response.status != 200:
                await response.read()
                result.errors += 1
                return
            buffer = b""
            async for data in response.content.iter_any():
                now = time.perf_counter()
                buffer += data
                while b"\n\n" in buffer:
                    frame, buffer = buffer.split(b"\n\n", 1)
                    if frame.startswith(b"data: {"):
                        arrivals.append(now)
    except (aiohttp.ClientError, TimeoutError):
        result.errors += 1
        return
    if not arrivals:
        result.errors += 1
        return
    result.streams += 1
    result.ttfts.append(arrivals[0] - started)
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    result.gaps.extend(gaps)
    result.max_gap = max([result.max_gap, *gaps])


async def streams(target: Target, concurrency: int, total: int) -> StreamResult:
    """``total`` streaming requests, ``concurrency`` at a time."""
    result = StreamResult()
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await _stream_once(session, target, result)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return result
