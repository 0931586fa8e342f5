"""Hands a request to the executors and reads their replies.

``XADD dispatch`` and the first ``XREAD BLOCK reply:{id}`` go out in one
pipeline, so dispatching costs a single round trip; reading from ``0``
rather than ``$`` means no reply can slip in between the two.
"""

from __future__ import annotations

import time
from collections import deque

from redis.asyncio import Redis
from redis.exceptions import RedisError

from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import GatewayTimeout, Unavailable
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.redis_keys import DISPATCH_MAXLEN, RedisKeys

DISPATCH_FIELD = b"d"
REPLY_FIELD = b"r"
# Blocking reads are cut in slices so a deadline is noticed promptly.
_MAX_BLOCK_MS = 5_000


class ReplyStream:
    """The replies of one request, in order, until Done or Failure."""

    def __init__(self, redis: Redis, key: str, deadline: float) -> None:
        self._redis = redis
        self._key = key
        self._deadline = deadline
        self._last_id = b"0"
        self._buffer: deque[dispatch_pb2.Reply] = deque()

    def extend(
        self, response: list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]
    ) -> None:
        for _, entries in response or ():
            for entry_id, fields in entries:
                self._last_id = entry_id
                self._buffer.append(dispatch_pb2.Reply.FromString(fields[REPLY_FIELD]))

    def __aiter__(self) -> ReplyStream:
        return self

    async def __anext__(self) -> dispatch_pb2.Reply:
        while not self._buffer:
            remaining_ms = int((self._deadline - time.time()) * 1000)
            if remaining_ms <= 0:
                raise GatewayTimeout(
                    "no answer from the provider before the request deadline "
                    "(REQUEST_TIMEOUT_S)"
                )
            try:
                response = await self._redis.xread(
                    {self._key: self._last_id}, block=min(remaining_ms, _MAX_BLOCK_MS)
                )
            except (RedisError, OSError) as exc:
                REDIS_ERRORS.labels("reply_read").inc()
                raise Unavailable(
                    f"lost the connection to Redis while waiting for the answer: {exc}",
                    retry_after=1,
                ) from None
            self.extend(response)
        return self._buffer.popleft()


class Dispatcher:
    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self._redis = redis
        self._keys = keys

    async def submit(self, dispatch: dispatch_pb2.Dispatch) -> ReplyStream:
        deadline = dispatch.deadline_unix_ms / 1000
        replies = ReplyStream(self._redis, dispatch.reply_to, deadline)
        block_ms = max(1, min(int((deadline - time.time()) * 1000), _MAX_BLOCK_MS))
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.xadd(
                    self._keys.dispatch,
                    {DISPATCH_FIELD: dispatch.SerializeToString()},
                    maxlen=DISPATCH_MAXLEN,
                    approximate=True,
                )
                pipe.xread({dispatch.reply_to: b"0"}, block=block_ms)
                _, first = await pipe.execute()
        except (RedisError, OSError) as exc:
            REDIS_ERRORS.labels("dispatch").inc()
            raise Unavailable(
                f"the gateway cannot reach Redis ({exc.__class__.__name__}); "
                "retry shortly",
                retry_after=1,
            ) from None
        replies.extend(first)
        return replies
