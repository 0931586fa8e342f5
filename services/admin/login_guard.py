"""Brute-force guard of the dashboard login, shared through Redis.

Every attempt is counted *before* the password is checked, in one atomic
script, so fifty concurrent guesses cannot all be checked while the first
failures are still being counted: the attempt that reaches the limit locks
the address (or the account) for the window at once, and every later one is
refused unchecked. A right password clears the counts. Two counts apply:

* per client address: ``max_failures`` attempts in the window;
* for the account, from any address: ``ACCOUNT_FACTOR`` times as many, so
  guesses spread over many addresses are bounded too, while one address
  guessing locks only itself first and the owner can still log in.

The counts live in Redis, so every admin replica sees the same ones and a
restart of one does not forgive anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from omniroute.runtime.redis_keys import RedisKeys

ACCOUNT = "account"
# The account's limit, in multiples of the per-address one.
ACCOUNT_FACTOR = 4

# KEYS: tries and lock of the address, tries and lock of the account.
# ARGV: the address's limit, the account's limit, window seconds.
# Returns {locked, seconds, last}: locked is 0 when the attempt may be
# checked, else 1 (the address) or 2 (the account) with the seconds until it
# may try again; last is 1 when this attempt used the last try (the lock is
# set already, so concurrent attempts are refused while it is checked).
_BEGIN = """
for i = 0, 1 do
  local left = redis.call('TTL', KEYS[2 + 2 * i])
  if left > 0 then return {i + 1, left, 0} end
end
local last = 0
for i = 0, 1 do
  local tries = redis.call('INCR', KEYS[1 + 2 * i])
  if tries == 1 then redis.call('EXPIRE', KEYS[1 + 2 * i], ARGV[3]) end
  if tries >= tonumber(ARGV[1 + i]) then
    redis.call('SET', KEYS[2 + 2 * i], '1', 'EX', ARGV[3])
    redis.call('DEL', KEYS[1 + 2 * i])
    last = 1
  end
end
return {0, 0, last}
"""


@dataclass(frozen=True, slots=True)
class Attempt:
    """What the guard says of one password attempt."""

    # Who is locked ("account" or the address) when it may not be checked.
    locked: str = ""
    retry_after: int = 0
    # It used the last try: if it fails, the lock it set stands.
    last: bool = False


class LoginGuard:
    def __init__(
        self, redis: Redis, keys: RedisKeys, max_failures: int, lockout_s: int
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._max = max_failures
        self._window = lockout_s
        self._begin = redis.register_script(_BEGIN)

    async def attempt(self, address: str) -> Attempt:
        """Counts an attempt from ``address`` before it is checked."""
        verdict, seconds, last = await self._begin(
            keys=[
                self._keys.login_tries(f"addr:{address}"),
                self._keys.login_lock(f"addr:{address}"),
                self._keys.login_tries(ACCOUNT),
                self._keys.login_lock(ACCOUNT),
            ],
            args=[self._max, self._max * ACCOUNT_FACTOR, self._window],
        )
        if int(verdict) == 0:
            return Attempt(last=bool(int(last)), retry_after=self._window)
        who = address if int(verdict) == 1 else ACCOUNT
        return Attempt(who, int(seconds))

    async def succeeded(self, address: str) -> None:
        """A right password: the address starts afresh (and is unlocked, if
        its last try was this one)."""
        await self._redis.delete(
            self._keys.login_tries(f"addr:{address}"),
            self._keys.login_lock(f"addr:{address}"),
            self._keys.login_tries(ACCOUNT),
        )

    async def unlock(self, identifier: str) -> bool:
        """Lifts the lock of an address (or of ``account``)."""
        name = identifier if identifier == ACCOUNT else f"addr:{identifier}"
        removed = await self._redis.delete(
            self._keys.login_lock(name), self._keys.login_tries(name)
        )
        return bool(removed)

    async def reset(self) -> None:
        names = [k async for k in self._redis.scan_iter(self._keys.login_pattern)]
        if names:
            await self._redis.delete(*names)

    async def locked(self) -> dict[str, int]:
        """Locked identifiers (addresses, or ``account``) with the seconds left."""
        found: dict[str, int] = {}
        async for raw in self._redis.scan_iter(self._keys.login_lock("*")):
            name = self._keys.login_locked_of(raw.decode())
            left = await self._redis.ttl(raw)
            if name is not None and left > 0:
                found[name.removeprefix("addr:")] = left
        return found
