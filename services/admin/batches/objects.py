"""A batch as OpenAI's Batch object, and the statuses a batch moves through."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.admin.db.batch_models import Batch
from services.admin.logins import aware

# Statuses in which a batch still has work (its runner resumes it).
OPEN = ("validating", "in_progress", "finalizing", "cancelling")


def unix(moment: datetime | None) -> int | None:
    """A stored moment as OpenAI's Unix seconds (None stays None)."""
    return None if moment is None else int(aware(moment).timestamp())


def batch_object(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.id,
        "object": "batch",
        "endpoint": batch.endpoint,
        "errors": batch.errors,
        "input_file_id": batch.input_file_id,
        "completion_window": batch.completion_window,
        "status": batch.status,
        "output_file_id": batch.output_file_id,
        "error_file_id": batch.error_file_id,
        "created_at": unix(batch.created_at),
        "in_progress_at": unix(batch.in_progress_at),
        "expires_at": unix(batch.expires_at),
        "finalizing_at": unix(batch.finalizing_at),
        "completed_at": unix(batch.completed_at),
        "failed_at": unix(batch.failed_at),
        "expired_at": unix(batch.expired_at),
        "cancelling_at": unix(batch.cancelling_at),
        "cancelled_at": unix(batch.cancelled_at),
        "request_counts": {
            "total": batch.total,
            "completed": batch.completed,
            "failed": batch.failed,
        },
        "metadata": batch.batch_metadata,
    }
