"""``--fast``: the cheapest possible non-streaming OpenAI chat answer, for
benchmarks where the simulator shares the CPU with the gateway under test.

The body is built once at start-up (content ``"Echo: fast"``, 10 prompt and
2 completion tokens) and the only bookkeeping is one counter. Streaming
calls, and every call while a fault rule is active, take the normal path.
"""

from __future__ import annotations

import asyncio

import orjson
from aiohttp import web

from services.simulator import openai_format
from services.simulator.answers import Answer, Finish, chunks
from services.simulator.pipeline import Handler
from services.simulator.state import SimState

FAST_MODEL = "sim-fast"
FAST_TEXT = "Echo: fast"
FAST_PROMPT_TOKENS = 10


def fast_body() -> bytes:
    answer = Answer(
        FAST_MODEL, (), chunks(FAST_TEXT), None, Finish.STOP, FAST_PROMPT_TOKENS
    )
    return orjson.dumps(openai_format.completion(answer))


def _streams(raw: bytes) -> bool:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return True  # let the normal path answer with the proper 400
    return isinstance(body, dict) and bool(body.get("stream"))


def fast_chat_route(state: SimState, normal: Handler) -> Handler:
    body = fast_body()
    headers = {"Content-Type": "application/json"}
    latency_s = state.config.latency_ms / 1000

    async def route(request: web.Request) -> web.StreamResponse:
        if state.faults:
            return await normal(request)
        raw = await request.read()  # cached: the normal path can read again
        if b'"stream"' in raw and _streams(raw):
            return await normal(request)
        state.calls.fast_calls += 1
        if latency_s:
            await asyncio.sleep(latency_s)
        return web.Response(body=body, headers=headers)

    return route
