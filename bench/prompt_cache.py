"""What the provider's prompt cache saves through the gateway, in one run.

Run with ``python -m bench.prompt_cache [--turns N] [--system-words N]``.
Starts the whole stack with the simulator (which models Anthropic's prompt
cache per account), registers a pool of three Anthropic accounts taken
round-robin with Claude Sonnet's prices, and sends the same agent-sized
conversation (a long system prompt, N turns, from an OpenAI-format client)
twice: with automatic breakpoints on, then off. Prints a markdown table of
tokens read from and written to the cache, the cost the gateway metered,
the saving, and the accounts the conversation used; then the latency of a
turn (the prefix key and the affinity pin are on the request path).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from omniroute.stack import Stack, StackConfig

PROVIDER, MODEL = "pool", "sim-claude"
PRICE = {
    "provider": PROVIDER,
    "model": MODEL,
    "input": 3.0,
    "output": 15.0,
    "cached_input": 0.3,
    "cache_write": 3.75,
    "cache_write_1h": 6.0,
}


def _setup(stack: Stack) -> None:
    admin = httpx.Client(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.admin_key}"},
        timeout=10,
    )
    with admin:
        admin.post(
            "/api/providers",
            json={
                "id": PROVIDER,
                "kind": "anthropic",
                "base_url": stack.simulator_url + "/v1",
                "api_key": "sk-bench-1",
                "models": [MODEL],
            },
        ).raise_for_status()
        for number in (2, 3):
            admin.post(
                f"/api/providers/{PROVIDER}/accounts",
                json={"id": f"{PROVIDER}-{number}", "api_key": f"sk-bench-{number}"},
            ).raise_for_status()
        admin.patch("/api/pricing", json={"prices": [PRICE]}).raise_for_status()
        _routing(stack, admin, account_strategy="round-robin", prompt_cache="auto")


def _routing(stack: Stack, admin: httpx.Client, **changes: Any) -> None:
    before = _version(stack)
    current = admin.get("/api/routing").json()
    admin.put("/api/routing", json={**current, **changes}).raise_for_status()
    deadline = time.monotonic() + 10
    while _version(stack) <= before and time.monotonic() < deadline:
        time.sleep(0.05)


def _version(stack: Stack) -> int:
    return int(httpx.get(stack.edge_url + "/healthz").json()["config_version"] or 0)


def _conversation(
    stack: Stack, topic: str, turns: int, words: int
) -> list[dict[str, Any]]:
    system = " ".join(f"{topic}-{i}" for i in range(words))
    history: list[dict[str, Any]] = []
    results = []
    with httpx.Client(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=60,
    ) as client:
        for number in range(1, turns + 1):
            history.append({"role": "user", "content": f"step {number}"})
            started = time.perf_counter()
            response = client.post(
                "/v1/chat/completions",
                json={
                    "model": f"{PROVIDER}/{MODEL}",
                    "messages": [{"role": "system", "content": system}, *history],
                },
            )
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            body = response.json()
            history.append(body["choices"][0]["message"])
            details = body["usage"]["prompt_tokens_details"]
            decision = dict(
                part.split("=", 1)
                for part in response.headers["x-omniroute-decision"].split("; ")
            )
            results.append(
                {
                    "read": details.get("cached_tokens") or 0,
                    "written": details.get("cache_creation_tokens") or 0,
                    "prompt": body["usage"]["prompt_tokens"],
                    "cost": float(response.headers["x-omniroute-response-cost"]),
                    "account": decision["account"],
                    "ms": elapsed * 1000,
                }
            )
    return results


def _row(name: str, turns: list[dict[str, Any]]) -> str:
    read = sum(t["read"] for t in turns)
    written = sum(t["written"] for t in turns)
    sent = sum(t["prompt"] + t["written"] for t in turns)
    cost = sum(t["cost"] for t in turns)
    reading = sum(1 for t in turns[1:] if t["read"])
    accounts = len({t["account"] for t in turns})
    p50 = statistics.median(t["ms"] for t in turns[1:])
    return (
        f"| {name} | {sent:,} | {read:,} | {written:,} | {reading}/{len(turns) - 1} "
        f"| {accounts} | ${cost:.4f} | {p50:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--system-words", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(StackConfig.on_free_ports(Path(tmp), simulator=True)).start()
        try:
            _setup(stack)
            warm = _conversation(stack, "on", args.turns, args.system_words)
            admin = httpx.Client(
                base_url=stack.edge_url,
                headers={"Authorization": f"Bearer {stack.admin_key}"},
                timeout=10,
            )
            with admin:
                _routing(stack, admin, prompt_cache="off")
            cold = _conversation(stack, "off", args.turns, args.system_words)
        finally:
            stack.stop()
    saving = 1 - sum(t["cost"] for t in warm) / sum(t["cost"] for t in cold)
    lines = [
        f"{args.turns} turns, system prompt of {args.system_words:,} tokens, "
        "3 Anthropic accounts round-robin, Sonnet prices ($3 in, $0.30 cache "
        "read, $3.75 cache write, $15 out per 1M)",
        "",
        "| automatic breakpoints | prompt tokens sent | cache read | cache written "
        "| turns reading | accounts used | cost | turn p50 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        _row("auto", warm),
        _row("off", cold),
        "",
        f"saving with breakpoints: {saving:.1%}",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
