"""Every Redis key and stream name OmniRoute uses, with its TTL and reason.

All names share one prefix (``omniroute:`` by default) so a deployment can be
inspected, moved or flushed as a unit, and tests can isolate themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

# The edge gives up on a request long before this; the stream only has to
# outlive the edge reading it.
REPLY_TTL_SECONDS = 60
# An executor refreshes its heartbeat every few seconds; a dead one disappears.
HEARTBEAT_TTL_SECONDS = 10
# Enough for a long admin outage at a few thousand requests/s; lag is a metric.
EVENTS_MAXLEN = 2_000_000
# Bounded so a stuck executor pool cannot eat Redis memory; the edge sheds
# load (503) well before this.
DISPATCH_MAXLEN = 200_000

DISPATCH_GROUP = "executors"
EVENTS_GROUP = "admin"


@dataclass(frozen=True, slots=True)
class RedisKeys:
    prefix: str = "omniroute:"

    # Config: the whole ConfigSnapshot (protobuf), no TTL: services must keep
    # serving from it while admin is down.
    @property
    def config_snapshot(self) -> str:
        return f"{self.prefix}config:snapshot"

    # Config: version of the snapshot, cheap to poll (missed pub/sub heals).
    @property
    def config_version(self) -> str:
        return f"{self.prefix}config:version"

    # Pub/sub channel announcing a new snapshot version (ConfigChanged).
    @property
    def config_channel(self) -> str:
        return f"{self.prefix}config:changed"

    # Stream of Dispatch messages, consumer group DISPATCH_GROUP.
    @property
    def dispatch(self) -> str:
        return f"{self.prefix}dispatch"

    # Stream of Reply messages for one request; TTL REPLY_TTL_SECONDS.
    def reply(self, request_id: str) -> str:
        return f"{self.prefix}reply:{request_id}"

    # Stream of UsageEvent, consumer group EVENTS_GROUP; acked after commit.
    @property
    def usage_events(self) -> str:
        return f"{self.prefix}events.usage"

    # Stream of AuditEvent, consumer group EVENTS_GROUP; acked after commit.
    @property
    def audit_events(self) -> str:
        return f"{self.prefix}events.audit"

    # Liveness of one executor; TTL HEARTBEAT_TTL_SECONDS.
    def executor_heartbeat(self, executor_id: str) -> str:
        return f"{self.prefix}executor:{executor_id}:heartbeat"

    @property
    def executor_heartbeat_pattern(self) -> str:
        return f"{self.prefix}executor:*:heartbeat"

    # Exact response-cache entry (hub response JSON); TTL from cache settings.
    def cache_exact(self, digest: str) -> str:
        return f"{self.prefix}cache:exact:{digest}"

    # Sorted set of exact-cache keys by store time, to bound the entry count.
    @property
    def cache_exact_index(self) -> str:
        return f"{self.prefix}cache:exact:index"

    # Hash of cache counters (hits, misses, stores), shared by replicas.
    @property
    def cache_stats(self) -> str:
        return f"{self.prefix}cache:stats"
