"""Usage counts shared by every process through Redis: least-used picks.

The edge balances combo members with them and the executors balance a
provider's accounts; one atomic script reads the counts, picks the least-used
of the candidates and counts the pick, so concurrent callers spread out.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from omniroute.runtime.redis_keys import USAGE_TTL_SECONDS

# KEYS[1] usage hash; ARGV[1] ttl; ARGV[2] candidate count k;
# ARGV[3..2+k] candidate positions (1-based); ARGV[3+k..] member ids.
# Picks the least-used candidate, counts it, returns its 0-based position
# followed by every member's count.
_PICK_LEAST_USED = """
local k = tonumber(ARGV[2])
local first_member = 3 + k
local counts = {}
for i = first_member, #ARGV do
  counts[#counts + 1] = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
end
local best = nil
for c = 3, 2 + k do
  local position = tonumber(ARGV[c])
  if best == nil or counts[position] < counts[best] then best = position end
end
redis.call('HINCRBY', KEYS[1], ARGV[first_member + best - 1], 1)
redis.call('EXPIRE', KEYS[1], ARGV[1])
counts[best] = counts[best] + 1
local result = {best - 1}
for i = 1, #counts do result[#result + 1] = counts[i] end
return result
"""


class UsageCounts:
    def __init__(self, redis: Redis) -> None:
        self._pick = redis.register_script(_PICK_LEAST_USED)

    async def pick_least_used(
        self, key: str, members: Sequence[str], candidates: Sequence[int] = ()
    ) -> tuple[int, list[int]]:
        """(the position of the least-used of ``candidates`` — positions in
        ``members``, all of them by default — now counted once more, and
        every member's count)."""
        chosen = [c + 1 for c in candidates] or list(range(1, len(members) + 1))
        result = await self._pick(
            keys=[key],
            args=[USAGE_TTL_SECONDS, len(chosen), *chosen, *members],
        )
        pick, *usage = (int(value) for value in result)
        return pick, usage
