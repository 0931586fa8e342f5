"""What a request can cost at most, reserved against its key's limits
before it is dispatched (``admission.py`` settles it to the real cost).

An estimate must not be lower than the bill, or concurrent requests slip
past a budget together; it may be higher, because the reservation is
corrected as soon as the answer is in. So every bound here takes the
priciest target the request could reach (a combo falls back to others) and
the most output the request allows:

* chat: the prompt counted with tiktoken plus ``max_tokens`` (or
  ``DEFAULT_ANSWER_TOKENS`` when the client sets no cap);
* embeddings: the input counted with tiktoken;
* images: ``n`` images at the per-image price;
* transcription: the audio's length, read from a WAV header or bounded by
  the file size at ``MIN_AUDIO_BITRATE`` for compressed formats;
* speech: the input's characters;
* rerank: the query over every document, in search units and in tokens.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from omniroute.common.v1 import common_pb2
from omniroute.pricing import Price, PriceBook
from services.edge.token_count import encoding, estimate_tokens

# The answer a chat request without max_tokens is reserved for.
DEFAULT_ANSWER_TOKENS = 1024
# Bits per second below which no codec a transcription provider takes
# carries speech (Opus at its lowest useful rate): a size at this rate is
# an upper bound of the duration.
MIN_AUDIO_BITRATE = 6_000


@dataclass(frozen=True, slots=True)
class Estimate:
    """An upper bound of one request: USD and tokens (for tokens per minute)."""

    usd: float = 0.0
    tokens: int = 0
    # Of ``tokens``, the prompt's (what an abandoned stream is billed for).
    prompt_tokens: int = 0


NOTHING = Estimate()


def _prices(book: PriceBook, targets: Iterable[common_pb2.Target]) -> list[Price]:
    found = (book.lookup(t.provider_id, t.model) for t in targets)
    return [price for price in found if price is not None]


def chat(
    book: PriceBook, targets: Iterable[common_pb2.Target], hub: dict[str, Any]
) -> Estimate:
    prompt = estimate_tokens(hub)
    cap = hub.get("max_tokens") or hub.get("max_completion_tokens")
    answer = cap if isinstance(cap, int) and cap > 0 else DEFAULT_ANSWER_TOKENS
    usd = max(
        (
            (prompt * max(p.input, p.cache_write, p.cache_write_1h) + answer * p.output)
            / 1_000_000
            for p in _prices(book, targets)
        ),
        default=0.0,
    )
    return Estimate(usd, prompt + answer, prompt)


def embeddings(
    book: PriceBook, targets: Iterable[common_pb2.Target], body: dict[str, Any]
) -> Estimate:
    raw = body.get("input")
    texts = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    tokens = sum(_input_tokens(item) for item in texts)
    usd = max(
        (tokens * p.input / 1_000_000 for p in _prices(book, targets)), default=0.0
    )
    return Estimate(usd, tokens)


def _input_tokens(item: object) -> int:
    if isinstance(item, str):
        return len(encoding().encode(item, disallowed_special=()))
    if isinstance(item, list):  # already tokens, or a list of texts
        return sum(1 if isinstance(x, int) else _input_tokens(x) for x in item)
    return 0


def images(
    book: PriceBook, targets: Iterable[common_pb2.Target], body: dict[str, Any]
) -> Estimate:
    n = body.get("n")
    count = n if isinstance(n, int) and n > 0 else 1
    usd = max((count * p.per_image for p in _prices(book, targets)), default=0.0)
    return Estimate(usd)


def transcription(
    book: PriceBook, targets: Iterable[common_pb2.Target], audio: bytes
) -> Estimate:
    minutes = audio_seconds_at_most(audio) / 60
    usd = max((minutes * p.per_minute for p in _prices(book, targets)), default=0.0)
    return Estimate(usd)


def speech(
    book: PriceBook, targets: Iterable[common_pb2.Target], body: dict[str, Any]
) -> Estimate:
    characters = len(str(body.get("input") or ""))
    usd = max(
        (characters * p.per_million_chars / 1_000_000 for p in _prices(book, targets)),
        default=0.0,
    )
    return Estimate(usd)


def rerank(
    book: PriceBook, targets: Iterable[common_pb2.Target], body: dict[str, Any]
) -> Estimate:
    documents = body.get("documents") or []
    units = max(1, math.ceil(len(documents) / 100))
    # Every document is read with the query beside it.
    query = _input_tokens(str(body.get("query") or ""))
    tokens = sum(query + _input_tokens(_document_text(d)) for d in documents)
    usd = max(
        (
            units * p.per_search + tokens * p.input / 1_000_000
            for p in _prices(book, targets)
        ),
        default=0.0,
    )
    return Estimate(usd, tokens)


def _document_text(document: object) -> str:
    return (
        str(document.get("text") or "") if isinstance(document, dict) else str(document)
    )


def audio_seconds_at_most(audio: bytes) -> float:
    """How long ``audio`` can play: exact for PCM WAV, else its size at the
    lowest bitrate speech is sent at."""
    wav = _wav_seconds(audio)
    if wav is not None:
        return wav
    return math.ceil(len(audio) * 8 / MIN_AUDIO_BITRATE)


def _wav_seconds(audio: bytes) -> float | None:
    if len(audio) < 44 or audio[:4] != b"RIFF" or audio[8:12] != b"WAVE":
        return None
    position = 12
    byte_rate = 0
    while position + 8 <= len(audio):
        chunk, size = (
            audio[position : position + 4],
            struct.unpack("<I", audio[position + 4 : position + 8])[0],
        )
        body = position + 8
        if chunk == b"fmt " and size >= 16:
            byte_rate = struct.unpack("<I", audio[body + 8 : body + 12])[0]
        elif chunk == b"data" and byte_rate:
            # A streamed WAV may say 0 or 0xFFFFFFFF: the bytes present count.
            present = len(audio) - body
            length = size if 0 < size <= present else present
            return length / byte_rate
        position = body + size + (size & 1)
    return None
