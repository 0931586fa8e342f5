"""Issue 16: ``/v1/files`` and ``/v1/batches`` through the running stack with
the official ``openai`` SDK; every file and batch is its key's alone."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import orjson
import pytest
from openai.types import Batch
from openai.types.batch_request_counts import BatchRequestCounts

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import Simulator, admin_client, poll_until, usage_row

pytestmark = pytest.mark.e2e

_NONE = BatchRequestCounts(total=0, completed=0, failed=0)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(
        tmp_path_factory.mktemp("files"),
        env={
            "MAX_FILE_BYTES": str(64 * 1024),
            "MAX_BATCH_LINES": "100",
            "MAX_OPEN_BATCHES_PER_KEY": "2",
        },
    )
    try:
        yield running
    finally:
        running.stop()


def _sdk(stack: Stack, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=stack.edge_url + "/v1", api_key=key, max_retries=0)


@pytest.fixture(scope="module")
def owner(stack: Stack) -> Iterator[openai.OpenAI]:
    with _sdk(stack, stack.api_key) as sdk:
        yield sdk


@pytest.fixture(scope="module")
def stranger(stack: Stack) -> Iterator[openai.OpenAI]:
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        key = admin.post("/api/keys", json={"name": "stranger"}).json()["key"]
    with _sdk(stack, key) as sdk:
        # The new key reaches the edge with the next snapshot.
        poll_until(lambda: _lists(sdk), timeout=10)
        yield sdk


def _lists(sdk: openai.OpenAI) -> bool:
    try:
        sdk.files.list()
    except openai.AuthenticationError:
        return False
    return True


def _jsonl(*lines: dict[str, object]) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


def test_a_file_goes_up_lists_reads_back_and_goes_away(owner: openai.OpenAI) -> None:
    data = _jsonl({"custom_id": "a", "method": "POST", "url": "/v1/embeddings"})
    created = owner.files.create(file=("input.jsonl", data), purpose="batch")
    assert created.bytes == len(data) and created.filename == "input.jsonl"
    assert created.purpose == "batch" and created.status == "processed"
    assert created.id in [f.id for f in owner.files.list()]
    assert owner.files.retrieve(created.id).bytes == len(data)
    assert owner.files.content(created.id).content == data
    assert owner.files.delete(created.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        owner.files.retrieve(created.id)


def test_another_key_cannot_see_read_or_delete_a_keys_file(
    owner: openai.OpenAI, stranger: openai.OpenAI
) -> None:
    created = owner.files.create(file=("mine.jsonl", b"{}\n"), purpose="batch")
    assert created.id not in [f.id for f in stranger.files.list()]
    for attempt in (
        lambda: stranger.files.retrieve(created.id),
        lambda: stranger.files.content(created.id),
        lambda: stranger.files.delete(created.id),
    ):
        with pytest.raises(openai.NotFoundError):
            attempt()
    assert owner.files.content(created.id).content == b"{}\n"


def test_an_oversized_or_purposeless_upload_is_refused_clearly(
    owner: openai.OpenAI,
) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        owner.files.create(
            file=("big.jsonl", io.BytesIO(b"x" * 70_000)), purpose="batch"
        )
    assert caught.value.status_code == 413
    assert "MAX_FILE_BYTES" in caught.value.message
    with pytest.raises(openai.BadRequestError) as bad:
        owner.files.create(file=("a.jsonl", b"{}"), purpose="nonsense")  # type: ignore[arg-type]
    assert "purpose" in bad.value.message


def test_admins_internal_route_refuses_a_caller_without_the_edges_signature(
    stack: Stack,
) -> None:
    response = httpx.get(
        stack.admin_url + "/internal/v1/files",
        headers={"X-OmniRoute-Owner": "anything"},
    )
    assert response.status_code == 401


def _chat_lines(count: int, prefix: str = "line") -> bytes:
    return _jsonl(
        *(
            {
                "custom_id": f"{prefix}-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {
                    "model": "demo/gpt-4o-mini",
                    "messages": [{"role": "user", "content": f"{prefix} {i}"}],
                },
            }
            for i in range(count)
        )
    )


def _chat_batch(sdk: openai.OpenAI, file_id: str, **extra: Any) -> Batch:
    return sdk.batches.create(
        input_file_id=file_id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        **extra,
    )


def _finished(sdk: openai.OpenAI, batch_id: str, timeout: float = 60) -> Batch:
    done = poll_until(
        lambda: (
            batch
            if (batch := sdk.batches.retrieve(batch_id)).status
            in ("completed", "failed", "cancelled", "expired")
            else None
        ),
        timeout=timeout,
        interval=0.2,
    )
    assert done is not None, sdk.batches.retrieve(batch_id)
    return done


@contextlib.contextmanager
def _slow_batch(
    stack: Stack, sdk: openai.OpenAI, lines: int, answered: int
) -> Iterator[Batch]:
    """A batch of ``lines`` slow lines (300 ms upstream each), yielded once
    ``answered`` of them have answers; the simulator is reset after."""
    sim = Simulator(stack.simulator_url)
    sim.fault(model="gpt-4o-mini", latency_ms=300)
    try:
        source = sdk.files.create(
            file=("slow.jsonl", _chat_lines(lines, "slow")), purpose="batch"
        )
        batch = _chat_batch(sdk, source.id)
        poll_until(
            lambda: (
                (sdk.batches.retrieve(batch.id).request_counts or _NONE).completed
                >= answered
            ),
            timeout=30,
        )
        yield batch
    finally:
        sim.clear()
        sim.http.close()


def _rows(sdk: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    if file_id is None:
        return []
    content = sdk.files.content(file_id).content
    return [orjson.loads(row) for row in content.splitlines()]


def test_a_batch_runs_every_line_once_through_the_gateway(
    stack: Stack, owner: openai.OpenAI
) -> None:
    source = owner.files.create(file=("in.jsonl", _chat_lines(20)), purpose="batch")
    batch = _chat_batch(owner, source.id, metadata={"job": "nightly"})
    assert batch.status == "validating" and batch.metadata == {"job": "nightly"}
    done = _finished(owner, batch.id)
    assert done.status == "completed", done
    assert done.request_counts is not None
    assert (done.request_counts.total, done.request_counts.completed) == (20, 20)
    rows = _rows(owner, done.output_file_id)
    assert sorted(r["custom_id"] for r in rows) == sorted(
        f"line-{i}" for i in range(20)
    )
    for row in rows:
        body = row["response"]["body"]
        number = row["custom_id"].split("-")[1]
        assert row["response"]["status_code"] == 200 and row["error"] is None
        assert body["choices"][0]["message"]["content"] == f"Echo: line {number}"
    # Each line is an ordinary request of the key: a usage row of its own.
    ids = {r["response"]["request_id"] for r in rows}
    assert len(ids) == 20
    sample = usage_row(stack.edge_url, stack.admin_key, next(iter(ids)))
    assert sample["status"] == 200 and sample["costUsd"] > 0


def test_a_bad_input_file_fails_the_batch_naming_each_line(
    owner: openai.OpenAI,
) -> None:
    lines = (
        _chat_lines(2)
        + b"not json\n"
        + _jsonl(
            {
                "custom_id": "line-0",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": "m"},
            },
            {
                "custom_id": "x",
                "method": "POST",
                "url": "/v1/embeddings",
                "body": {"model": "m"},
            },
        )
    )
    source = owner.files.create(file=("bad.jsonl", lines), purpose="batch")
    batch = _chat_batch(owner, source.id)
    done = _finished(owner, batch.id)
    assert done.status == "failed" and done.errors is not None
    problems = [(e.line, e.code) for e in done.errors.data or []]
    assert problems == [
        (3, "invalid_json_line"),
        (4, "duplicate_custom_id"),
        (5, "mismatched_endpoint"),
    ]


def test_another_key_cannot_list_read_cancel_or_download_a_keys_batch(
    owner: openai.OpenAI, stranger: openai.OpenAI
) -> None:
    source = owner.files.create(
        file=("in.jsonl", _chat_lines(2, "own")), purpose="batch"
    )
    with pytest.raises(openai.NotFoundError):
        _chat_batch(stranger, source.id)
    batch = _chat_batch(owner, source.id)
    assert batch.id not in [b.id for b in stranger.batches.list()]
    with pytest.raises(openai.NotFoundError):
        stranger.batches.retrieve(batch.id)
    with pytest.raises(openai.NotFoundError):
        stranger.batches.cancel(batch.id)
    done = _finished(owner, batch.id)
    assert done.output_file_id is not None
    with pytest.raises(openai.NotFoundError):
        stranger.files.content(done.output_file_id)
    assert len(_rows(owner, done.output_file_id)) == 2


def test_a_cancelled_batch_keeps_what_was_answered_and_lists_the_rest(
    stack: Stack, owner: openai.OpenAI
) -> None:
    with _slow_batch(stack, owner, 60, answered=8) as batch:
        assert owner.batches.cancel(batch.id).status == "cancelling"
        done = _finished(owner, batch.id)
    assert done.status == "cancelled" and done.cancelled_at is not None
    answered = _rows(owner, done.output_file_id)
    never_sent = [
        r
        for r in _rows(owner, done.error_file_id)
        if r["error"]["code"] == "batch_cancelled"
    ]
    assert 8 <= len(answered) < 60
    assert len(answered) + len(never_sent) == 60
    assert {r["custom_id"] for r in answered}.isdisjoint(
        r["custom_id"] for r in never_sent
    )
    with pytest.raises(openai.ConflictError):
        owner.batches.cancel(batch.id)


def test_a_key_has_at_most_its_open_batches_and_lines(
    stack: Stack, owner: openai.OpenAI
) -> None:
    sim = Simulator(stack.simulator_url)
    sim.fault(model="gpt-4o-mini", latency_ms=500)
    source = owner.files.create(
        file=("in.jsonl", _chat_lines(30, "hold")), purpose="batch"
    )
    opened = [_chat_batch(owner, source.id) for _ in range(2)]
    try:
        with pytest.raises(openai.RateLimitError) as caught:
            _chat_batch(owner, source.id)
        assert "MAX_OPEN_BATCHES_PER_KEY" in caught.value.message
    finally:
        for batch in opened:
            owner.batches.cancel(batch.id)
        for batch in opened:
            _finished(owner, batch.id)
        sim.clear()
        sim.http.close()
    too_long = owner.files.create(
        file=("long.jsonl", _chat_lines(101)), purpose="batch"
    )
    batch = _chat_batch(owner, too_long.id)
    done = _finished(owner, batch.id)
    assert done.status == "failed" and done.errors is not None
    [problem] = done.errors.data or []
    assert problem.code == "too_many_requests" and "MAX_BATCH_LINES" in (
        problem.message or ""
    )


def test_a_batch_past_its_window_expires_keeping_what_was_answered(
    stack: Stack, owner: openai.OpenAI
) -> None:
    """Its window's end is moved into the past in the database (a day is too
    long to wait): the runner stops sending, keeps the answered lines and
    lists the others as ``batch_expired``."""
    with _slow_batch(stack, owner, 40, answered=3) as batch:
        with sqlite3.connect(stack.data_dir / "omniroute.db", timeout=10) as db:
            db.execute(
                "UPDATE batches SET expires_at = ? WHERE id = ?",
                ("2000-01-01 00:00:00.000000", batch.id),
            )
        done = _finished(owner, batch.id)
    assert done.status == "expired" and done.expired_at is not None
    answered = _rows(owner, done.output_file_id)
    expired = [
        r["custom_id"]
        for r in _rows(owner, done.error_file_id)
        if r["error"]["code"] == "batch_expired"
    ]
    assert len(answered) >= 3 and expired
    assert len(answered) + len(expired) == 40


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"input_file_id": 7, "endpoint": "/v1/chat/completions"}',
        b'{"input_file_id": "file-x", "endpoint": "/v1/nowhere"}',
        b'{"input_file_id": "file-x", "endpoint": "/v1/embeddings", '
        b'"completion_window": "1h"}',
    ],
)
def test_a_bad_batch_request_is_a_400_in_openais_shape(
    stack: Stack, body: bytes
) -> None:
    response = httpx.post(
        stack.edge_url + "/v1/batches",
        content=body,
        headers={
            "Authorization": f"Bearer {stack.api_key}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400, response.text
    assert isinstance(response.json()["error"]["message"], str)
