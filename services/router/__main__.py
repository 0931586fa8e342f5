"""Router service: builds the routing table and streams it to the edges."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from omniroute.resilience.mirror import HealthMirror
from omniroute.router.v1 import router_pb2, router_pb2_grpc
from omniroute.runtime.grpc_server import GrpcServer
from omniroute.runtime.lifecycle import run_service
from omniroute.runtime.logs import configure_logging
from omniroute.runtime.ops_http import OpsServer
from omniroute.runtime.redis_client import create_redis
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.runtime.snapshot import SnapshotFollower
from omniroute.runtime.telemetry import init_tracing
from services.router import metrics
from services.router.broadcaster import TableBroadcaster
from services.router.servicer import RouterServicer
from services.router.settings import RouterSettings

log = logging.getLogger("omniroute.router")


async def serve(settings: RouterSettings, stop: asyncio.Event) -> None:
    keys = RedisKeys(settings.key_prefix)
    redis = create_redis(settings.redis_url, blocking=True, max_connections=8)
    mirror = HealthMirror(redis, keys)
    mirror.add_listener(lambda: metrics.refresh(mirror, keys))
    broadcaster = TableBroadcaster(mirror)
    follower = SnapshotFollower(redis, keys, broadcaster.rebuild)
    mirror.add_listener(broadcaster.health_changed)
    server = GrpcServer(
        settings.host,
        settings.port,
        [router_pb2.DESCRIPTOR.services_by_name["RouterService"].full_name],
    )
    router_pb2_grpc.add_RouterServiceServicer_to_server(
        RouterServicer(broadcaster), server.server
    )

    async def healthy() -> bool:
        return broadcaster.table is not None

    ops = OpsServer(settings.host, settings.ops_port, healthy)
    await mirror.start()
    await follower.start()
    await server.start()
    await ops.start()
    log.info("router listening", extra={"port": server.port, "ops_port": ops.port})
    while not stop.is_set():
        # Cooldowns run out without any message: refresh the gauges anyway.
        metrics.refresh(mirror, keys)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
    await server.stop(grace=2.0)
    await ops.stop()
    await follower.stop()
    await mirror.stop()
    await redis.aclose()


def main() -> None:
    settings = RouterSettings()
    configure_logging("router", settings.log_level, settings.log_format)
    init_tracing("router")
    run_service(lambda stop: serve(settings, stop))


if __name__ == "__main__":
    main()
