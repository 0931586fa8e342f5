"""Walks a dispatch's plan: one target after another until one answers.

Before any byte has reached the client, a retryable failure (see
``classify.py``) moves on to the next target. Once chunks have gone out, a
failure ends the stream with a clear error instead: replaying another
provider's answer after half of the first one would corrupt the output.
Within a target, an account-scoped failure (rate limit, quota, refused
credentials) moves on to the provider's next account.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping

from opentelemetry import trace

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import GatewayError
from omniroute.resilience.breaker import Admission
from omniroute.runtime import telemetry
from omniroute.wire.formats import WireFormat
from services.executor import metrics
from services.executor.adapters.base import Adapter
from services.executor.affinity import Affinity
from services.executor.attempt import Ack, Attempt, Bodies
from services.executor.chat_calls import ChatCalls
from services.executor.classify import FailureKind, UpstreamFailure
from services.executor.config_view import AccountView, ConfigView, ProviderView
from services.executor.failures import (
    DEADLINE_PASSED,
    UPSTREAM_ERRORS,
    as_failure,
    failure_reply,
    final_failure,
    mid_stream_failure,
)
from services.executor.guard import ACCOUNT_SCOPED, Guard, Resting, RestReason
from services.executor.media.calls import OPERATIONS, MediaCalls
from services.executor.media.speech import Speaker
from services.executor.reply import ReplyWriter
from services.executor.settings import ExecutorSettings
from services.executor.upstream import UpstreamSession

log = logging.getLogger(__name__)

# How much of a provider's error message a log line keeps.
REASON_CHARS = 300


class PlanRunner:
    def __init__(
        self,
        config: ConfigView,
        session: UpstreamSession,
        adapters: Mapping[WireFormat, Adapter],
        settings: ExecutorSettings,
        guard: Guard,
    ) -> None:
        self._config = config
        self._guard = guard
        self._media = MediaCalls(session, settings.transcription_timeout_s)
        self._speaker = Speaker(session)
        self._chat = ChatCalls(session, adapters, settings, guard)

    async def run(
        self, dispatch: dispatch_pb2.Dispatch, writer: ReplyWriter, ack: Ack
    ) -> None:
        """Serves ``dispatch``; always ends with Done or Failure (and the ack)."""
        try:
            bodies = Bodies.of(dispatch)
        except ValueError as exc:
            await writer.failure(failure_reply(400, str(exc)), then=ack)
            return
        failures: list[UpstreamFailure] = []
        deadline = dispatch.deadline_unix_ms / 1000
        for index, target in enumerate(dispatch.plan):
            remaining = deadline - time.time()
            if remaining <= 0:
                failures.append(
                    UpstreamFailure(FailureKind.TIMEOUT, None, DEADLINE_PASSED)
                )
                break
            try:
                async with asyncio.timeout(remaining):
                    await self._try_target(
                        Attempt(
                            dispatch=dispatch,
                            target=target,
                            index=index,
                            provider=self._provider(target),
                            bodies=bodies,
                            writer=writer,
                            ack=ack,
                        )
                    )
                return
            except UPSTREAM_ERRORS as exc:
                failures.append(as_failure(exc, timeout=DEADLINE_PASSED))
            last = failures[-1]
            _note_target_failed(dispatch, target, last)
            if writer.items_sent:
                await writer.failure(
                    mid_stream_failure(target.provider_id, last), then=ack
                )
                return
            if not last.try_next_target:
                break
        await writer.failure(final_failure(failures, dispatch.plan), then=ack)

    def _provider(self, target: common_pb2.Target) -> ProviderView:
        provider = self._config.providers.get(target.provider_id)
        if provider is None:
            raise UpstreamFailure(
                FailureKind.MODEL_NOT_FOUND,
                None,
                f"provider '{target.provider_id}' is not configured or is disabled",
            )
        return provider

    async def _try_target(self, attempt: Attempt) -> None:
        """Serves ``attempt`` with the first of its provider's accounts that
        answers; raises the failure that ended it otherwise."""
        provider = attempt.provider
        admission = await self._guard.admit_provider(provider.id)
        if not admission.allowed:
            raise UpstreamFailure(
                FailureKind.BREAKER_OPEN,
                None,
                f"'{provider.id}' is failing and its circuit breaker is open",
                retry_after_s=admission.retry_in_ms / 1000,
            )
        affinity = self._guard.affinity(attempt.dispatch)
        accounts, rest = await self._guard.accounts(provider, affinity)
        if not accounts:
            raise _none_usable(provider.id, rest)
        failure: UpstreamFailure | None = None
        for position, account in enumerate(accounts):
            if not await self._guard.admit_account(provider.id, account):
                continue  # its breaker's one probe is already out
            attempt.reason = (
                "fallback" if attempt.index or position else affinity.reason
            )
            failure = await self._try_account(attempt, account, admission, affinity)
            if failure is None:
                return
            if attempt.writer.items_sent or failure.kind not in ACCOUNT_SCOPED:
                break  # provider-level or mid-stream: no other account helps
        if failure is None:
            raise UpstreamFailure(
                FailureKind.BREAKER_OPEN,
                None,
                f"every account of '{provider.id}' is failing; "
                "one is being probed, try again shortly",
            )
        raise failure

    async def _try_account(
        self,
        attempt: Attempt,
        account: AccountView,
        admission: Admission,
        affinity: Affinity,
    ) -> UpstreamFailure | None:
        """Serves ``attempt`` with ``account``; the failure, None on success
        (either way the guard learns the outcome)."""
        provider = attempt.provider
        try:
            with telemetry.span(
                f"upstream {provider.id}",
                kind=trace.SpanKind.CLIENT,
                attributes={
                    "omniroute.model": attempt.target.model,
                    "omniroute.account": account.id,
                },
            ):
                await self._serve(attempt, account)
        except UPSTREAM_ERRORS as exc:
            timeout_s = self._guard.resilience.target_timeout_s
            failure = as_failure(
                exc, timeout=f"'{provider.id}' did not answer within {timeout_s:g}s"
            )
            await self._guard.failed(provider, account, failure)
            return failure
        except GatewayError as err:
            # The request cannot be put in this provider's format (an image
            # URL for Ollama): no fault of the provider's; another target
            # may take it, else the client hears why, with the status.
            failure = UpstreamFailure(
                FailureKind.PROVIDER_SCOPED, err.status, err.message
            )
            await self._guard.failed(provider, account, failure)
            return failure
        await self._guard.succeeded(provider, account, admission, affinity)
        return None

    async def _serve(self, attempt: Attempt, account: AccountView) -> None:
        dispatch = attempt.dispatch
        if dispatch.operation == "speech":
            await self._speak(attempt, account)
            return
        if dispatch.operation not in OPERATIONS:
            await self._chat.serve(attempt, account)
            return
        attempt.start(account)
        async with asyncio.timeout(self._guard.resilience.target_timeout_s):
            answer = await self._media.run(
                dispatch,
                attempt.provider,
                account,
                attempt.target.model,
                attempt.bodies.client or {},
            )
        await attempt.done(body=answer.body, usage=answer.usage, units=answer.units)

    async def _speak(self, attempt: Attempt, account: AccountView) -> None:
        """Streams the audio as it comes; priced per input character."""
        body = attempt.bodies.client or {}
        attempt.start(account)
        audio = self._speaker.speak(
            attempt.provider, account, attempt.target.model, body
        )
        async with asyncio.timeout(self._guard.resilience.target_timeout_s):
            async for data in audio:
                if not attempt.ttft_ms:
                    attempt.first_token()
                await attempt.writer.chunks([data])
        characters = float(len(str(body.get("input") or "")))
        await attempt.done(body=b"", usage=common_pb2.Usage(), units=characters)


def _none_usable(provider_id: str, rest: Resting) -> UpstreamFailure:
    """Why no account of a provider may be called: a rate limit only when
    the provider said so; failing accounts are an outage (503), refused keys
    an auth failure, so clients and monitoring see what really happened."""
    retry = rest.seconds if rest.seconds != float("inf") else None
    if rest.reason is RestReason.COOLING:
        return UpstreamFailure(
            FailureKind.RATE_LIMIT,
            None,
            f"every account of '{provider_id}' is rate limited and cooling down",
            retry_after_s=retry,
        )
    if rest.reason is RestReason.FAILING:
        return UpstreamFailure(
            FailureKind.BREAKER_OPEN,
            None,
            f"'{provider_id}' keeps failing (5xx or timeouts): every account's "
            "circuit breaker is open",
            retry_after_s=retry,
        )
    if rest.reason is RestReason.INVALID:
        return UpstreamFailure(
            FailureKind.AUTH,
            None,
            f"'{provider_id}' refused every account's credentials",
        )
    return UpstreamFailure(
        FailureKind.MODEL_NOT_FOUND,
        None,
        f"'{provider_id}' has no enabled account",
    )


def _note_target_failed(
    dispatch: dispatch_pb2.Dispatch,
    target: common_pb2.Target,
    failure: UpstreamFailure,
) -> None:
    metrics.FALLBACKS.labels(target.provider_id, failure.kind).inc()
    log.info(
        "target failed",
        extra={
            "request_id": dispatch.request_id,
            "provider": target.provider_id,
            "model": target.model,
            "kind": str(failure.kind),
            "status": failure.status,
            # What the provider said, bounded: enough to tell a bad URL from
            # a bad key from an overloaded model.
            "reason": failure.message[:REASON_CHARS],
        },
    )
