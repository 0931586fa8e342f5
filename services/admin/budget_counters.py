"""Restores the edge's budget counters from the database after Redis lost them.

The edge reserves and counts each key's spend per period in Redis, so every
edge sees the same total; the database holds what was really spent. If Redis
loses its data (a restart without persistence, a failover to an empty
replica) those counters would start again from zero and every budget would be
granted a second time. Admin notices the loss when it re-publishes the config
snapshot, and raises each current-period counter to at least the spend the
database recorded. Raising never lowers a counter, so running it when nothing
was lost changes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniroute.budgets import MICRO, counter_ttl, current_period
from omniroute.runtime.redis_keys import RedisKeys
from services.admin import usage_stats
from services.admin.db.models import Budget

log = logging.getLogger(__name__)

# KEYS: the spend counter. ARGV: spend in micro-USD, TTL in seconds.
# Returns 1 when the counter was raised, 0 when it already held as much.
_RAISE_TO = """
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""


async def restore_budget_counters(
    session: AsyncSession, redis: Redis, keys: RedisKeys
) -> int:
    """Raises every budget counter of the current period to the recorded
    spend; returns how many counters were raised."""
    now = datetime.now(UTC)
    raise_to = redis.register_script(_RAISE_TO)
    by_period: dict[str, list[str]] = defaultdict(list)
    for budget in await session.scalars(select(Budget).where(Budget.limit_usd > 0)):
        by_period[budget.period].append(budget.key_id)
    raised = 0
    for period, key_ids in by_period.items():
        period_id, start, end = current_period(period, now)
        for key_id, spent in (await usage_stats.spent(session, key_ids, start)).items():
            if (micro := int(spent * MICRO)) > 0:
                raised += await raise_to(
                    keys=[keys.budget_spend(key_id, period_id)],
                    args=[micro, counter_ttl(end, now)],
                )
    if raised:
        log.info(
            "budget counters raised to the recorded spend", extra={"counters": raised}
        )
    return raised
