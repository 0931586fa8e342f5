"""Upper bounds of what a request can cost (``spend_estimate.py``)."""

from __future__ import annotations

import io
import wave

import pytest

from omniroute.common.v1 import common_pb2, config_pb2
from omniroute.pricing import PriceBook
from services.edge import spend_estimate

BOOK = PriceBook(
    [
        config_pb2.ModelPrice(provider="cheap", model="m", input=1, output=2),
        config_pb2.ModelPrice(provider="dear", model="m", input=10, output=40),
    ]
)
BOTH = [
    common_pb2.Target(provider_id="cheap", model="m"),
    common_pb2.Target(provider_id="dear", model="m"),
]


def test_a_chat_is_priced_at_its_dearest_target_and_its_cap() -> None:
    hub = {"messages": [{"role": "user", "content": "hello"}], "max_tokens": 1000}
    estimate = spend_estimate.chat(BOOK, BOTH, hub)
    prompt = estimate.tokens - 1000
    assert prompt > 0
    assert estimate.usd == pytest.approx((prompt * 10 + 1000 * 40) / 1e6)


def test_a_chat_without_a_cap_is_held_for_the_default_answer() -> None:
    estimate = spend_estimate.chat(BOOK, BOTH[:1], {"messages": []})
    assert estimate.tokens == spend_estimate.DEFAULT_ANSWER_TOKENS


def test_an_unpriced_model_holds_nothing() -> None:
    unknown = [common_pb2.Target(provider_id="x", model="unpriced")]
    assert spend_estimate.chat(BOOK, unknown, {"messages": []}).usd == 0.0
    assert spend_estimate.images(BOOK, unknown, {"n": 3}).usd == 0.0


def test_images_are_n_times_the_price() -> None:
    dalle = [common_pb2.Target(provider_id="any", model="dall-e-3")]
    assert spend_estimate.images(PriceBook(), dalle, {"n": 5}).usd == pytest.approx(
        0.20
    )
    assert spend_estimate.images(PriceBook(), dalle, {}).usd == pytest.approx(0.04)


def test_embedding_inputs_are_counted_texts_and_token_lists() -> None:
    texts = spend_estimate.embeddings(BOOK, BOTH, {"input": ["one two", "three"]})
    tokens = spend_estimate.embeddings(BOOK, BOTH, {"input": [[1, 2, 3, 4]]})
    assert texts.tokens == 3 and tokens.tokens == 4
    assert texts.usd == pytest.approx(3 * 10 / 1e6)


def _wav(seconds: float, rate: int = 16000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\0\0" * int(rate * seconds))
    return out.getvalue()


def test_a_wav_is_as_long_as_its_header_says() -> None:
    assert spend_estimate.audio_seconds_at_most(_wav(2.5)) == pytest.approx(2.5)


def test_compressed_audio_is_bounded_by_its_size_at_the_lowest_bitrate() -> None:
    # 75 kB at 6 kbit/s plays 100 s at most.
    audio = b"ID3" + b"\0" * 74_997
    assert spend_estimate.audio_seconds_at_most(audio) == 100


def test_a_transcription_is_priced_per_minute() -> None:
    whisper = [common_pb2.Target(provider_id="any", model="whisper-1")]
    estimate = spend_estimate.transcription(PriceBook(), whisper, _wav(30))
    assert estimate.usd == pytest.approx(0.003)
