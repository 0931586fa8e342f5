"""Executor: consumes dispatches, calls providers, streams replies back.

``python -m services.executor --check`` exits 0 when the executor of this
host (container) answers its ``/healthz``, 1 otherwise: the healthcheck.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import urllib.request

from omniroute.resilience.mirror import HealthMirror
from omniroute.runtime.lifecycle import run_service
from omniroute.runtime.logs import configure_logging
from omniroute.runtime.ops_http import OpsServer
from omniroute.runtime.redis_client import create_redis
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.runtime.snapshot import SnapshotFollower
from omniroute.runtime.telemetry import init_tracing
from services.executor.adapters.formats import adapters_by_format
from services.executor.config_view import ConfigView
from services.executor.guard import Guard
from services.executor.runner import PlanRunner
from services.executor.settings import ExecutorSettings
from services.executor.upstream import upstream_session
from services.executor.worker import Worker, connection_name

log = logging.getLogger("omniroute.executor")


async def serve(settings: ExecutorSettings, stop: asyncio.Event) -> None:
    keys = RedisKeys(settings.key_prefix)
    redis = create_redis(
        settings.redis_url,
        blocking=True,
        max_connections=settings.concurrency + 16,
        client_name=connection_name(settings.executor_id),
    )
    config = ConfigView(settings.secret)
    mirror = HealthMirror(redis, keys)
    guard = Guard(redis, keys, mirror)
    follower = SnapshotFollower(redis, keys, config.load)
    follower.add_listener(guard.configure)
    session = upstream_session(settings)
    follower.add_listener(session.configure)
    runner = PlanRunner(config, session, adapters_by_format(), settings, guard)
    worker = Worker(redis, keys, runner, settings)

    async def healthy() -> bool:
        return follower.current is not None and worker.alive

    ops = OpsServer(settings.host, settings.ops_port, healthy)
    await mirror.start()
    await follower.start()
    await ops.start()
    log.info(
        "executor started",
        extra={"executor_id": settings.executor_id, "ops_port": ops.port},
    )
    await worker.run(stop)
    await ops.stop()
    await follower.stop()
    await mirror.stop()
    await session.close()
    await redis.aclose()


def check(settings: ExecutorSettings) -> bool:
    url = f"http://127.0.0.1:{settings.ops_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def main() -> None:
    settings = ExecutorSettings()
    if "--check" in sys.argv[1:]:
        sys.exit(0 if check(settings) else 1)
    configure_logging("executor", settings.log_level, settings.log_format)
    init_tracing("executor")
    run_service(lambda stop: serve(settings, stop))


if __name__ == "__main__":
    main()
