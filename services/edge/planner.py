"""Orders a request's targets, fetching combo state from Redis only when needed.

Plain models and stateless strategies (priority, weighted, random,
cost-optimized) cost no round trip. Round-robin increments a shared counter,
least-used picks and counts atomically in a script, p2c compares two random
members' counts, strict-random draws from a shared shuffled deck: every edge
sees the same state, so the balance holds however many edges there are.
Cache-optimized reads which provider account holds the request's prompt
prefix (the executors' pin, ``services/executor/affinity.py``).
"""

from __future__ import annotations

import random

from redis.asyncio import Redis
from redis.exceptions import RedisError

from omniroute.common.v1 import common_pb2
from omniroute.router.v1 import router_pb2
from omniroute.routing.plan import ComboNeed, combos_needing_state, expand
from omniroute.routing.strategies import SharedState, Strategy, deck, p2c_candidates
from omniroute.routing.usage_counts import UsageCounts
from omniroute.runtime.redis_keys import RedisKeys

# KEYS[1] deck list; ARGV: a fresh shuffle of the member ids, used when the
# deck is empty. Returns the next card.
_DRAW = """
if redis.call('LLEN', KEYS[1]) == 0 then
  redis.call('RPUSH', KEYS[1], unpack(ARGV))
end
return redis.call('LPOP', KEYS[1])
"""


class Planner:
    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self._redis = redis
        self._keys = keys
        self._rng = random.Random()
        self._usage = UsageCounts(redis)
        self._draw = redis.register_script(_DRAW)

    async def plan(
        self,
        table: router_pb2.RoutingTable,
        route: router_pb2.Route,
        prefix_key: str = "",
    ) -> list[common_pb2.Target]:
        if route.kind != router_pb2.ROUTE_KIND_COMBO:
            return expand(table, route)
        states: dict[str, SharedState] = {}
        for need in combos_needing_state(table, route):
            try:
                states[need.combo] = await self._state(need, prefix_key)
            except (RedisError, OSError):
                # Without shared state the strategy degrades to its local form
                # (e.g. round-robin starts anywhere) rather than failing.
                continue
        return expand(table, route, states, self._rng)

    async def _state(self, need: ComboNeed, prefix_key: str) -> SharedState:
        ids = list(need.member_ids)
        if need.strategy is Strategy.CACHE_OPTIMIZED:
            return await self._warm(ids, prefix_key)
        if need.strategy is Strategy.ROUND_ROBIN:
            turn = await self._redis.incr(self._keys.round_robin(need.combo))
            return SharedState(counter=int(turn) - 1)
        if need.strategy is Strategy.STRICT_RANDOM:
            card = await self._draw(
                keys=[self._keys.combo_deck(need.combo)],
                args=[ids[i] for i in deck(len(ids), self._rng)],
            )
            name = card.decode() if isinstance(card, bytes) else str(card)
            if name not in ids:  # the combo changed since the deck was dealt
                await self._redis.delete(self._keys.combo_deck(need.combo))
                return SharedState()
            return SharedState(pick=ids.index(name))
        candidates = (
            p2c_candidates(len(ids), self._rng) if need.strategy is Strategy.P2C else ()
        )
        pick, usage = await self._usage.pick_least_used(
            self._keys.combo_usage(need.combo), ids, candidates
        )
        return SharedState(usage=usage, pick=pick)

    async def _warm(self, ids: list[str], prefix_key: str) -> SharedState:
        """The member whose provider served this prefix last (and so holds
        it in its cache), if the prefix is pinned."""
        if not prefix_key:
            return SharedState()
        pinned = await self._redis.get(self._keys.prompt_prefix(prefix_key))
        if not pinned:
            return SharedState()
        provider = pinned.decode().partition("/")[0]
        for index, member in enumerate(ids):
            if member.startswith(provider + "/"):
                return SharedState(pick=index)
        return SharedState()
