"""A non-streaming client that hangs up stops what it asked for.

Nothing reads an answer nobody waits for, but the provider would still
generate (and bill) all of it: the edge waits for the answer and for the
client's disconnect at once, and when the client goes first it tells the
executor to stop the call (``Dispatcher.cancel``) and records a 499 billed
for the prompt (the provider has read it; what it generated after is not
known).
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.requests import Request

from omniroute.common.v1 import common_pb2
from omniroute.errors import GatewayError
from services.edge.dispatcher import ReplyStream
from services.edge.exchange import Exchange, collect_answer


class ClientGone(GatewayError):
    """The client closed the connection before its answer (nginx's 499)."""

    status = 499
    type = "invalid_request_error"
    code = "client_closed_request"


async def answer_unless_gone(
    request: Request, exchange: Exchange, replies: ReplyStream
) -> bytes:
    """The whole answer, or ``ClientGone`` once the client has hung up."""
    answer = asyncio.ensure_future(collect_answer(exchange, replies))
    gone = asyncio.ensure_future(_disconnect(request))
    try:
        await asyncio.wait({answer, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await gone
    if answer.done():
        return answer.result()
    answer.cancel()
    with contextlib.suppress(asyncio.CancelledError, GatewayError):
        await answer
    replies.abandon()
    prompt = exchange.prompt_estimate
    exchange.usage = common_pb2.Usage(prompt_tokens=prompt, total_tokens=prompt)
    raise ClientGone("the client closed the connection before the answer")


async def _disconnect(request: Request) -> None:
    """Returns when the client has disconnected (its body is read already:
    what ``receive`` gives next is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
