"""The management API and dashboard live in admin; the edge forwards them."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from omniroute.errors import error_for_status
from services.edge.context import edge
from services.edge.ollama_paths import is_ollama_path

router = APIRouter()
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@router.api_route("/api/{path:path}", methods=_METHODS, include_in_schema=False)
async def management_api(request: Request, path: str) -> Response:
    if is_ollama_path(request.url.path):
        # An Ollama path with another method: it is not management's.
        raise error_for_status(
            405,
            f"{request.method} is not allowed on {request.url.path}",
            code="method_not_allowed",
        )
    response: Response = await edge(request).proxy.forward(request)
    return response


@router.api_route("/dashboard{path:path}", methods=_METHODS, include_in_schema=False)
async def dashboard(request: Request, path: str) -> Response:
    response: Response = await edge(request).proxy.forward(request)
    return response
