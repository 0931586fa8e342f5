"""A stream's cost in its last usage event.

A stream's headers leave before its usage is known, so the cost the usage
row will hold cannot be a header. The hub stream's last chunk carries the
usage; this encoder wrapper prices it with the same price book the usage
row is priced with and adds ``usage.cost`` (USD) before the client's own
encoder renders it. Same-format pass-through frames are the provider's own
bytes and are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson

from omniroute.common.v1 import common_pb2
from omniroute.errors import GatewayError
from omniroute.wire.usage_proto import usage_from_hub
from services.edge.codecs import StreamEncoder

Pricer = Callable[[common_pb2.Usage], float | None]


class PricedStream:
    def __init__(self, inner: StreamEncoder, price: Pricer) -> None:
        self._inner = inner
        self._price = price

    def feed(self, items: list[bytes]) -> bytes:
        return self._inner.feed([self._priced(item) for item in items])

    def finish(self) -> bytes:
        return self._inner.finish()

    def error(self, err: GatewayError) -> bytes:
        return self._inner.error(err)

    def _priced(self, item: bytes) -> bytes:
        # Only the last chunk has usage; the others pass without parsing.
        if b'"usage"' not in item:
            return item
        chunk = orjson.loads(item)
        usage = chunk.get("usage")
        if not isinstance(usage, dict) or chunk.get("choices"):
            return item
        cost = self._price(usage_from_hub(usage))
        if cost is None:
            return item
        return orjson.dumps({**chunk, "usage": {**usage, "cost": round(cost, 10)}})
