"""What went wrong, in one place: from exceptions to failures, and from
failures to the ``Failure`` reply the client gets.

``as_failure`` is the only map from what a provider call raises
(``UpstreamFailure``, ``TimeoutError``, ``aiohttp.ClientError``) to an
``UpstreamFailure``; what each timeout means depends on where it struck, so
callers name it. The reply builders below render the HTTP status, the
OpenAI-style type and code and the retry hint of every failure an executor
sends.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import error_for_status
from services.executor.classify import FailureKind, UpstreamFailure

# What a provider call may raise for reasons of the provider's (anything else
# is a bug of ours and propagates).
UPSTREAM_ERRORS = (UpstreamFailure, TimeoutError, aiohttp.ClientError)
UpstreamError = UpstreamFailure | TimeoutError | aiohttp.ClientError

DEADLINE_PASSED = "the request deadline passed"


def as_failure(
    exc: UpstreamError, *, timeout: str, streaming: bool = False
) -> UpstreamFailure:
    """The failure ``exc`` stands for; ``timeout`` says what a timeout meant
    there, ``streaming`` that a broken payload was a stream breaking off."""
    if isinstance(exc, UpstreamFailure):
        return exc
    # Before ClientError: aiohttp's ServerTimeoutError is both.
    if isinstance(exc, TimeoutError):
        return UpstreamFailure(FailureKind.TIMEOUT, None, timeout)
    if streaming and isinstance(exc, aiohttp.ClientPayloadError):
        return UpstreamFailure(
            FailureKind.CONNECTION, None, "the provider's stream broke off"
        )
    return UpstreamFailure(
        FailureKind.CONNECTION,
        None,
        f"could not talk to the provider: {exc.__class__.__name__}",
    )


def failure_reply(
    status: int, message: str, retry_after: float | None = None, provider: str = ""
) -> dispatch_pb2.Failure:
    """A ``Failure`` with the type and code the status stands for."""
    error = error_for_status(status, message)
    return dispatch_pb2.Failure(
        status=status,
        message=message,
        type=error.type,
        code=error.code,
        retry_after_seconds=int(retry_after + 0.999) if retry_after else 0,
        provider_id=provider,
    )


def mid_stream_failure(
    provider_id: str, failure: UpstreamFailure
) -> dispatch_pb2.Failure:
    """A target failed after chunks went out: the stream ends with an error."""
    result = failure_reply(
        502,
        f"{provider_id}: {failure.message}; the answer is incomplete",
        None,
        provider_id,
    )
    result.mid_stream = True
    return result


def executor_error(mid_stream: bool) -> dispatch_pb2.Failure:
    """A bug of the executor's ended the request (its log says which)."""
    return dispatch_pb2.Failure(
        status=500,
        message="the executor failed on this request; see its logs",
        type="server_error",
        code="internal_server_error",
        mid_stream=mid_stream,
    )


def executor_stopped() -> dispatch_pb2.Failure:
    """The executor serving the request died after replying: retry it."""
    return dispatch_pb2.Failure(
        status=503,
        message="the executor serving this request stopped; retry it",
        type="server_error",
        code="service_unavailable",
        retry_after_seconds=1,
        mid_stream=True,
    )


_STATUS_BY_KIND = {
    FailureKind.RATE_LIMIT: 429,
    FailureKind.QUOTA: 429,
    FailureKind.AUTH: 502,
    FailureKind.SERVER: 502,
    FailureKind.CONNECTION: 502,
    FailureKind.TIMEOUT: 504,
    FailureKind.MODEL_NOT_FOUND: 404,
    FailureKind.PROVIDER_SCOPED: 400,
    FailureKind.CLIENT: 400,
    FailureKind.BREAKER_OPEN: 503,
}


def final_failure(
    failures: list[UpstreamFailure], plan: Sequence[common_pb2.Target]
) -> dispatch_pb2.Failure:
    """What the client gets when no target answered."""
    if not failures:
        return failure_reply(503, "no provider can serve this model right now")
    last = failures[-1]
    providers = [t.provider_id for t in plan][: len(failures)]
    provider = providers[-1] if providers else ""
    status = _STATUS_BY_KIND[last.kind]
    message = f"{provider}: {last.message}" if provider else last.message
    if last.kind is FailureKind.AUTH:
        message = (
            f"{provider} rejected the gateway's credentials ({last.status}): "
            f"{last.message}. Check the provider's API key."
        )
    if len(failures) > 1:
        message = f"all {len(failures)} targets failed; last: {message}"
    retry_after = min(
        (f.retry_after_s for f in failures if f.retry_after_s is not None), default=None
    )
    if status in (429, 503) and retry_after is None:
        retry_after = 1.0
    return failure_reply(status, message, retry_after, provider)
