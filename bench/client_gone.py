"""What watching for a disconnect costs a non-streaming request at the edge.

``services/edge/client_gone.py`` waits for the executor's answer and for the
client's disconnect at once. This times, in one process and one run, the
edge's own ``answer_unless_gone`` against ``collect_answer`` alone (no
watching), on the same replies, with uvloop as the edge runs it:
microseconds per request, the median of several rounds.

    .venv/bin/python -m bench.client_gone
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import uvloop
from starlette.requests import Request

from omniroute.dispatch.v1 import dispatch_pb2
from services.edge.client_gone import answer_unless_gone
from services.edge.codecs import OPENAI_CHAT
from services.edge.dispatcher import ReplyStream
from services.edge.exchange import Exchange, collect_answer

REQUESTS = 20_000
ROUNDS = 5
_ANSWER = dispatch_pb2.ReplyBatch(
    replies=[
        dispatch_pb2.Reply(started=dispatch_pb2.Started(provider_id="p", model="m")),
        dispatch_pb2.Reply(done=dispatch_pb2.Done(body=b"{}")),
    ]
)

Serve = Callable[[Request, Exchange, ReplyStream], Awaitable[bytes]]


def _connected_client() -> Request:
    """A request whose client stays connected (its receive never returns)."""
    never = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await never.wait()
        return {"type": "http.disconnect"}

    return Request({"type": "http", "method": "POST", "headers": []}, receive)


async def _per_request_us(serve: Serve) -> float:
    loop = asyncio.get_running_loop()
    request = _connected_client()
    began = time.perf_counter()
    for index in range(REQUESTS):
        replies = ReplyStream(time.time() + 60, lambda: None)
        # The answer arrives a loop turn later, as the reply reader delivers it.
        loop.call_soon(replies.deliver, _ANSWER)
        await serve(
            request, Exchange(f"r{index}", "/v1/chat/completions", OPENAI_CHAT), replies
        )
    return (time.perf_counter() - began) / REQUESTS * 1e6


async def _unwatched(
    request: Request, exchange: Exchange, replies: ReplyStream
) -> bytes:
    return await collect_answer(exchange, replies)


async def main() -> None:
    results: dict[str, list[float]] = {"collect_answer": [], "answer_unless_gone": []}
    for _ in range(ROUNDS):
        results["collect_answer"].append(await _per_request_us(_unwatched))
        results["answer_unless_gone"].append(await _per_request_us(answer_unless_gone))
    base = statistics.median(results["collect_answer"])
    watched = statistics.median(results["answer_unless_gone"])
    sys.stdout.write(
        f"collect_answer alone: {base:.1f} us/request\n"
        f"answer_unless_gone:   {watched:.1f} us/request "
        f"(watching costs {watched - base:.1f} us)\n"
    )


if __name__ == "__main__":
    uvloop.run(main())
