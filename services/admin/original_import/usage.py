"""``usage_history`` into our usage log, in committed batches.

Each row keeps a request id derived from the original's row id, so a second
run inserts nothing, and a batch is counted only once it is committed: a
run stopped half-way has imported exactly what it reported. Costs are
computed with this gateway's price book (the original stores none per row).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniroute.common.v1 import common_pb2
from omniroute.pricing import PriceBook
from services.admin.db.models import UsageRecord
from services.admin.original_import.access import parse_time
from services.admin.original_import.providers import ProviderMap, account_id
from services.admin.original_import.records import OriginalData, UsageRow
from services.admin.original_import.report import Report

BATCH = 1000
REQUEST_PREFIX = "original-usage-"
PROGRESS_EVERY_S = 2.0


def usage_record(
    row: UsageRow, providers: ProviderMap, prices: PriceBook
) -> dict[str, Any] | None:
    """The usage_log row for one of the original's, or None if unusable (its
    id makes the request id that keeps a second run from adding it again)."""
    moment = parse_time(row.timestamp)
    if moment is None or row.id <= 0:
        return None
    provider = providers.of(row.provider) or row.provider
    account = account_id(row.connection_id) if row.connection_id else ""
    status = int(row.status) if row.status.isdigit() else (200 if row.success else 500)
    # The original's tokens_input counts cache reads and cache writes (its
    # migration 012); here cache writes are outside prompt_tokens.
    prompt = max(0, row.tokens_input - row.tokens_cache_creation)
    usage = common_pb2.Usage(
        prompt_tokens=prompt,
        completion_tokens=row.tokens_output,
        cached_tokens=row.tokens_cache_read,
        cache_creation_tokens=row.tokens_cache_creation,
        reasoning_tokens=row.tokens_reasoning,
    )
    return {
        "request_id": f"{REQUEST_PREFIX}{row.id}",
        "timestamp": moment,
        "api_key_id": row.api_key_id[:64],
        "endpoint": "",
        "client_format": "",
        "requested_model": row.model[:256],
        "provider_id": provider[:64],
        "account_id": account if account in providers.accounts else "",
        "model": row.model[:256],
        "status": status,
        "prompt_tokens": prompt,
        "completion_tokens": row.tokens_output,
        "total_tokens": prompt + row.tokens_output,
        "cached_tokens": row.tokens_cache_read,
        "reasoning_tokens": row.tokens_reasoning,
        "latency_ms": row.latency_ms,
        "ttft_ms": row.ttft_ms,
        "error_message": row.error_code,
        "cost_usd": prices.cost(provider, row.model, usage),
        "kind": "chat",
    }


async def _present(session: AsyncSession, ids: list[str]) -> set[str]:
    rows = await session.scalars(
        select(UsageRecord.request_id).where(UsageRecord.request_id.in_(ids))
    )
    return set(rows)


async def import_usage(
    sessions: async_sessionmaker[AsyncSession],
    data: OriginalData,
    providers: ProviderMap,
    prices: PriceBook,
    report: Report,
    progress: Callable[[str], None],
) -> None:
    """Inserts the rows not already here, one transaction per batch."""
    done, started, last = 0, time.monotonic(), 0.0
    for batch in data.usage_batches(BATCH):
        records: dict[str, dict[str, Any]] = {}
        for row in batch:
            record = usage_record(row, providers, prices)
            if record is None:
                report.skip(
                    "usage", str(row.id), f"unreadable timestamp {row.timestamp!r}"
                )
            else:
                records[record["request_id"]] = record
        async with sessions() as session, session.begin():
            present = await _present(session, list(records))
            new = [r for key, r in records.items() if key not in present]
            if new and not report.dry_run:
                await session.execute(insert(UsageRecord), new)
        # Counted after the commit: a reported row is a stored row.
        report.count("usage", "created", len(new))
        report.count("usage", "unchanged", len(present))
        done += len(batch)
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_S or done == data.usage_count:
            last = now
            progress(
                f"usage: {done}/{data.usage_count} rows read "
                f"({done / max(now - started, 1e-6):.0f}/s)"
            )
