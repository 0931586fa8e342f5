"""``GET /v1/quotas/check``: the calling key's limits, as the original
OmniRoute's endpoint of that name answers (``quotas.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from services.edge.context import edge
from services.edge.gate import caller_of
from services.edge.quotas import quota_check

router = APIRouter()


@router.get("/v1/quotas/check")
async def check(request: Request) -> Response:
    """Whether the calling key may make a request now (``allowed``; else
    ``errorCode`` and ``reason``: ``RATE_LIMIT_EXCEEDED``,
    ``TOKEN_LIMIT_EXCEEDED`` or ``BUDGET_EXCEEDED``), and in ``limits`` where
    its requests and tokens per minute and its budget stand. Nothing is
    counted. ``provider`` and ``accountId`` are echoed back."""
    caller = caller_of(request)
    query = request.query_params
    standing = await edge(request).admission.standing(
        caller.key_id, caller.rpm_limit, caller.tpm_limit
    )
    body = quota_check(
        standing,
        query.get("provider", ""),
        query.get("accountId", ""),
        datetime.now(UTC),
    )
    return Response(orjson.dumps(body), media_type="application/json")
