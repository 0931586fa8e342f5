"""``/v1/files`` and ``/v1/batches`` (OpenAI's): a client's own, kept by admin.

The gate has admitted the key (these are client routes like any other);
the edge forwards the request to admin's route for that key's files and
batches, so every key sees only its own.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from services.edge.context import edge
from services.edge.gate import caller_of

router = APIRouter()


async def _owned(request: Request) -> Response:
    response: Response = await edge(request).proxy.forward(
        request, owner=caller_of(request).key_id
    )
    return response


for _path, _methods in (
    ("/v1/files", ["GET", "POST"]),
    ("/v1/files/{file_id}", ["GET", "DELETE"]),
    ("/v1/files/{file_id}/content", ["GET"]),
    ("/v1/batches", ["GET", "POST"]),
    ("/v1/batches/{batch_id}", ["GET"]),
    ("/v1/batches/{batch_id}/cancel", ["POST"]),
):
    router.add_api_route(_path, _owned, methods=_methods, include_in_schema=False)
