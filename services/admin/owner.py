"""Who owns a ``/v1/files`` or ``/v1/batches`` request: the API key the
edge authenticated, named in a header the edge signs.

Admin's ``/internal/v1/…`` routes serve only such requests: a caller that
reaches admin's port directly and names a key without the signature is
refused, so no one reads another key's files by claiming its id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from omniroute.errors import Unauthorized
from omniroute.runtime.crypto import OWNER_HEADER, OWNER_SIGNATURE_HEADER, signed_owner
from services.admin.context import AdminContext, context


def owner_of(request: Request) -> str:
    ctx: AdminContext = context(request)
    key_id = request.headers.get(OWNER_HEADER, "")
    signature = request.headers.get(OWNER_SIGNATURE_HEADER, "")
    if not key_id or not signed_owner(ctx.settings.secret, key_id, signature):
        raise Unauthorized(
            "files and batches are served by the gateway's /v1 endpoint with "
            "an API key, not by admin directly",
            code="invalid_api_key",
        )
    return key_id


Owner = Annotated[str, Depends(owner_of)]
