"""Idempotency keys for non-streaming requests: a second request with the
same key and body waits for the first one's answer instead of calling a
provider again, and gets that answer (marked ``X-OmniRoute-Idempotent``).

Streams are never deduplicated: a stream cannot be replayed to a second
reader. The records live in the cache service, shared by every edge. The
claim of a request in flight is a lease this edge renews while it runs: an
edge that dies leaves a claim that lapses in seconds, and a request whose
client left gives its claim up, so a duplicate is never kept waiting for an
answer nobody will record.
"""

from __future__ import annotations

import asyncio
import hashlib

import orjson
from starlette.requests import Request
from starlette.responses import Response

from omniroute.cache.v1 import cache_pb2
from omniroute.errors import GatewayError
from services.edge.cache_client import CacheClient
from services.edge.exchange import Exchange, Recorder

HEADER = "X-OmniRoute-Idempotent"
# A third of the cache service's claim lease (CLAIM_LEASE_MS).
RENEW_EVERY_S = 5.0
# Headers a replayed answer repeats.
_REPLAYED = ("content-type", "x-omniroute-provider", "x-omniroute-model")


class Idempotency:
    def __init__(self, cache: CacheClient, recorder: Recorder, wait_s: float) -> None:
        self._cache = cache
        self._recorder = recorder
        self._wait_s = wait_s
        self._leases: dict[str, asyncio.Task[None]] = {}

    async def begin(
        self, request: Request, exchange: Exchange, received: bytes
    ) -> tuple[Response | None, str]:
        """An earlier request's answer to replay, if there is one, and the
        key this request must complete ("" when it has none to complete)."""
        key = idempotency_key(request, received)
        if not key or exchange.stream:
            return None, ""
        assert exchange.caller is not None
        claim = await self._cache.claim(exchange.caller.key_id, key)
        replay = await self._replay(exchange, claim, key)
        if replay is not None:
            return replay, ""
        if claim is None or claim.state != cache_pb2.CLAIM_STATE_NEW:
            return None, ""  # not ours to complete
        scope = exchange.caller.key_id
        self._leases[key] = asyncio.create_task(self._keep(scope, key))
        return None, key

    async def _keep(self, scope: str, key: str) -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY_S)
            self._cache.renew_later(scope, key)

    def abandon(self, exchange: Exchange, key: str) -> None:
        """Gives the claim up unanswered: a duplicate runs anew."""
        if not key:
            return
        assert exchange.caller is not None
        self._end_lease(key)
        self._cache.release_later(exchange.caller.key_id, key)

    def _end_lease(self, key: str) -> None:
        lease = self._leases.pop(key, None)
        if lease is not None:
            lease.cancel()

    def complete(
        self, exchange: Exchange, key: str, outcome: Response | GatewayError
    ) -> None:
        """Records this request's outcome for the requests waiting on ``key``."""
        if not key:
            return
        assert exchange.caller is not None
        if isinstance(outcome, GatewayError) and outcome.status == 499:
            # Nobody received it: a duplicate must be answered, not told so.
            self.abandon(exchange, key)
            return
        self._end_lease(key)
        if isinstance(outcome, GatewayError):
            status = outcome.status
            body = orjson.dumps(exchange.codec.error_body(outcome))
            headers = {"content-type": "application/json"}
        else:
            status = outcome.status_code
            body = bytes(outcome.body)
            headers = {
                k: v for k, v in outcome.headers.items() if k.lower() in _REPLAYED
            }
        self._cache.complete_later(
            exchange.caller.key_id,
            key,
            cache_pb2.RecordedAnswer(status=status, body=body, headers=headers),
        )

    async def _replay(
        self,
        exchange: Exchange,
        claim: cache_pb2.ClaimResponse | None,
        key: str,
    ) -> Response | None:
        """The recorded answer of an earlier request with this key, if any."""
        if claim is None or claim.state == cache_pb2.CLAIM_STATE_NEW:
            return None
        assert exchange.caller is not None
        answer = claim.answer if claim.state == cache_pb2.CLAIM_STATE_DONE else None
        if answer is None:
            answer = await self._cache.wait_for(
                exchange.caller.key_id, key, self._wait_s
            )
        if answer is None:
            return None
        exchange.cache = "idempotent"
        self._recorder.record(exchange, answer.status)
        return Response(
            answer.body,
            status_code=answer.status,
            headers={
                **dict(answer.headers),
                "X-Request-Id": exchange.request_id,
                HEADER: "true",
            },
        )


def idempotency_key(request: Request, raw: bytes) -> str:
    """The client's idempotency key bound to this exact request (path and body).

    A key reused with another body or endpoint is another request, never its
    replay.
    """
    key = request.headers.get("idempotency-key") or request.headers.get("x-request-id")
    if not key:
        return ""
    digest = hashlib.sha256(request.url.path.encode() + b"\0" + raw).hexdigest()[:16]
    return f"{key[:200]}|{digest}"
