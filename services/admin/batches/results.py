"""A batch's output and error files, and its final status.

The output file has a line per answered request (2xx), the error file one
per refused request and, for a cancelled or expired batch, one per request
never sent (``batch_cancelled`` / ``batch_expired``), each in OpenAI's
shape. Both are files of the batch's key. Writing them twice (a runner
that died while finishing) writes the same files again, under the same ids.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniroute.blobs import BlobStore
from services.admin.db.batch_models import Batch, BatchLine, StoredFile


def _body(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return {"error": {"message": text[:2000]}}


def _result(line: BatchLine, never_sent: str) -> tuple[bool, bytes]:
    """(whether it is an output line, the line)."""
    # The same id each time the results are written.
    request_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{line.batch_id}:{line.line}")
    entry: dict[str, Any] = {
        "id": f"batch_req_{request_id.hex}",
        "custom_id": line.custom_id,
        "response": None,
        "error": None,
    }
    if line.state == "pending":
        entry["error"] = {
            "code": never_sent,
            "message": "the batch ended before this request was sent",
        }
        return False, orjson.dumps(entry)
    body = _body(line.response)
    entry["response"] = {
        "status_code": line.status_code,
        "request_id": line.request_id,
        "body": body,
    }
    if line.state == "done":
        return True, orjson.dumps(entry)
    error = body.get("error") if isinstance(body, dict) else None
    entry["error"] = {
        "code": (error or {}).get("code") or "request_failed",
        "message": (error or {}).get("message") or f"HTTP {line.status_code}",
    }
    return False, orjson.dumps(entry)


async def write_results(
    sessions: async_sessionmaker[AsyncSession], blobs: BlobStore, batch: Batch
) -> None:
    async with sessions() as session:
        lines = list(
            await session.scalars(
                select(BatchLine)
                .where(BatchLine.batch_id == batch.id)
                .order_by(BatchLine.line)
            )
        )
    never_sent = "batch_expired" if batch.expired_at else "batch_cancelled"
    output: list[bytes] = []
    errors: list[bytes] = []
    for line in lines:
        ok, row = _result(line, never_sent)
        (output if ok else errors).append(row)
    files: dict[str, StoredFile] = {}
    for kind, rows in (("output", output), ("error", errors)):
        if rows:
            file_id = f"file-{batch.id.removeprefix('batch_')}-{kind}"
            size = await blobs.put_lines(file_id, rows)
            files[kind] = StoredFile(
                id=file_id,
                api_key_id=batch.api_key_id,
                purpose="batch_output",
                filename=f"{batch.id}_{kind}.jsonl",
                size=size,
                created_at=datetime.now(UTC),
            )
    await _close(sessions, batch.id, files)


async def _close(
    sessions: async_sessionmaker[AsyncSession],
    batch_id: str,
    files: dict[str, StoredFile],
) -> None:
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        for record in files.values():
            await session.merge(record)
        stored = await session.get(Batch, batch_id, with_for_update=True)
        assert stored is not None
        stored.output_file_id = files["output"].id if "output" in files else None
        stored.error_file_id = files["error"].id if "error" in files else None
        if stored.status == "finalizing":
            stored.status, stored.completed_at = "completed", now
        elif stored.expired_at is not None:
            stored.status = "expired"
        else:
            stored.status, stored.cancelled_at = "cancelled", now
