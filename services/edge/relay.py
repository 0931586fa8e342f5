"""Relays an executor's stream to the client, in the client's format.

The first content has already arrived when the response starts (so a
failure before it was a proper HTTP error); from then on every Chunks reply
becomes frames as it arrives. A failure after the first byte ends the stream
with an error frame in the client's format. Optional progress frames are
interleaved without cancelling the pending read of the reply stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import orjson

from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import GatewayError
from omniroute.wire.hub import HubAccumulator
from services.edge.codecs import StreamEncoder
from services.edge.dispatcher import ReplyStream
from services.edge.exchange import Exchange, failure_error
from services.edge.progress import ProgressTicker
from services.edge.relayed_usage import RelayedText

Finish = Callable[[Exchange, bytes | None], None]


async def relay(
    exchange: Exchange,
    encoder: StreamEncoder,
    first: list[bytes],
    replies: ReplyStream,
    ticker: ProgressTicker | None,
    collect: bool,
    on_finish: Finish,
    before_end: Callable[[bytes], Awaitable[None]] | None = None,
) -> AsyncIterator[bytes]:
    """The client's frames; ``on_finish`` gets the whole answer when ``collect``,
    and so does ``before_end``, awaited before the client sees the last frame
    (whatever it keeps is there when the client acts on the end)."""
    answer = HubAccumulator() if collect else None
    relayed = RelayedText()
    try:
        if first:
            yield _feed(encoder, first, ticker, answer, relayed)
        if exchange.usage is None:
            frames = _follow(exchange, encoder, replies, ticker, answer, relayed)
            async for frame in frames:
                yield frame
        if exchange.status == 200:
            if ticker is not None:
                yield ticker.frame(done=True)
            if before_end is not None and answer is not None:
                await before_end(orjson.dumps(answer.response()))
            yield encoder.finish()
    finally:
        replies.close()
        if exchange.status == 200 and exchange.usage is None:
            exchange.status, exchange.error = 499, "client closed the stream"
            # The provider bills what it generated: stop it, and bill that.
            replies.abandon()
            exchange.usage = relayed.usage(exchange.prompt_estimate)
        whole = None
        if answer is not None and exchange.status == 200:
            whole = orjson.dumps(answer.response())
        on_finish(exchange, whole)


def _feed(
    encoder: StreamEncoder,
    items: list[bytes],
    ticker: ProgressTicker | None,
    answer: HubAccumulator | None,
    relayed: RelayedText,
) -> bytes:
    relayed.feed(items)
    if ticker is not None:
        ticker.count(items)
    if answer is not None:
        for item in items:
            answer.feed(orjson.loads(item))
    return encoder.feed(items)


async def _follow(
    exchange: Exchange,
    encoder: StreamEncoder,
    replies: ReplyStream,
    ticker: ProgressTicker | None,
    answer: HubAccumulator | None,
    relayed: RelayedText,
) -> AsyncIterator[bytes]:
    iterator = replies.__aiter__()
    pending: asyncio.Future[dispatch_pb2.Reply] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(iterator.__anext__())
            if ticker is not None:
                done, _ = await asyncio.wait({pending}, timeout=ticker.remaining())
                if not done:
                    yield ticker.frame()
                    continue
            reply = await pending
            pending = None
            kind = reply.WhichOneof("kind")
            if kind == "chunks":
                yield _feed(encoder, list(reply.chunks.items), ticker, answer, relayed)
            elif kind == "done":
                exchange.finish(reply.done)
                return
            elif kind == "failure":
                err = failure_error(reply.failure)
                exchange.fail(err)
                yield encoder.error(err)
                return
    except GatewayError as err:
        exchange.fail(err)
        yield encoder.error(err)
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, GatewayError):
                await pending
