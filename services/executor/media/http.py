"""One JSON call to a provider, with its failure classified."""

from __future__ import annotations

from typing import Any

import orjson

from services.executor.adapters.openai_chat import openai_error_message
from services.executor.classify import FailureKind, UpstreamFailure, classify_status
from services.executor.upstream import UpstreamSession

_MAX_BYTES = 64 * 1024 * 1024


async def send_json(
    session: UpstreamSession,
    method: str,
    url: str,
    headers: dict[str, str],
    *,
    data: Any = None,
    params: dict[str, str] | None = None,
) -> tuple[dict[str, Any], bytes]:
    """(the parsed answer, its raw bytes); raises UpstreamFailure, also when
    the answer is not a JSON object."""
    body, raw = await request_json(
        session, method, url, headers, data=data, params=params
    )
    if not isinstance(body, dict):
        raise UpstreamFailure(FailureKind.SERVER, 200, "unexpected provider answer")
    return body, raw


async def request_json(
    session: UpstreamSession,
    method: str,
    url: str,
    headers: dict[str, str],
    *,
    data: Any = None,
    params: dict[str, str] | None = None,
) -> tuple[Any, bytes]:
    """(any parsed JSON answer, its raw bytes); raises UpstreamFailure."""
    async with session.request(
        method, url, headers=headers, data=data, params=params
    ) as response:
        if (response.content_length or 0) > _MAX_BYTES:
            raise UpstreamFailure(
                FailureKind.SERVER,
                response.status,
                "the provider's answer is too large",
            )
        raw = await response.read()
        if response.status >= 400:
            raise classify_status(
                response.status, openai_error_message(raw), dict(response.headers)
            )
    try:
        return orjson.loads(raw), raw
    except orjson.JSONDecodeError:
        raise UpstreamFailure(
            FailureKind.SERVER, 200, "the provider's answer is not JSON"
        ) from None
