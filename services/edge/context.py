"""The edge's composition root: every client it holds, built and started in
one place, stopped in the reverse order, handed to routes as one typed
object (``edge(request)``), as ``AdminContext`` is in admin."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from omniroute.netaddr import parse_networks
from omniroute.resilience.profiles import Resilience
from omniroute.runtime.redis_client import create_redis
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.runtime.snapshot import SnapshotFollower
from services.edge.admin_proxy import AdminProxy
from services.edge.admission import Admission
from services.edge.auth import KeyRing
from services.edge.backlog import BacklogMonitor
from services.edge.cache_client import CacheClient
from services.edge.chat import ChatPipeline
from services.edge.conversations import Conversations
from services.edge.counting import TokenCounting
from services.edge.dispatch_path import DispatchPath
from services.edge.dispatcher import Dispatcher
from services.edge.exchange import Recorder
from services.edge.gate import Gate
from services.edge.media import MediaPipeline
from services.edge.planner import Planner
from services.edge.routing_client import RoutingTableWatcher
from services.edge.settings import EdgeSettings
from services.edge.speech import SpeechPipeline
from services.edge.usage_events import UsagePublisher

log = logging.getLogger("omniroute.edge")


@dataclass(frozen=True, slots=True)
class EdgeContext:
    settings: EdgeSettings
    follower: SnapshotFollower
    routes: RoutingTableWatcher
    proxy: AdminProxy
    gate: Gate
    admission: Admission
    dispatch_path: DispatchPath
    chat: ChatPipeline
    media: MediaPipeline
    speech: SpeechPipeline
    counting: TokenCounting


def edge(request: HTTPConnection) -> EdgeContext:
    context: EdgeContext = request.app.state.edge
    return context


@asynccontextmanager
async def running_edge(settings: EdgeSettings) -> AsyncIterator[EdgeContext]:
    """Builds the edge, starts what runs in the background, and stops all
    of it, last started first, when the block ends."""
    async with AsyncExitStack() as stack:
        keys = RedisKeys(settings.key_prefix)
        redis = create_redis(settings.redis_url, blocking=True, max_connections=4096)
        stack.push_async_callback(redis.aclose)
        key_ring = KeyRing(settings.secret, settings.require_api_key)
        follower = SnapshotFollower(redis, keys, key_ring.load)
        routes = RoutingTableWatcher(settings.router_address, socket.gethostname())
        cache = CacheClient(
            settings.cache_address, settings.cache_lookup_timeout_ms / 1000
        )
        usage = UsagePublisher(redis, keys)
        proxy = AdminProxy(settings.admin_url, settings.secret)
        backlog = BacklogMonitor(redis, keys)
        dispatcher = Dispatcher(redis, keys)
        admission = Admission(redis, keys)
        recorder = Recorder(usage, lambda: routes.known_models, admission)
        trusted = parse_networks(
            p.strip() for p in settings.trusted_proxies.split(",") if p.strip()
        )
        path = DispatchPath(
            settings, routes, admission, backlog, Planner(redis, keys), dispatcher
        )
        chat = ChatPipeline(
            settings,
            routes,
            cache,
            path,
            recorder,
            Conversations(redis, keys, settings.responses_store_ttl_s),
        )
        media = MediaPipeline(settings, path, recorder)
        speech = SpeechPipeline(settings, path, recorder)
        follower.add_listener(
            lambda snapshot: setattr(
                backlog,
                "limit",
                Resilience.from_settings(snapshot.resilience).max_dispatch_backlog,
            )
        )
        for listener in (admission.configure, recorder.configure, chat.configure):
            follower.add_listener(listener)

        await _start(stack, follower, routes, cache, usage, backlog, dispatcher, proxy)
        log.info("edge listening", extra={"port": settings.port})
        yield EdgeContext(
            settings=settings,
            follower=follower,
            routes=routes,
            proxy=proxy,
            gate=Gate(key_ring, admission, trusted),
            admission=admission,
            dispatch_path=path,
            chat=chat,
            media=media,
            speech=speech,
            counting=TokenCounting(settings, path),
        )


async def _start(
    stack: AsyncExitStack,
    follower: SnapshotFollower,
    routes: RoutingTableWatcher,
    cache: CacheClient,
    usage: UsagePublisher,
    backlog: BacklogMonitor,
    dispatcher: Dispatcher,
    proxy: AdminProxy,
) -> None:
    """Starts the background parts, each stop registered as it starts."""
    await follower.start()
    stack.push_async_callback(follower.stop)
    routes.start()
    stack.push_async_callback(routes.stop)
    stack.push_async_callback(cache.close)
    usage.start()
    stack.push_async_callback(usage.close)
    backlog.start()
    stack.push_async_callback(backlog.stop)
    dispatcher.start()
    stack.push_async_callback(dispatcher.stop)
    await proxy.start()
    stack.push_async_callback(proxy.close)
