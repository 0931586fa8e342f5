"""Runs every scenario against one gateway and prints the results."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from bench import scenarios
from bench.scenarios import Gateway

OUT = Path(__file__).resolve().parent / "out"
SATURATION_CONCURRENCY = 32


def arguments(prog: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument(
        "--quick", action="store_true", help="short runs (no 10-min soak)"
    )
    parser.add_argument("--requests", type=int, default=2000, help="c=1 requests")
    parser.add_argument("--step-seconds", type=float, default=8.0, help="per rate step")
    parser.add_argument("--streams", type=int, default=500, help="concurrent streams")
    parser.add_argument("--soak-seconds", type=float, default=600.0)
    parser.add_argument("--soak-rate", type=int, default=300)
    parser.add_argument(
        "--skip", default="", help="comma list: latency,throughput,streaming,soak"
    )
    args = parser.parse_args()
    if args.quick:
        args.requests, args.step_seconds, args.soak_seconds = 500, 4.0, 60.0
    return args


def log(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


async def run_all(
    gateway: Gateway,
    direct: Gateway,
    stream_gateway: Gateway,
    stream_direct: Gateway,
    pids: dict[str, int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    skip = set(filter(None, args.skip.split(",")))
    result: dict[str, Any] = {"gateway": gateway.name}
    if "latency" not in skip:
        await scenarios.settle(pids)
        log(f"{gateway.name}: latency at concurrency 1")
        result["latency"] = await scenarios.added_latency(
            gateway, direct, args.requests
        )
    baseline = result.get("latency", {}).get("direct_p99_ms", 1.0)
    if "throughput" not in skip:
        await scenarios.settle(pids)
        log(f"{gateway.name}: throughput frontier (p99 added <= 50 ms, no errors)")
        best, steps = await scenarios.throughput_frontier(
            gateway, baseline, args.step_seconds, log=log
        )
        log(f"{gateway.name}: saturation ({SATURATION_CONCURRENCY} clients)")
        saturated = await scenarios.saturation(
            gateway, SATURATION_CONCURRENCY, args.step_seconds
        )
        log(f"upstream alone: saturation ({SATURATION_CONCURRENCY} clients)")
        upstream = await scenarios.saturation(
            direct, SATURATION_CONCURRENCY, args.step_seconds
        )
        result["throughput"] = {
            "held_rps": best,
            "steps": steps,
            "saturation": saturated,
            "direct_saturation": upstream,
        }
    if "streaming" not in skip:
        await scenarios.settle(pids)
        log(f"{gateway.name}: streaming ({args.streams} concurrent)")
        result["streaming"] = await scenarios.streaming(
            stream_gateway, stream_direct, args.streams, words=50
        )
    if "soak" not in skip:
        rate = soak_rate(args.soak_rate, result)
        await scenarios.settle(pids)
        log(f"{gateway.name}: memory soak {args.soak_seconds:g}s at {rate}/s")
        result["memory"] = await scenarios.soak(
            gateway, pids, rate, args.soak_seconds, warmup=20.0
        )
        result["memory_rate"] = rate
    return result


def soak_rate(wanted: int, result: dict[str, Any]) -> int:
    """A steady load the gateway holds: ``wanted``, or 80 % of its frontier."""
    held = result.get("throughput", {}).get("held_rps")
    if not held:
        return wanted
    return max(10, min(wanted, int(held * 0.8)))


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def table(results: list[dict[str, Any]]) -> str:
    lines = [f"machine: {machine()}", ""]
    if all("latency" in r for r in results):
        lines += [
            "| gateway | direct p50 / p99 | gateway p50 / p99 "
            "| added p50 | added p99 |",
            "|---|---|---|---|---|",
        ]
        for r in results:
            lat = r["latency"]
            lines.append(
                f"| {r['gateway']} "
                f"| {lat['direct_p50_ms']:.2f} / {lat['direct_p99_ms']:.2f} ms "
                f"| {lat['gateway_p50_ms']:.2f} / {lat['gateway_p99_ms']:.2f} ms "
                f"| {lat['added_p50_ms']:.2f} ms | {lat['added_p99_ms']:.2f} ms |"
            )
        lines.append("")
    if all("throughput" in r for r in results):
        lines += [
            "| gateway | highest rate held (p99 added <= 50 ms, 0 errors) "
            f"| {SATURATION_CONCURRENCY} clients: requests/s | p50 / p99 | errors "
            "| upstream alone: requests/s |",
            "|---|---|---|---|---|---|",
        ]
        for r in results:
            t = r["throughput"]
            s = t["saturation"]
            alone = t.get("direct_saturation", {}).get("rps", float("nan"))
            lines.append(
                f"| {r['gateway']} | {t['held_rps']} requests/s | {s['rps']:.0f} "
                f"| {s['p50_ms']:.1f} / {s['p99_ms']:.1f} ms | {s['errors']:.0f} "
                f"| {alone:.0f} |"
            )
        lines.append("")
    if all("streaming" in r for r in results):
        lines += [
            "| gateway | added TTFT p50/p99 | added gap p50/p99 "
            "| added TTFT, unpaced p50/p99 | concurrent streams ok / errors |",
            "|---|---|---|---|---|",
        ]
        for r in results:
            s = r["streaming"]
            lines.append(
                f"| {r['gateway']} "
                f"| {s['added_ttft_p50_ms']:.2f} / {s['added_ttft_p99_ms']:.2f} ms "
                f"| {s['added_gap_p50_ms']:.2f} / {s['added_gap_p99_ms']:.2f} ms "
                f"| {s.get('unpaced_added_ttft_p50_ms', float('nan')):.2f} / "
                f"{s.get('unpaced_added_ttft_p99_ms', float('nan')):.2f} ms "
                f"| {s['concurrent_completed']:.0f} / {s['concurrent_errors']:.0f} |"
            )
        lines.append("")
    for r in results:
        if "memory" in r:
            lines += [
                f"memory, {r['gateway']} (at {r['memory_rate']} requests/s):",
                "",
                "| process | start | end | peak | growth |",
                "|---|---|---|---|---|",
            ]
            for name, m in r["memory"].items():
                lines.append(
                    f"| {name} | {m['start_mib']:.0f} MiB | {m['end_mib']:.0f} MiB "
                    f"| {m['peak_mib']:.0f} MiB | {m['growth_pct']:+.1f} % |"
                )
            lines.append("")
    return "\n".join(lines)


def save(name: str, results: list[dict[str, Any]]) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    return path


def run(coro: Any) -> Any:
    import uvloop

    return uvloop.run(coro)
