"""Conversation state of the Responses API: ``previous_response_id``.

A Responses client may send only its new input and name the response it
continues; the gateway must then supply the turns before it, whatever
provider answers. Each answered turn is kept in Redis (unless the request
says ``store: false``) as a link: the id of the response it continued, the
input it added and the assistant message that answered it. Continuing a
response walks the chain back and puts the earlier turns in front of the new
input. Links expire ``RESPONSES_STORE_TTL_S`` after they were last used, so
a conversation in use stays whole.

Only the gateway's own response ids (``resp_req_…``) are looked up. Another
id came from a provider through same-format pass-through; the request goes
to the provider unchanged, which knows its own responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from omniroute.errors import BadRequest, NotFound, Unavailable
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.redis_keys import RedisKeys

Json = dict[str, Any]

OWN_PREFIX = "resp_req_"  # "resp_" + the edge's request id
MAX_TURNS = 1_000  # a longer chain is refused, not walked


@dataclass(slots=True)
class Turn:
    """One Responses request's place in its conversation."""

    key_id: str
    previous: str | None
    added: list[Json]  # the input this request adds (instructions excluded)
    store: bool

    def link(self, answer: Json) -> bytes:
        """What is kept of this turn once ``answer`` (a hub response) is in."""
        reply = (answer.get("choices") or [{}])[0].get("message") or {}
        message = {k: v for k, v in reply.items() if v not in (None, "", [])}
        message["role"] = "assistant"
        message.setdefault("content", "")
        return orjson.dumps(
            {"previous": self.previous, "messages": [*self.added, message]}
        )


class Conversations:
    def __init__(self, redis: Redis, keys: RedisKeys, ttl_s: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl_s = ttl_s

    async def begin(self, key_id: str, body: Json, hub: Json) -> Turn | None:
        """Puts the earlier turns in front of ``hub``'s messages when ``body``
        continues one of ours; None when nothing is to be done or kept."""
        previous = body.get("previous_response_id")
        store = body.get("store") is not False
        if previous is None and not store:
            return None
        messages: list[Json] = hub["messages"]
        lead = 1 if body.get("instructions") else 0  # not carried to the next turn
        # A copy: gateway policies applied later edit the request's messages.
        added: list[Json] = orjson.loads(orjson.dumps(messages[lead:]))
        if previous is None:
            return Turn(key_id, None, added, store)
        if not isinstance(previous, str) or not previous:
            raise BadRequest(
                "previous_response_id must be a response id (a non-empty string)",
                param="previous_response_id",
            )
        if not previous.startswith(OWN_PREFIX):
            return None  # the provider's own id: it goes through unchanged
        earlier = await self._history(key_id, previous)
        hub["messages"] = [*messages[:lead], *earlier, *added]
        return Turn(key_id, previous, added, store)

    async def remember(self, turn: Turn, response_id: str, answer: bytes) -> None:
        """Keeps an answered turn; a Redis failure loses only this link."""
        if not turn.store:
            return
        try:
            await self._redis.set(
                self._keys.response_turn(turn.key_id, response_id),
                turn.link(orjson.loads(answer)),
                ex=self._ttl_s,
            )
        except (RedisError, OSError):
            REDIS_ERRORS.labels("responses_store").inc()

    async def _history(self, key_id: str, response_id: str) -> list[Json]:
        """Every message of the conversation up to and including
        ``response_id``, oldest first."""
        links: list[list[Json]] = []
        cursor: str | None = response_id
        while cursor is not None:
            if len(links) == MAX_TURNS:
                raise BadRequest(
                    f"the conversation is longer than {MAX_TURNS} turns: "
                    "send the whole input instead of previous_response_id",
                    param="previous_response_id",
                )
            try:
                raw = await self._redis.getex(
                    self._keys.response_turn(key_id, cursor), ex=self._ttl_s
                )
            except (RedisError, OSError) as exc:
                REDIS_ERRORS.labels("responses_store").inc()
                raise Unavailable(
                    "the conversation store is unavailable; retry, or send the "
                    "whole input instead of previous_response_id"
                ) from exc
            if raw is None:
                raise _not_found(response_id, cursor)
            link = orjson.loads(raw)
            links.append(link["messages"])
            cursor = link["previous"]
        return [message for messages in reversed(links) for message in messages]


def _not_found(asked: str, missing: str) -> NotFound:
    why = "" if asked == missing else f" (its earlier turn '{missing}' has expired)"
    return NotFound(
        f"Previous response with id '{asked}' not found{why}. Responses are kept "
        "for RESPONSES_STORE_TTL_S after their last use, per API key, and not at "
        "all with store: false; send the whole input instead.",
        code="previous_response_not_found",
        param="previous_response_id",
    )
