"""Management endpoints of the original OmniRoute this gateway does not offer.

They answer 501 with what to do instead, rather than a bare 404, so a
dashboard or script written for the original learns why
(``docs/architecture.md`` records the decision).
"""

from __future__ import annotations

from fastapi import APIRouter

from omniroute.errors import NotSupported
from services.admin.auth import Admin

router = APIRouter(tags=["system"])
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@router.api_route("/api/oauth/{action:path}", methods=_METHODS, include_in_schema=False)
async def oauth(action: str, _: Admin) -> None:
    """Provider sign-in with OAuth (subscription accounts): not offered."""
    raise NotSupported(
        "OAuth sign-in to providers (subscription accounts) is not supported: "
        "add the provider with an API key (POST /api/providers or "
        "/api/providers/{id}/accounts)"
    )


@router.api_route("/api/sync/{action:path}", methods=_METHODS, include_in_schema=False)
@router.api_route("/api/cloud/{action:path}", methods=_METHODS, include_in_schema=False)
async def cloud_sync(action: str, _: Admin) -> None:
    """Cloud sync of the configuration: not offered."""
    raise NotSupported(
        "cloud sync is not supported: move a configuration with "
        "GET /api/db-backups/exportAll and POST /api/db-backups/import"
    )
