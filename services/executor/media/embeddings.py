"""Embeddings: OpenAI-compatible upstreams, and the built-in ``local`` provider.

``local`` runs all-MiniLM-L6-v2 (bundled, offline) inside the executor, so
embeddings work with no provider at all. Its answers follow OpenAI's shape:
``encoding_format`` float or base64 (little-endian float32), ``dimensions``
truncates and renormalises.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import numpy as np
import orjson

from omniroute.common.v1 import common_pb2
from omniroute.embedding import DIMENSION, MiniLMEncoder
from services.executor.classify import FailureKind, UpstreamFailure

MAX_INPUTS = 2048


def parse_inputs(body: dict[str, Any]) -> list[str]:
    raw = body.get("input")
    inputs = [raw] if isinstance(raw, str) else raw
    if not isinstance(inputs, list) or not inputs:
        raise UpstreamFailure(
            FailureKind.CLIENT, 400, "input: a string or a non-empty list of strings"
        )
    if len(inputs) > MAX_INPUTS:
        raise UpstreamFailure(
            FailureKind.CLIENT, 400, f"input: at most {MAX_INPUTS} items per request"
        )
    if not all(isinstance(item, str) for item in inputs):
        raise UpstreamFailure(
            FailureKind.CLIENT,
            400,
            "input: the local model takes text only (strings, not token arrays)",
        )
    return inputs


class LocalEmbedder:
    """The bundled model, loaded on first use (a second or so, once)."""

    def __init__(self) -> None:
        self._encoder: MiniLMEncoder | None = None
        self._lock = asyncio.Lock()

    async def encoder(self) -> MiniLMEncoder:
        async with self._lock:
            if self._encoder is None:
                self._encoder = await asyncio.to_thread(MiniLMEncoder.load)
        return self._encoder

    async def embed(
        self, model: str, body: dict[str, Any]
    ) -> tuple[bytes, common_pb2.Usage]:
        inputs = parse_inputs(body)
        dimensions = body.get("dimensions")
        if dimensions is not None and (
            not isinstance(dimensions, int) or not 1 <= dimensions <= DIMENSION
        ):
            raise UpstreamFailure(
                FailureKind.CLIENT,
                400,
                f"dimensions: between 1 and {DIMENSION} for {model}",
            )
        fmt = body.get("encoding_format", "float")
        if fmt not in ("float", "base64"):
            raise UpstreamFailure(
                FailureKind.CLIENT, 400, "encoding_format: 'float' or 'base64'"
            )
        encoder = await self.encoder()
        vectors = await asyncio.to_thread(encoder.encode, inputs)
        if dimensions is not None and dimensions < DIMENSION:
            vectors = vectors[:, :dimensions]
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.maximum(norms, 1e-12)
        tokens = sum(len(encoder.tokenize(text)) for text in inputs)
        data = [
            {
                "object": "embedding",
                "index": index,
                "embedding": _encode(vector, fmt),
            }
            for index, vector in enumerate(vectors)
        ]
        answer = {
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        return orjson.dumps(answer), common_pb2.Usage(
            prompt_tokens=tokens, total_tokens=tokens
        )


def _encode(vector: np.ndarray, fmt: str) -> Any:
    if fmt == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode()
    return [float(x) for x in vector]


def upstream_usage(raw: bytes) -> common_pb2.Usage:
    try:
        usage = orjson.loads(raw).get("usage") or {}
    except (orjson.JSONDecodeError, AttributeError):
        return common_pb2.Usage()
    prompt = int(usage.get("prompt_tokens") or 0)
    return common_pb2.Usage(
        prompt_tokens=prompt, total_tokens=int(usage.get("total_tokens") or prompt)
    )
