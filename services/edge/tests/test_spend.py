"""Spend that cannot escape its limit: every priced request holds its upper
bound against the key's budget and token window before it is dispatched
(``spend_estimate.py``, ``admission.py``), whatever its kind, and refusals
state the real figures. In-process edge and executor over a real Redis."""

from __future__ import annotations

import asyncio
import io
import wave
from collections import Counter
from typing import Any

import pytest
from redis.asyncio import Redis

from omniroute.common.v1 import config_pb2
from omniroute.errors import RateLimited
from omniroute.runtime.redis_keys import RedisKeys
from services.edge.admission import Admission
from services.edge.budget_refusal import usd
from services.edge.spend_estimate import Estimate
from services.edge.tests.conftest import Edge

IMAGE = {"model": "dall-e-3", "prompt": "a lighthouse"}  # $0.04 an image


def _chat(content: str = "hi", **extra: Any) -> dict[str, Any]:
    return {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": content}],
        **extra,
    }


def _wav(seconds: float) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(b"\0\0" * int(8000 * seconds))
    return out.getvalue()


async def _all(edge: Edge, count: int, path: str, **request: Any) -> Counter[int]:
    answers = await asyncio.gather(
        *(edge.http.post(path, **request) for _ in range(count))
    )
    return Counter(a.status_code for a in answers)


def _budget(limit: float, tpm: int = 0) -> object:
    def configure(snapshot: config_pb2.ConfigSnapshot) -> None:
        primary = snapshot.providers[0]
        primary.image_models.append("dall-e-3")
        primary.embedding_models.append("text-embedding-3-small")
        primary.transcription_models.append("whisper-1")
        snapshot.prices.extend(
            [
                # One "hi" with max_tokens=2 is about $0.01 at these prices.
                config_pb2.ModelPrice(model="gpt-4o-mini", input=1000, output=1000),
                config_pb2.ModelPrice(model="text-embedding-3-small", input=1000),
            ]
        )
        if limit:
            snapshot.budgets.append(
                config_pb2.Budget(key_id="key-1", limit_usd=limit, period="monthly")
            )
        snapshot.api_keys[0].tpm_limit = tpm

    return configure


class TestImages:
    @pytest.fixture
    def configure(self) -> object:
        return _budget(0.10)

    async def test_fifty_concurrent_images_stay_within_the_budget(
        self, edge: Edge
    ) -> None:
        statuses = await _all(edge, 50, "/v1/images/generations", json=IMAGE)
        # $0.04 each against $0.10: two fit, never more.
        assert statuses == Counter({200: 2, 429: 48}), statuses

    async def test_ten_images_at_once_are_held_at_ten_times_the_price(
        self, edge: Edge
    ) -> None:
        refused = await edge.http.post(
            "/v1/images/generations", json={**IMAGE, "n": 10}
        )
        assert refused.status_code == 429
        message = refused.json()["error"]["message"]
        # Nothing was spent: the request alone is too dear, and it says so.
        assert "may cost up to $0.40 and $0.10 is left" in message, message
        assert "$0.00 of $0.10 spent" in message
        assert edge.simulator.calls() == []


class TestEmbeddingsAndAudio:
    @pytest.fixture
    def configure(self) -> object:
        return _budget(0.0025)

    async def test_embeddings_hold_their_input_tokens(self, edge: Edge) -> None:
        # About 1,000 tokens at $1,000 per million: $0.001 each.
        body = {"model": "text-embedding-3-small", "input": "word " * 1000}
        statuses = await _all(edge, 20, "/v1/embeddings", json=body)
        assert statuses[200] <= 2 and statuses[429] >= 18, statuses

    async def test_transcriptions_hold_their_duration(self, edge: Edge) -> None:
        # Ten seconds of whisper-1 at $0.006 a minute: $0.001 each.
        audio = _wav(10)
        statuses = await _all(
            edge,
            20,
            "/v1/audio/transcriptions",
            files={"file": ("a.wav", audio, "audio/wav")},
            data={"model": "whisper-1"},
        )
        assert statuses[200] <= 2 and statuses[429] >= 18, statuses


class TestChat:
    @pytest.fixture
    def configure(self) -> object:
        return _budget(0.06)

    async def test_concurrent_chats_are_held_at_their_max_tokens(
        self, edge: Edge, redis: Redis, redis_keys: RedisKeys
    ) -> None:
        statuses = await _all(
            edge, 50, "/v1/chat/completions", json=_chat(max_tokens=2)
        )
        assert set(statuses) == {200, 429} and statuses[200] >= 1, statuses
        await _settled(redis, redis_keys)
        assert await _spent(redis, redis_keys) <= 0.06

    async def test_a_refusal_states_what_was_really_spent(
        self, edge: Edge, redis: Redis, redis_keys: RedisKeys
    ) -> None:
        for _ in range(4):
            answer = await edge.http.post(
                "/v1/chat/completions", json=_chat(max_tokens=2)
            )
            assert answer.status_code == 200, answer.text
        await _settled(redis, redis_keys)
        # A request that may cost more than is left is told so, not that the
        # budget is spent; what was spent is the sum of the real costs.
        refused = await edge.http.post(
            "/v1/chat/completions", json=_chat(max_tokens=100_000)
        )
        assert refused.status_code == 429
        message = refused.json()["error"]["message"]
        spent = await _spent(redis, redis_keys)
        assert f"{usd(spent)} of $0.06 spent this month" in message, message
        assert spent == pytest.approx(4 * 0.006)
        assert "this request may cost up to $" in message


class TestTokensPerMinute:
    @pytest.fixture
    def configure(self) -> object:
        return _budget(0.0, tpm=100)

    async def test_tokens_are_reserved_before_the_answer(self, edge: Edge) -> None:
        statuses = await _all(
            edge, 50, "/v1/chat/completions", json=_chat(max_tokens=20)
        )
        # Each holds its prompt and 20 answer tokens: about four fit in 100.
        assert 1 <= statuses[200] <= 5 and set(statuses) == {200, 429}, statuses
        limited = await edge.http.post("/v1/chat/completions", json=_chat())
        assert limited.status_code == 429
        assert "100 tokens per minute" in limited.json()["error"]["message"]


class TestTokenCounting:
    @pytest.fixture
    def configure(self) -> object:
        def limit(snapshot: config_pb2.ConfigSnapshot) -> None:
            snapshot.api_keys[0].rpm_limit = 2

        return limit

    async def test_counting_is_held_to_the_rate_limit(self, edge: Edge) -> None:
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]}
        statuses = [
            (await edge.http.post("/v1/messages/count_tokens", json=body)).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]


async def test_text_naming_a_special_token_is_counted_as_text(edge: Edge) -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "say <|endoftext|> please"}],
    }
    counted = await edge.http.post("/v1/messages/count_tokens", json=body)
    assert counted.status_code == 200, counted.text
    assert counted.json()["input_tokens"] > 5


def test_dollars_keep_the_digits_that_matter() -> None:
    assert [usd(x) for x in (12.5, 0.1, 0.024, 0.000007, 0.0)] == [
        "$12.50",
        "$0.10",
        "$0.024",
        "$0.000007",
        "$0.00",
    ]


async def _spent(redis: Redis, keys: RedisKeys) -> float:
    [name] = [k async for k in redis.scan_iter(f"{keys.prefix}budget:key-1:*")]
    return int(await redis.get(name) or 0) / 1_000_000


async def _settled(redis: Redis, keys: RedisKeys) -> None:
    """Waits until no request holds anything (settling runs after the answer)."""
    for _ in range(100):
        if not await redis.hlen(keys.budget_holds("key-1")):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("holds were never settled")


async def test_two_edges_share_one_budget(
    redis_url: str, redis: Redis, redis_keys: RedisKeys
) -> None:
    """Each edge admits from the same Redis script: 50 concurrent $0.04
    holds against $0.10, spread over two edges' own connections, admit two."""
    budget = config_pb2.ConfigSnapshot(
        budgets=[config_pb2.Budget(key_id="k", limit_usd=0.10, period="monthly")]
    )
    edges = []
    for _ in range(2):
        connection = Redis.from_url(redis_url)
        admission = Admission(connection, redis_keys)
        admission.configure(budget)
        edges.append((connection, admission))
    try:
        image = Estimate(usd=0.04)

        async def admit(i: int) -> bool:
            try:
                await edges[i % 2][1].admit("k", 0, 0, f"req-{i}", image)
            except RateLimited:
                return False
            return True

        admitted = await asyncio.gather(*(admit(i) for i in range(50)))
        assert sum(admitted) == 2
        assert await redis.hlen(redis_keys.budget_holds("k")) == 2
    finally:
        for connection, _ in edges:
            await connection.aclose()
