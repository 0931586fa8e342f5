"""Every Redis key and stream name OmniRoute uses, with its TTL and reason.

All names share one prefix (``omniroute:`` by default) so a deployment can be
inspected, moved or flushed as a unit, and tests can isolate themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

# The edge gives up on a request long before this; the stream only has to
# outlive the edge reading it.
REPLY_TTL_SECONDS = 60
# An edge's reply stream outlives the edge by this much (it refreshes the TTL
# every few seconds while it runs).
REPLIES_TTL_SECONDS = 60
# An executor refreshes its heartbeat every few seconds; a dead one disappears.
HEARTBEAT_TTL_SECONDS = 10
# Enough for a long admin outage at a few thousand requests/s; lag is a metric.
EVENTS_MAXLEN = 2_000_000
# Bounded so a stuck executor pool cannot eat Redis memory; the edge sheds
# load (503) well before this.
DISPATCH_MAXLEN = 200_000

# Breaker state outlives any reset timeout but not forever.
BREAKER_TTL_SECONDS = 86_400
# A rate-limited account that stays quiet this long starts its backoff over.
COOLDOWN_LEVEL_TTL_SECONDS = 900
# Least-used balances recent traffic, not all-time totals.
USAGE_TTL_SECONDS = 300

DISPATCH_GROUP = "executors"
EVENTS_GROUP = "admin"


@dataclass(frozen=True, slots=True)
class AccountKey:
    """What a breaker, cooldown or invalid-mark key names (a provider's own
    breaker has no account; only invalid marks have a fingerprint)."""

    provider: str
    account: str = ""
    fingerprint: str = ""


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

    # Stream of background Dispatch messages (batch lines), same group:
    # executors read it only with slots to spare (services/executor/intake.py).
    @property
    def dispatch_background(self) -> str:
        return f"{self.prefix}dispatch:background"

    # Pub/sub channel naming a request whose client went away (its request
    # id): the executor running it stops its upstream call.
    @property
    def dispatch_cancel(self) -> str:
        return f"{self.prefix}dispatch:cancel"

    # Stream of ReplyBatch messages for the requests of one edge, read by
    # that edge alone; TTL REPLIES_TTL_SECONDS, refreshed while it lives.
    def replies(self, edge_id: str) -> str:
        return f"{self.prefix}replies:{edge_id}"

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

    # Circuit breaker of a provider: hash (state, failures, window_start,
    # opened_at, reset_ms, probe_until); TTL BREAKER_TTL_SECONDS, refreshed.
    def provider_breaker(self, provider_id: str) -> str:
        return f"{self.prefix}breaker:provider:{provider_id}"

    # Circuit breaker of one account of a provider; same shape.
    def account_breaker(self, provider_id: str, account_id: str) -> str:
        return f"{self.prefix}breaker:account:{provider_id}:{account_id}"

    @property
    def breaker_pattern(self) -> str:
        return f"{self.prefix}breaker:*"

    # An account cooling down (rate limit, quota); TTL = the cooldown itself.
    def cooldown(self, provider_id: str, account_id: str) -> str:
        return f"{self.prefix}cooldown:{provider_id}:{account_id}"

    @property
    def cooldown_pattern(self) -> str:
        return f"{self.prefix}cooldown:*"

    # How many rate limits in a row an account hit (exponential backoff);
    # TTL COOLDOWN_LEVEL_TTL_SECONDS so a quiet account starts over.
    def cooldown_level(self, provider_id: str, account_id: str) -> str:
        return f"{self.prefix}cooldown-level:{provider_id}:{account_id}"

    # An account whose credential the provider refused; keyed by a
    # fingerprint of the credential so a new one is tried at once.
    def invalid_account(
        self, provider_id: str, account_id: str, fingerprint: str
    ) -> str:
        return f"{self.prefix}invalid:{provider_id}:{account_id}:{fingerprint}"

    @property
    def invalid_pattern(self) -> str:
        return f"{self.prefix}invalid:*"

    # Pub/sub: every breaker, cooldown and invalid-mark change, so executors
    # and routers keep a local mirror and the happy path reads nothing.
    @property
    def resilience_channel(self) -> str:
        return f"{self.prefix}resilience:changed"

    # X-Session-Id -> "provider_id/account_id"; TTL the session TTL setting.
    def session(self, session_id: str) -> str:
        return f"{self.prefix}session:{session_id}"

    @property
    def session_pattern(self) -> str:
        return f"{self.prefix}session:*"

    # A long prompt prefix's hash -> "provider_id/account_id" of the account
    # whose provider cache holds it; TTL the provider's cache lifetime.
    def prompt_prefix(self, prefix_key: str) -> str:
        return f"{self.prefix}prefix:{prefix_key}"

    # Round-robin counter of a combo (or of a provider's accounts); no TTL.
    def round_robin(self, name: str) -> str:
        return f"{self.prefix}rr:{name}"

    # Usage counts of a combo's members (least-used, p2c); TTL
    # USAGE_TTL_SECONDS so the balance follows recent traffic.
    def combo_usage(self, combo: str) -> str:
        return f"{self.prefix}usage:{combo}"

    # How often each account of a provider was picked (least-used accounts);
    # TTL as the combo usage counts.
    def account_usage(self, provider_id: str) -> str:
        return f"{self.prefix}usage-accounts:{provider_id}"

    # Shuffled deck of a strict-random combo's members.
    def combo_deck(self, combo: str) -> str:
        return f"{self.prefix}deck:{combo}"

    # Semantic cache entry: hash (partition, vector, response); TTL from the
    # cache settings.
    def cache_semantic(self, entry_id: str) -> str:
        return f"{self.prefix}cache:semantic:{entry_id}"

    # Stream announcing every semantic entry (id, partition, vector) so every
    # cache replica indexes it; capped near the entry bound.
    @property
    def cache_semantic_stream(self) -> str:
        return f"{self.prefix}cache:semantic:log"

    # Idempotency record: hash (state, status, body, headers); TTL the window.
    def idempotency(self, scope: str, key: str) -> str:
        return f"{self.prefix}idem:{scope}:{key}"

    @property
    def idempotency_pattern(self) -> str:
        return f"{self.prefix}idem:*"

    # Requests or tokens of a key in one minute window; TTL 120 s.
    def rate_window(self, key_id: str, kind: str, minute: int) -> str:
        return f"{self.prefix}rate:{key_id}:{kind}:{minute}"

    # One answered Responses turn of a key (JSON: the response it continued,
    # its messages); TTL RESPONSES_STORE_TTL_S, renewed when it is used.
    def response_turn(self, key_id: str, response_id: str) -> str:
        return f"{self.prefix}responses:{key_id}:{response_id}"

    # Micro-dollars a key spent in one budget period (settled costs); TTL a
    # day past the period's end.
    def budget_spend(self, key_id: str, period_id: str) -> str:
        return f"{self.prefix}budget:{key_id}:{period_id}"

    # What a key's requests in flight hold against its budget (hash: request
    # id -> "micro-USD:expiry unix ms"); an entry outlives its request only
    # until its expiry, so a crashed edge's holds lapse on their own.
    def budget_holds(self, key_id: str) -> str:
        return f"{self.prefix}budget-holds:{key_id}"

    # Batches (/v1/batches): the lock of the one runner working on a batch
    # (renewed while it works, so a dead runner's lapses in seconds), and
    # arq's queue of batch jobs.
    def batch_lock(self, batch_id: str) -> str:
        return f"{self.prefix}batch:lock:{batch_id}"

    @property
    def batch_queue(self) -> str:
        return f"{self.prefix}batch:queue"

    # Dashboard login attempts of one identity ("addr:<ip>" or "account") in
    # the lockout window, and its lock; both expire with the window.
    def login_tries(self, identity: str) -> str:
        return f"{self.prefix}login:tries:{identity}"

    def login_lock(self, identity: str) -> str:
        return f"{self.prefix}login:lock:{identity}"

    @property
    def login_pattern(self) -> str:
        return f"{self.prefix}login:*"

    # -- parsers: the inverse of the builders above, None for another key ------
    def login_locked_of(self, key: str) -> str | None:
        """The identity of a ``login_lock`` key."""
        head = f"{self.prefix}login:lock:"
        return key[len(head) :] if key.startswith(head) else None

    def executor_of(self, key: str) -> str | None:
        """The executor id of an ``executor_heartbeat`` key."""
        rest = _after(key, f"{self.prefix}executor:")
        if rest is None or not rest.endswith(":heartbeat"):
            return None
        return rest.removesuffix(":heartbeat")

    def breaker_of(self, key: str) -> AccountKey | None:
        """The provider (and account) of a ``provider_breaker`` or
        ``account_breaker`` key."""
        provider = _after(key, self.provider_breaker(""))
        if provider is not None:
            return AccountKey(provider)
        return _account_key(_after(key, self.account_breaker("", "")[:-1]))

    def cooldown_of(self, key: str) -> AccountKey | None:
        """The provider and account of a ``cooldown`` key."""
        return _account_key(_after(key, self.cooldown("", "")[:-1]))

    def cooldown_level_of(self, key: str) -> AccountKey | None:
        """The provider and account of a ``cooldown_level`` key."""
        return _account_key(_after(key, self.cooldown_level("", "")[:-1]))

    def invalid_of(self, key: str) -> AccountKey | None:
        """Provider, account and credential fingerprint of an
        ``invalid_account`` key (the fingerprint never holds a colon)."""
        rest = _after(key, self.invalid_account("", "", "")[:-2])
        if rest is None:
            return None
        provider, _, rest = rest.partition(":")
        account, _, fingerprint = rest.rpartition(":")
        return AccountKey(provider, account, fingerprint)

    def session_of(self, key: str) -> str | None:
        """The X-Session-Id of a ``session`` key."""
        return _after(key, self.session(""))


def _after(key: str, head: str) -> str | None:
    return key[len(head) :] if key.startswith(head) else None


def _account_key(rest: str | None) -> AccountKey | None:
    # Provider ids hold no colon (admin's PROVIDER_ID); account ids may.
    if rest is None:
        return None
    provider, _, account = rest.partition(":")
    return AccountKey(provider, account)
