"""Classifies upstream failures and decides what happens next.

The rules (DESIGN.md, Resilience): a rate limit cools the *account* down and
moves on; bad credentials take the account out of rotation and move on;
408/5xx/timeouts/connection errors count against the *provider* and move on;
a provider-scoped 400 (context too long, unsupported parameter) moves on;
any other 400 is the client's mistake and goes straight back to it.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class FailureKind(StrEnum):
    RATE_LIMIT = "rate_limit"
    QUOTA = "quota"
    AUTH = "auth"
    SERVER = "server"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    MODEL_NOT_FOUND = "model_not_found"
    PROVIDER_SCOPED = "provider_scoped"
    CLIENT = "client"
    # Not an upstream answer: the provider's circuit breaker refused the call.
    BREAKER_OPEN = "breaker_open"


@dataclass(eq=False)
class UpstreamFailure(Exception):
    """What went wrong with one target."""

    kind: FailureKind
    status: int | None
    message: str
    retry_after_s: float | None = None

    @property
    def try_next_target(self) -> bool:
        return self.kind is not FailureKind.CLIENT


_RATE_LIMIT_TEXT = re.compile(r"rate.?limit|too many requests", re.I)
_QUOTA_TEXT = re.compile(
    r"quota|insufficient.?credit|credit balance|billing|exhausted", re.I
)
# 400s that are about this provider/model, not about the request's validity.
_PROVIDER_SCOPED_TEXT = re.compile(
    r"context.?length|context window|maximum context|too many tokens|"
    r"unsupported (parameter|value|model)|not supported|does not support|"
    r"model.{0,20}(not found|does not exist|unavailable)|degraded",
    re.I,
)


def classify_status(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> UpstreamFailure:
    retry_after = parse_retry_after(headers or {})
    if status == 429 or _RATE_LIMIT_TEXT.search(message):
        kind = (
            FailureKind.QUOTA if _QUOTA_TEXT.search(message) else FailureKind.RATE_LIMIT
        )
    elif status in (401, 403):
        kind = FailureKind.AUTH
    elif status == 402:
        kind = FailureKind.QUOTA
    elif status == 404:
        kind = FailureKind.MODEL_NOT_FOUND
    elif status == 408 or status >= 500:
        kind = FailureKind.SERVER
    elif status in (400, 413, 422) and _PROVIDER_SCOPED_TEXT.search(message):
        kind = FailureKind.PROVIDER_SCOPED
    else:
        kind = FailureKind.CLIENT
    return UpstreamFailure(kind, status, message, retry_after)


def parse_retry_after(
    headers: Mapping[str, str], now: float | None = None
) -> float | None:
    """Seconds to wait, from ``Retry-After`` (seconds or HTTP date) or
    ``x-ratelimit-reset`` (seconds, or an epoch in seconds or milliseconds)."""
    now = time.time() if now is None else now
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get("retry-after")
    if value:
        value = value.strip()
        if _is_number(value):
            return max(0.0, float(value))
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None:
            return max(0.0, parsed.timestamp() - now)
    reset = lowered.get("x-ratelimit-reset")
    if reset and _is_number(reset.strip()):
        number = float(reset)
        if number > 1e12:  # epoch milliseconds
            return max(0.0, number / 1000 - now)
        if number > 1e9:  # epoch seconds
            return max(0.0, number - now)
        return max(0.0, number)
    return None


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
