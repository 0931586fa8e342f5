"""Issue 16: ``/v1/files`` and ``/v1/batches`` through the running stack with
the official ``openai`` SDK; every file and batch is its key's alone."""

from __future__ import annotations

import io
from collections.abc import Iterator

import openai
import orjson
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import admin_client, poll_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(
        tmp_path_factory.mktemp("files"), env={"MAX_FILE_BYTES": str(64 * 1024)}
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
    import httpx

    response = httpx.get(
        stack.admin_url + "/internal/v1/files",
        headers={"X-OmniRoute-Owner": "anything"},
    )
    assert response.status_code == 401
