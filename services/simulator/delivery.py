"""Writes answers to the socket, applying the stream faults of the call.

Non-streaming bodies count as two chunks (their halves) for
``hang_after_chunks`` / ``truncate_after_chunks``: the headers promise the
full ``Content-Length``, then the body stops part-way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from services.simulator.errors import Dialect, default_message, error_body
from services.simulator.faults import FaultRule
from services.simulator.frames import corrupt, dumps
from services.simulator.state import DIALECT, FAULT, STATE

ErrorFrame = Callable[[int, str, int], bytes]
JSON = "application/json"
SSE = "text/event-stream"
NDJSON = "application/x-ndjson"
HANG_CAP_S = 24 * 3600.0


async def hang(request: web.Request) -> None:
    """Holds the call until the client leaves (the handler is cancelled then;
    see ``handler_cancellation`` in ``app.py``) or the simulator stops.
    ``/_sim/calls`` shows how many calls are held right now, so a test can
    see that its client really let go."""
    calls = request.app[STATE].calls
    calls.held += 1
    try:
        await asyncio.sleep(HANG_CAP_S)
    finally:
        calls.held -= 1


def _fault(request: web.Request) -> FaultRule | None:
    rule: FaultRule | None = request.get(FAULT)
    return rule


def _abort(request: web.Request) -> None:
    # Closing the transport mid-body: chunked streams miss their final
    # zero-length chunk and fixed-length bodies fall short, which clients
    # report as an incomplete read.
    if request.transport is not None:
        request.transport.close()


async def send_bytes(
    request: web.Request,
    body: bytes,
    *,
    status: int = 200,
    content_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> web.StreamResponse:
    rule = _fault(request)
    if rule is not None and rule.error_after_chunks is not None:
        # A body that cannot fail part-way fails whole.
        status = rule.status or 500
        message = rule.message or default_message(status)
        return error_response(request[DIALECT], status, message)
    if rule is not None and rule.malformed:
        body = corrupt(body)
    cut = _cut_point(rule)
    if cut is None or cut >= 2:
        all_headers = {"Content-Type": content_type, **(headers or {})}
        return web.Response(body=body, status=status, headers=all_headers)
    response = web.StreamResponse(status=status, headers=headers)
    response.content_type = content_type
    response.content_length = len(body)
    await response.prepare(request)
    await response.write(body[: len(body) // 2] if cut == 1 else b"")
    if rule is not None and rule.hang_after_chunks is not None:
        await hang(request)
    _abort(request)
    return response


def _cut_point(rule: FaultRule | None) -> int | None:
    """Where a non-streaming body stops: 0 (headers only), 1 (half) or more
    (the whole body: it has only two chunks)."""
    if rule is None:
        return None
    if rule.truncate_after_chunks is not None:
        return rule.truncate_after_chunks
    return rule.hang_after_chunks


async def send_json(
    request: web.Request,
    body: Any,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.StreamResponse:
    return await send_bytes(request, dumps(body), status=status, headers=headers)


async def send_stream(
    request: web.Request,
    frames: Sequence[bytes],
    *,
    content_type: str,
    error_frame: ErrorFrame | None,
    headers: dict[str, str] | None = None,
) -> web.StreamResponse:
    """Streams ``frames`` one write each, ``chunk_delay_ms`` apart.

    ``error_frame`` None: the body is raw bytes (audio) with no in-stream
    error event, so ``error_after_chunks`` N cuts the connection after N
    chunks instead, or, at 0, answers the plain error before any byte."""
    rule = _fault(request)
    if error_frame is None and rule is not None and rule.error_after_chunks == 0:
        status = rule.status or 500
        message = rule.message or default_message(status)
        return error_response(request[DIALECT], status, message)
    config = request.app[STATE].config
    delay_ms = config.chunk_delay_ms
    if rule is not None and rule.chunk_delay_ms is not None:
        delay_ms = rule.chunk_delay_ms
    response = web.StreamResponse(
        headers={"Cache-Control": "no-cache", **(headers or {})}
    )
    response.content_type = content_type
    if content_type == SSE:
        response.charset = "utf-8"
    await response.prepare(request)
    calls = request.app[STATE].calls
    calls.streaming += 1
    try:
        await _write_frames(request, response, frames, rule, delay_ms, error_frame)
    except (asyncio.CancelledError, ConnectionError):
        calls.streams_abandoned += 1
        raise
    finally:
        calls.streaming -= 1
    return response


async def _write_frames(
    request: web.Request,
    response: web.StreamResponse,
    frames: Sequence[bytes],
    rule: FaultRule | None,
    delay_ms: float,
    error_frame: ErrorFrame | None,
) -> None:
    for index, frame in enumerate(frames):
        if rule is not None:
            if rule.hang_after_chunks == index:
                await hang(request)
            if rule.truncate_after_chunks == index:
                _abort(request)
                return
            if rule.error_after_chunks == index:
                if error_frame is None:
                    _abort(request)
                    return
                status = rule.status or 500
                message = rule.message or default_message(status)
                await response.write(error_frame(status, message, index))
                break
            if rule.malformed and index == 0:
                frame = corrupt(frame)
        if index and delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        await response.write(frame)
    await response.write_eof()


def error_response(
    dialect: Dialect,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
) -> web.Response:
    return web.Response(
        body=dumps(error_body(dialect, status, message)),
        status=status,
        headers={"Content-Type": JSON, **(headers or {})},
    )


def fault_response(rule: FaultRule, dialect: Dialect) -> web.Response:
    """The answer to a call caught by a ``status`` rule."""
    status = rule.status or 500
    headers = dict(rule.headers)
    if rule.retry_after is not None:
        seconds = rule.retry_after
        headers["Retry-After"] = (
            str(int(seconds)) if seconds == int(seconds) else str(seconds)
        )
    if rule.body is None:
        return error_response(
            dialect, status, rule.message or default_message(status), headers
        )
    if isinstance(rule.body, str):
        headers.setdefault("Content-Type", "text/plain")
        return web.Response(body=rule.body.encode(), status=status, headers=headers)
    headers.setdefault("Content-Type", JSON)
    return web.Response(body=dumps(rule.body), status=status, headers=headers)
