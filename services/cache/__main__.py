"""Cache service: exact and semantic response cache, idempotency records."""

from __future__ import annotations

import asyncio
import logging

from omniroute.cache.v1 import cache_pb2, cache_pb2_grpc
from omniroute.embedding import MiniLMEncoder
from omniroute.runtime.grpc_server import GrpcServer
from omniroute.runtime.lifecycle import run_service
from omniroute.runtime.logs import configure_logging
from omniroute.runtime.ops_http import OpsServer
from omniroute.runtime.redis_client import create_redis
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.runtime.telemetry import init_tracing
from services.cache.exact_store import ExactStore
from services.cache.idempotency import IdempotencyStore
from services.cache.semantic import SemanticCache
from services.cache.servicer import CacheServicer
from services.cache.settings import CacheSettings

log = logging.getLogger("omniroute.cache")


async def serve(settings: CacheSettings, stop: asyncio.Event) -> None:
    keys = RedisKeys(settings.key_prefix)
    redis = create_redis(settings.redis_url, blocking=True, max_connections=256)
    exact = ExactStore(redis, keys, settings.ttl_seconds, settings.max_entries)
    # Loading the model takes a moment at start so no lookup pays for it.
    encoder = MiniLMEncoder.load()
    semantic = SemanticCache(
        redis, keys, encoder, settings.max_entries, settings.ttl_seconds
    )
    idempotency = IdempotencyStore(redis, keys)
    server = GrpcServer(
        settings.host,
        settings.port,
        [cache_pb2.DESCRIPTOR.services_by_name["CacheService"].full_name],
    )
    cache_pb2_grpc.add_CacheServiceServicer_to_server(
        CacheServicer(exact, semantic, idempotency), server.server
    )

    async def healthy() -> bool:
        try:
            return bool(await redis.ping())
        except Exception:
            return False

    ops = OpsServer(settings.host, settings.ops_port, healthy)
    await semantic.start()
    await server.start()
    await ops.start()
    log.info("cache listening", extra={"port": server.port, "ops_port": ops.port})
    await stop.wait()
    await server.stop(grace=2.0)
    await ops.stop()
    await semantic.stop()
    await redis.aclose()


def main() -> None:
    settings = CacheSettings()
    configure_logging("cache", settings.log_level, settings.log_format)
    init_tracing("cache")
    run_service(lambda stop: serve(settings, stop))


if __name__ == "__main__":
    main()
