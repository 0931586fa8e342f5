"""``POST /v1/audio/speech``: text to speech, the audio streamed as it comes.

Keys, plans, fallback, budgets and usage as for every request. The response
starts once the first audio has arrived, so a provider that refuses before
any sound is a proper error in OpenAI's shape (and falls back to the next
target); after that the bytes flow through as each executor reply brings
them. A failure mid-way can only end the body early: audio has no error
frame. A client that hangs up stops the provider's call; the provider bills
speech by the input's characters either way, and so does the usage row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import BadRequest, GatewayError
from services.edge import spend_estimate
from services.edge.body import parse_json_object, read_body
from services.edge.codecs import OPENAI_CHAT
from services.edge.dispatch_path import DispatchPath
from services.edge.dispatcher import ReplyStream
from services.edge.exchange import Exchange, Recorder, failure_error, open_exchange
from services.edge.operation_bodies import SPEECH_FORMATS, speech_body
from services.edge.settings import EdgeSettings

ModelRewrite = Callable[[str], str] | None


class SpeechPipeline:
    def __init__(
        self, settings: EdgeSettings, path: DispatchPath, recorder: Recorder
    ) -> None:
        self._settings = settings
        self._path = path
        self._recorder = recorder

    async def speech(self, request: Request, rewrite: ModelRewrite = None) -> Response:
        exchange = open_exchange(request, OPENAI_CHAT, kind="speech")
        return await self._recorder.failures_recorded(
            exchange, self._serve(request, exchange, rewrite)
        )

    async def _serve(
        self, request: Request, exchange: Exchange, rewrite: ModelRewrite
    ) -> Response:
        raw = await read_body(request, self._settings.max_body_bytes)
        body = speech_body(parse_json_object(raw))
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise BadRequest("model: a model name is required", param="model")
        if rewrite is not None:
            model = body["model"] = rewrite(model)
        resolved = self._path.resolve(exchange, model)
        targets = self._path.reachable(resolved)
        await self._path.admit(
            exchange, spend_estimate.speech(self._recorder.prices, targets, body)
        )
        replies = await self._path.submit(
            exchange,
            resolved,
            dispatch_pb2.Dispatch(
                client_format=OPENAI_CHAT.format.to_proto(),
                body=b"{}",
                client_body=orjson.dumps(body),
                operation="speech",
            ),
        )
        exchange.stream = True
        first = await _first_audio(exchange, replies)
        media_type = SPEECH_FORMATS[body.get("response_format", "mp3")]
        return StreamingResponse(
            self._audio(exchange, first, replies, body),
            media_type=media_type,
            headers=exchange.headers(),
        )

    async def _audio(
        self,
        exchange: Exchange,
        first: list[bytes],
        replies: ReplyStream,
        body: dict[str, Any],
    ) -> AsyncIterator[bytes]:
        finished = exchange.usage is not None
        try:
            for data in first:
                yield data
            while not finished:
                reply = await anext(replies)
                kind = reply.WhichOneof("kind")
                if kind == "chunks":
                    for data in reply.chunks.items:
                        yield data
                elif kind == "done":
                    exchange.finish(reply.done)
                    finished = True
                elif kind == "failure":
                    exchange.fail(failure_error(reply.failure))
                    finished = True
        except GatewayError as err:
            exchange.fail(err)
            finished = True
        finally:
            replies.close()
            if not finished:
                exchange.status, exchange.error = 499, "client closed the stream"
                replies.abandon()
                # Speech is billed by the input's characters, spoken or not.
                exchange.units = float(len(str(body.get("input") or "")))
                exchange.usage = common_pb2.Usage()
            self._recorder.record(exchange)


async def _first_audio(exchange: Exchange, replies: ReplyStream) -> list[bytes]:
    """Waits for the first audio (or the whole answer); raises the failure
    that came instead, before any byte reached the client."""
    try:
        async for reply in replies:
            kind = reply.WhichOneof("kind")
            if kind == "started":
                exchange.started = reply.started
            elif kind == "chunks":
                return list(reply.chunks.items)
            elif kind == "done":
                exchange.finish(reply.done)
                return [reply.done.body] if reply.done.body else []
            elif kind == "failure":
                raise failure_error(reply.failure)
    except BaseException:
        replies.close()
        raise
    raise AssertionError("unreachable: replies end with done or failure")
