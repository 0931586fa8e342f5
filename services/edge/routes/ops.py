"""Health and metrics of the edge."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from services.edge.context import edge

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz(request: Request) -> Response:
    """Ready when the edge has a routing table and a configuration snapshot."""
    table = edge(request).routes.table
    snapshot = edge(request).follower.current
    ready = table is not None and snapshot is not None
    body = {
        "status": "ok" if ready else "starting",
        "routing_table_version": table.version if table else None,
        "config_version": snapshot.version if snapshot else None,
    }
    return Response(
        orjson.dumps(body),
        status_code=200 if ready else 503,
        media_type="application/json",
    )


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
