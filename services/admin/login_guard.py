"""Brute-force guard of the dashboard login, shared through Redis.

Every attempt is counted *before* the password is checked, in one atomic
script, so fifty concurrent guesses cannot all be checked while the first
failures are still being counted: the attempt that reaches the limit locks
the address (or the account) for the window at once, and every later one is
refused unchecked. A right password clears the counts. Two counts apply:

* per client address: ``max_failures`` attempts in the window;
* for the account, from any address: ``ACCOUNT_FACTOR`` times as many, so
  guesses spread over many addresses are bounded too.

A browser that has logged in before carries a signed device cookie (OWASP's
device cookies): its attempts count against that device alone, with the
per-address limit, so guessing from elsewhere — which can lock the account
for every unknown browser — never locks the owner out of their own.

The counts live in Redis, so every admin replica sees the same ones and a
restart of one does not forgive anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from omniroute.runtime.redis_keys import RedisKeys

ACCOUNT = "account"
DEVICE = "device:"
# The account's limit, in multiples of the per-address one.
ACCOUNT_FACTOR = 4

# KEYS: tries and lock of each identity, in pairs.
# ARGV: window seconds, then each identity's limit.
# Returns {locked, seconds, last}: locked is 0 when the attempt may be
# checked, else the 1-based identity that is locked, with the seconds until
# it may try again; last is 1 when this attempt used the last try (the lock
# is set already, so concurrent attempts are refused while it is checked).
_BEGIN = """
local pairs = #KEYS / 2
for i = 1, pairs do
  local left = redis.call('TTL', KEYS[2 * i])
  if left > 0 then return {i, left, 0} end
end
local last = 0
for i = 1, pairs do
  local tries = redis.call('INCR', KEYS[2 * i - 1])
  if tries == 1 then redis.call('EXPIRE', KEYS[2 * i - 1], ARGV[1]) end
  if tries >= tonumber(ARGV[1 + i]) then
    redis.call('SET', KEYS[2 * i], '1', 'EX', ARGV[1])
    redis.call('DEL', KEYS[2 * i - 1])
    last = 1
  end
end
return {0, 0, last}
"""


@dataclass(frozen=True, slots=True)
class Attempt:
    """What the guard says of one password attempt."""

    # Who is locked ("account", "device:<id>" or the address) when it may
    # not be checked; else who a failure of this attempt counts against.
    who: str
    locked: bool = False
    retry_after: int = 0
    # It used the last try: if it fails, the lock it set stands.
    last: bool = False


def _identities(address: str, device: str | None) -> list[str]:
    return [DEVICE + device] if device else [f"addr:{address}", ACCOUNT]


class LoginGuard:
    def __init__(
        self, redis: Redis, keys: RedisKeys, max_failures: int, lockout_s: int
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._max = max_failures
        self._window = lockout_s
        self._begin = redis.register_script(_BEGIN)

    async def attempt(self, address: str, device: str | None = None) -> Attempt:
        """Counts an attempt from ``address`` (or a known ``device``) before
        it is checked."""
        identities = _identities(address, device)
        limits = [
            self._max * (ACCOUNT_FACTOR if i == ACCOUNT else 1) for i in identities
        ]
        keys: list[str] = []
        for identity in identities:
            keys += [self._keys.login_tries(identity), self._keys.login_lock(identity)]
        verdict, seconds, last = await self._begin(
            keys=keys, args=[self._window, *limits]
        )
        if int(verdict) == 0:
            return Attempt(
                _shown(identities[0]), last=bool(int(last)), retry_after=self._window
            )
        return Attempt(
            _shown(identities[int(verdict) - 1]), locked=True, retry_after=int(seconds)
        )

    async def succeeded(self, address: str, device: str | None = None) -> None:
        """A right password: what it was counted against starts afresh, and
        the address (or device) is unlocked if its last try was this one."""
        identities = _identities(address, device)
        names = [self._keys.login_tries(identity) for identity in identities]
        await self._redis.delete(*names, self._keys.login_lock(identities[0]))

    async def unlock(self, identifier: str) -> bool:
        """Lifts the lock of an address (or of ``account``, or a device)."""
        plain = identifier == ACCOUNT or identifier.startswith(DEVICE)
        name = identifier if plain else f"addr:{identifier}"
        removed = await self._redis.delete(
            self._keys.login_lock(name), self._keys.login_tries(name)
        )
        return bool(removed)

    async def reset(self) -> None:
        names = [k async for k in self._redis.scan_iter(self._keys.login_pattern)]
        if names:
            await self._redis.delete(*names)

    async def locked(self) -> dict[str, int]:
        """Locked identifiers (addresses, ``account``, devices) with the
        seconds left."""
        found: dict[str, int] = {}
        async for raw in self._redis.scan_iter(self._keys.login_lock("*")):
            name = self._keys.login_locked_of(raw.decode())
            left = await self._redis.ttl(raw)
            if name is not None and left > 0:
                found[_shown(name)] = left
        return found


def _shown(identity: str) -> str:
    """An identity as operators see and unlock it: addresses bare."""
    return identity.removeprefix("addr:")
