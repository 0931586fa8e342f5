"""``make bench-peers``: OmniRoute and LiteLLM's proxy, side by side, same run.

LiteLLM is installed into its own virtual environment (``bench/.peers``,
pinned below, never imported here), configured against the same provider
simulator, and started with as many workers as the machine has cores, as
its documentation advises. Every scenario of ``make bench`` then runs
against both gateways in turn, on the same machine, minutes apart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import harness
from bench.gateway import (
    UNPACED_MODEL,
    omniroute_gateways,
    service_pids,
    start_omniroute,
)
from bench.scenarios import Gateway
from omniroute.stack import free_port

# Avoid 1.82.7 and 1.82.8 (supply-chain compromise, see
# ../shared/reference/peers.md).
LITELLM = "litellm[proxy]==1.108.5"
PEERS = Path(__file__).resolve().parent / ".peers"
VENV = PEERS / "litellm"
MASTER_KEY = "sk-bench-1234"


def ensure_litellm() -> Path:
    binary = VENV / "bin" / "litellm"
    if binary.exists():
        return binary
    harness.log(f"installing {LITELLM} into {VENV} (once)")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = str(VENV / "bin" / "pip")
    subprocess.run([pip, "install", "--quiet", LITELLM], check=True)
    return binary


def litellm_config(simulator: str, path: Path) -> None:
    path.write_text(
        f"""model_list:
  - model_name: sim-fast
    litellm_params:
      model: openai/sim-fast
      api_base: {simulator}/v1
      api_key: sk-demo
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: {simulator}/v1
      api_key: sk-demo
  - model_name: {UNPACED_MODEL}
    litellm_params:
      model: openai/{UNPACED_MODEL}
      api_base: {simulator}/v1
      api_key: sk-demo
litellm_settings:
  num_retries: 0
  request_timeout: 30
  telemetry: false
general_settings:
  master_key: {MASTER_KEY}
"""
    )


def start_litellm(
    binary: Path, config: Path, port: int, log: Path
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LITELLM_LOG": "ERROR", "LITELLM_MODE": "PRODUCTION"}
    process = subprocess.Popen(
        [
            str(binary),
            "--config",
            str(config),
            "--port",
            str(port),
            "--num_workers",
            str(os.cpu_count() or 1),
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/health/liveliness", timeout=2
            ):
                return process
        except OSError:
            time.sleep(1)
    process.kill()
    raise RuntimeError(f"LiteLLM did not start; see {log}")


def main() -> int:
    args = harness.arguments("python -m bench.peers")
    binary = ensure_litellm()
    results = []
    with tempfile.TemporaryDirectory(prefix="omniroute-peers-") as tmp:
        stack = start_omniroute(Path(tmp))
        try:
            gateways = omniroute_gateways(stack)
            results.append(
                harness.run(harness.run_all(*gateways, service_pids(stack), args))
            )
            _, direct, _, stream_direct = gateways
            port = free_port()
            config = Path(tmp) / "litellm.yaml"
            litellm_config(stack.simulator_url, config)
            # OmniRoute's services stay up but idle: stop them so LiteLLM has the cores.
            for name in list(stack.processes):
                if name != "simulator":
                    stack.stop_service(name)
            process = start_litellm(binary, config, port, Path(tmp) / "litellm.log")
            try:
                url = f"http://127.0.0.1:{port}/v1/chat/completions"
                litellm = Gateway("litellm", url, "sim-fast", MASTER_KEY)
                litellm_stream = Gateway(
                    "litellm",
                    url,
                    "gpt-4o-mini",
                    MASTER_KEY,
                    unpaced_model=UNPACED_MODEL,
                )
                results.append(
                    harness.run(
                        harness.run_all(
                            litellm,
                            direct,
                            litellm_stream,
                            stream_direct,
                            {"litellm": process.pid},
                            args,
                        )
                    )
                )
            finally:
                os.killpg(process.pid, 15)
                process.wait(30)
        finally:
            stack.stop()
    harness.save("peers", results)
    sys.stdout.write(harness.table(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
