"""``/v1/files`` (OpenAI's Files API), served for the edge at ``/internal/v1/files``.

Every file belongs to the API key that uploaded it (``Owner``): another key
gets a 404 for it, as for a file that does not exist, so it cannot even
learn that the id is taken. The bytes go to the blob store, the metadata
to the database.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.responses import JSONResponse, Response, StreamingResponse

from omniroute.blobs import BlobTooLarge
from omniroute.errors import BadRequest, NotFound, PayloadTooLarge
from services.admin.batches.objects import unix
from services.admin.context import AdminContext, Ctx
from services.admin.db.batch_models import StoredFile
from services.admin.logins import aware
from services.admin.owner import Owner

router = APIRouter(prefix="/internal/v1/files", include_in_schema=False)

# What OpenAI accepts as an upload's purpose ("batch_output" is the gateway's
# own, for the result files of a batch).
PURPOSES = frozenset(
    {"assistants", "batch", "fine-tune", "vision", "user_data", "evals"}
)
_MAX_EXPIRY_S = 30 * 24 * 3600


def file_object(record: StoredFile) -> dict[str, Any]:
    """A file as OpenAI's FileObject."""
    return {
        "id": record.id,
        "object": "file",
        "bytes": record.size,
        "created_at": unix(record.created_at),
        "expires_at": unix(record.expires_at),
        "filename": record.filename,
        "purpose": record.purpose,
        "status": "processed",
        "status_details": None,
    }


def list_page(data: list[dict[str, Any]], has_more: bool) -> JSONResponse:
    """A page of a list in OpenAI's shape (``after`` pages on from ``last_id``)."""
    return JSONResponse(
        {
            "object": "list",
            "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": has_more,
        }
    )


async def owned_file(ctx: AdminContext, owner: str, file_id: str) -> StoredFile:
    """The owner's file ``file_id``; 404 for anyone else's or none."""
    async with ctx.sessions() as session:
        record = await session.get(StoredFile, file_id)
    if record is None or record.api_key_id != owner or _expired(record):
        raise NotFound(f"No such File object: {file_id}", param="file_id")
    return record


def _expired(record: StoredFile) -> bool:
    expires = record.expires_at
    return expires is not None and aware(expires) <= datetime.now(UTC)


@router.post("")
async def upload(ctx: Ctx, owner: Owner, request: Request) -> JSONResponse:
    """Multipart ``file`` and ``purpose`` (and optionally
    ``expires_after[anchor]=created_at`` with ``expires_after[seconds]``)."""
    limit = ctx.settings.max_file_bytes
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadRequest("send multipart/form-data with 'file' and 'purpose'")
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        purpose = form.get("purpose")
        if not isinstance(upload, UploadFile):
            raise BadRequest("file: a file is required", param="file")
        if purpose not in PURPOSES:
            raise BadRequest(
                f"purpose: one of {', '.join(sorted(PURPOSES))}", param="purpose"
            )
        expires_at = _expiry(form.get("expires_after[seconds]"))
        record = StoredFile(
            id=f"file-{uuid.uuid4().hex}",
            api_key_id=owner,
            purpose=str(purpose),
            filename=(upload.filename or "upload")[:256],
            size=0,
            created_at=datetime.now(UTC),
            expires_at=expires_at,
        )
        try:
            record.size = await ctx.blobs.put(record.id, upload.file, limit)
        except BlobTooLarge:
            raise PayloadTooLarge(
                f"file: larger than {limit} bytes (MAX_FILE_BYTES)", param="file"
            ) from None
    async with ctx.sessions() as session, session.begin():
        session.add(record)
    return JSONResponse(file_object(record))


def _expiry(seconds: object) -> datetime | None:
    if seconds is None:
        return None
    if not isinstance(seconds, str) or not seconds.isdigit():
        raise BadRequest(
            "expires_after[seconds]: a whole number of seconds",
            param="expires_after",
        )
    value = int(seconds)
    if not 3600 <= value <= _MAX_EXPIRY_S:
        raise BadRequest(
            "expires_after[seconds]: from 3600 (an hour) to 2592000 (30 days)",
            param="expires_after",
        )
    return datetime.now(UTC) + timedelta(seconds=value)


@router.get("")
async def list_files(
    ctx: Ctx,
    owner: Owner,
    purpose: str | None = None,
    limit: int = Query(10_000, ge=1, le=10_000),
    order: Literal["asc", "desc"] = "desc",
    after: str | None = None,
) -> JSONResponse:
    """The owner's files, newest first by default, paged by ``after``."""
    query = select(StoredFile).where(StoredFile.api_key_id == owner)
    if purpose:
        query = query.where(StoredFile.purpose == purpose)
    newest = order == "desc"
    ordering = (StoredFile.created_at, StoredFile.id)
    query = query.order_by(*(c.desc() if newest else c.asc() for c in ordering))
    async with ctx.sessions() as session:
        if after:
            anchor = await session.get(StoredFile, after)
            if anchor is not None and anchor.api_key_id == owner:
                beyond = (
                    StoredFile.created_at < anchor.created_at
                    if newest
                    else StoredFile.created_at > anchor.created_at
                )
                query = query.where(beyond)
        rows = list(await session.scalars(query.limit(limit + 1)))
    files = [file_object(r) for r in rows[:limit] if not _expired(r)]
    return list_page(files, len(rows) > limit)


@router.get("/{file_id}")
async def get_file(ctx: Ctx, owner: Owner, file_id: str) -> JSONResponse:
    return JSONResponse(file_object(await owned_file(ctx, owner, file_id)))


@router.get("/{file_id}/content")
async def file_content(ctx: Ctx, owner: Owner, file_id: str) -> Response:
    """The file's bytes, streamed from the blob store."""
    record = await owned_file(ctx, owner, file_id)
    return StreamingResponse(
        ctx.blobs.read(record.id),
        media_type="application/octet-stream",
        headers={"Content-Length": str(record.size)},
    )


@router.delete("/{file_id}")
async def delete_file(ctx: Ctx, owner: Owner, file_id: str) -> JSONResponse:
    record = await owned_file(ctx, owner, file_id)
    async with ctx.sessions() as session, session.begin():
        stored = await session.get(StoredFile, record.id)
        if stored is not None:
            await session.delete(stored)
    await ctx.blobs.delete(record.id)
    return JSONResponse({"id": record.id, "object": "file", "deleted": True})
