"""``make bench``: what OmniRoute adds on top of a fast upstream.

Starts the whole stack (every service its own process, a throw-away Redis)
with the provider simulator as the upstream — ``--fast`` for plain
requests, 20 ms between chunks for streams — and measures each scenario
against the simulator directly and through the gateway. Prints markdown
tables and writes ``bench/out/omniroute.json``. Loopback only, bounded.

    make bench                       # full run, including a 10-minute soak
    make bench BENCH_ARGS=--quick    # a few minutes
"""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench import harness
from bench.scenarios import Gateway
from omniroute.stack import Stack, StackConfig

# Streamed by the simulator without pauses between chunks (a fault rule).
UNPACED_MODEL = "sim-unpaced"


def omniroute_gateways(stack: Stack) -> tuple[Gateway, Gateway, Gateway, Gateway]:
    edge = stack.edge_url + "/v1/chat/completions"
    sim = stack.simulator_url + "/v1/chat/completions"
    return (
        Gateway("omniroute", edge, "demo/sim-fast", stack.api_key),
        Gateway("direct", sim, "sim-fast", "sk-demo"),
        # Streams: a model the fast path does not answer, paced by the simulator.
        Gateway(
            "omniroute",
            edge,
            "demo/gpt-4o-mini",
            stack.api_key,
            unpaced_model=f"demo/{UNPACED_MODEL}",
        ),
        Gateway("direct", sim, "gpt-4o-mini", "sk-demo", unpaced_model=UNPACED_MODEL),
    )


def fault(simulator_url: str, model: str, **action: object) -> None:
    """Adds a simulator fault rule for ``model`` (a latency, a pace...)."""
    rule = {"rules": [{"match": {"model": model}, **action}]}
    request = urllib.request.Request(
        simulator_url + "/_sim/faults",
        data=json.dumps(rule).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def unpace(simulator_url: str) -> None:
    """Makes the simulator stream ``UNPACED_MODEL`` with no delay between chunks."""
    fault(simulator_url, UNPACED_MODEL, chunk_delay_ms=0)


def start_omniroute(
    tmp: Path, executors: int = 1, env: dict[str, str] | None = None
) -> Stack:
    config = StackConfig.on_free_ports(
        tmp,
        simulator=True,
        simulator_args=("--fast", "--chunk-delay-ms", "20"),
        executors=executors,
        env={"LOG_LEVEL": "WARNING", **(env or {})},
    )
    stack = Stack(config).start()
    unpace(stack.simulator_url)
    return stack


def service_pids(stack: Stack) -> dict[str, int]:
    return {
        name: process.popen.pid
        for name, process in stack.processes.items()
        if process.popen is not None and name != "simulator"
    }


def main() -> int:
    args = harness.arguments("python -m bench.gateway")
    with tempfile.TemporaryDirectory(prefix="omniroute-bench-") as tmp:
        stack = start_omniroute(Path(tmp))
        try:
            result = harness.run(
                harness.run_all(*omniroute_gateways(stack), service_pids(stack), args)
            )
        finally:
            stack.stop()
    harness.save("omniroute", [result])
    sys.stdout.write(harness.table([result]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
