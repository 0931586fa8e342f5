"""``/v1/batches`` (OpenAI's Batch API), served for the edge at
``/internal/v1/batches``.

A batch belongs to the API key that made it, and so does its input file;
another key gets a 404 for it. Creating one only records it (``validating``)
and queues its job: the batch runner (``services/admin/batches``) reads the
lines, sends each through the gateway as that key, and writes the output
and error files.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from starlette.responses import JSONResponse

from omniroute.errors import BadRequest, Conflict, NotFound, RateLimited
from services.admin.batches.objects import OPEN, batch_object
from services.admin.context import AdminContext, Ctx
from services.admin.db.batch_models import Batch
from services.admin.owner import Owner
from services.admin.routes.client_files import list_page, owned_file

router = APIRouter(prefix="/internal/v1/batches", include_in_schema=False)

ENDPOINTS = frozenset(
    {"/v1/chat/completions", "/v1/embeddings", "/v1/responses", "/v1/completions"}
)
# What OpenAI accepts as a completion window.
WINDOWS = {"24h": timedelta(hours=24)}


class BatchIn(BaseModel):
    input_file_id: str = Field(max_length=64)
    endpoint: str = Field(max_length=64)
    completion_window: str = Field("24h", max_length=16)
    metadata: dict[str, str] | None = Field(None, max_length=16)


async def owned_batch(ctx: AdminContext, owner: str, batch_id: str) -> Batch:
    async with ctx.sessions() as session:
        batch = await session.get(Batch, batch_id)
    if batch is None or batch.api_key_id != owner:
        raise NotFound(f"No such Batch object: {batch_id}", param="batch_id")
    return batch


@router.post("")
async def create_batch(ctx: Ctx, owner: Owner, body: BatchIn) -> JSONResponse:
    if body.endpoint not in ENDPOINTS:
        raise BadRequest(
            f"endpoint: one of {', '.join(sorted(ENDPOINTS))}", param="endpoint"
        )
    window = WINDOWS.get(body.completion_window)
    if window is None:
        raise BadRequest("completion_window: '24h'", param="completion_window")
    source = await owned_file(ctx, owner, body.input_file_id)
    if source.purpose != "batch":
        raise BadRequest(
            f"input_file_id: {source.id} was uploaded with purpose "
            f"'{source.purpose}', not 'batch'",
            param="input_file_id",
        )
    now = datetime.now(UTC)
    batch = Batch(
        id=f"batch_{uuid.uuid4().hex}",
        api_key_id=owner,
        endpoint=body.endpoint,
        input_file_id=source.id,
        completion_window=body.completion_window,
        status="validating",
        total=0,
        completed=0,
        failed=0,
        batch_metadata=body.metadata,
        created_at=now,
        expires_at=now + window,
    )
    async with ctx.sessions() as session, session.begin():
        open_batches = await session.scalar(
            select(func.count())
            .select_from(Batch)
            .where(Batch.api_key_id == owner, Batch.status.in_(OPEN))
        )
        if (open_batches or 0) >= ctx.settings.max_open_batches:
            raise RateLimited(
                f"this key has {open_batches} batches open, the most it may "
                "(MAX_OPEN_BATCHES_PER_KEY); wait for one to finish or cancel one",
                code="too_many_batches",
            )
        session.add(batch)
    await ctx.batches.start(batch.id)
    return JSONResponse(batch_object(batch))


@router.get("")
async def list_batches(
    ctx: Ctx,
    owner: Owner,
    limit: int = Query(20, ge=1, le=100),
    after: str | None = None,
) -> JSONResponse:
    """The owner's batches, newest first, paged by ``after``."""
    query = select(Batch).where(Batch.api_key_id == owner)
    async with ctx.sessions() as session:
        if after:
            anchor = await session.get(Batch, after)
            if anchor is not None and anchor.api_key_id == owner:
                query = query.where(Batch.created_at < anchor.created_at)
        rows = list(
            await session.scalars(
                query.order_by(Batch.created_at.desc(), Batch.id.desc()).limit(
                    limit + 1
                )
            )
        )
    return list_page([batch_object(b) for b in rows[:limit]], len(rows) > limit)


@router.get("/{batch_id}")
async def get_batch(ctx: Ctx, owner: Owner, batch_id: str) -> JSONResponse:
    return JSONResponse(batch_object(await owned_batch(ctx, owner, batch_id)))


@router.post("/{batch_id}/cancel")
async def cancel_batch(ctx: Ctx, owner: Owner, batch_id: str) -> JSONResponse:
    """``cancelling`` at once; the runner stops sending lines, lets those in
    flight finish and writes what was answered (then ``cancelled``)."""
    await owned_batch(ctx, owner, batch_id)
    async with ctx.sessions() as session, session.begin():
        batch = await session.get(Batch, batch_id, with_for_update=True)
        assert batch is not None
        if batch.status not in ("validating", "in_progress", "cancelling"):
            raise Conflict(
                f"Cannot cancel a batch with status '{batch.status}'.",
                code="batch_not_cancellable",
            )
        if batch.status != "cancelling":
            batch.status = "cancelling"
            batch.cancelling_at = datetime.now(UTC)
    await ctx.batches.start(batch_id)
    return JSONResponse(batch_object(batch))
