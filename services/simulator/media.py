"""OpenAI embeddings and image generation, deterministic.

* Embedding of a text: SHAKE-256 of its UTF-8 bytes gives ``dimensions``
  16-bit numbers mapped to [-1, 1], then L2-normalised; token-array inputs
  hash their JSON text. Default dimension 1536; ``dimensions`` is honoured.
  ``encoding_format: base64`` packs the same floats as little-endian float32.
  Usage: prompt tokens = whitespace-separated words (or token-array length).
* Image: an 8x8 PNG of one colour taken from SHA-256 of the prompt, as
  ``b64_json`` or as a ``url`` served by the simulator itself.
* Image edit (multipart, as OpenAI's ``/v1/images/edits``): ``image`` or
  ``image[]`` (PNG, JPEG or WebP), an optional PNG ``mask``, ``prompt``;
  the result's colour comes from the prompt and the input images' bytes.
"""

from __future__ import annotations

import base64
import hashlib
import math
import struct
import zlib
from typing import Any

import orjson

from services.simulator.errors import ProviderError
from services.simulator.frames import now
from services.simulator.parsing import model_of, positive_int

DEFAULT_DIMENSIONS = 1536
MAX_DIMENSIONS = 8192
MAX_IMAGES = 10
PNG_SIDE = 8


def embedding_vector(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """The unit vector the simulator returns for ``text``."""
    digest = hashlib.shake_256(text.encode()).digest(2 * dimensions)
    raw = struct.unpack(f"<{dimensions}H", digest)
    values = [value / 32767.5 - 1.0 for value in raw]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def _inputs(value: Any) -> list[tuple[str, int]]:
    """Each input as (text to hash, token count)."""
    if isinstance(value, str):
        return [(value, len(value.split()))]
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return [(orjson.dumps(value).decode(), len(value))]
    if isinstance(value, list) and value:
        items: list[tuple[str, int]] = []
        for item in value:
            if isinstance(item, str):
                items.append((item, len(item.split())))
            elif isinstance(item, list) and all(isinstance(v, int) for v in item):
                items.append((orjson.dumps(item).decode(), len(item)))
            else:
                raise ProviderError(
                    400, "Each 'input' item must be a string or a token array."
                )
        return items
    raise ProviderError(400, "'input' must be a non-empty string or array.")


def embeddings(body: dict[str, Any]) -> dict[str, Any]:
    """The ``/v1/embeddings`` answer."""
    model = model_of(body)
    inputs = _inputs(body.get("input"))
    dimensions = DEFAULT_DIMENSIONS
    if "dimensions" in body:
        requested = positive_int(body.get("dimensions"))
        if requested is None or requested > MAX_DIMENSIONS:
            raise ProviderError(
                400, f"'dimensions' must be between 1 and {MAX_DIMENSIONS}."
            )
        dimensions = requested
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise ProviderError(400, "'encoding_format' must be 'float' or 'base64'.")
    data = []
    for index, (text, _) in enumerate(inputs):
        vector = embedding_vector(text, dimensions)
        embedding: list[float] | str = vector
        if encoding == "base64":
            packed = struct.pack(f"<{dimensions}f", *vector)
            embedding = base64.b64encode(packed).decode()
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(count for _, count in inputs)
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def png(rgb: tuple[int, int, int], side: int = PNG_SIDE) -> bytes:
    """A valid ``side`` x ``side`` PNG filled with one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes(rgb) * side
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * side))
        + chunk(b"IEND", b"")
    )


def image_for(prompt: str, index: int) -> tuple[str, bytes]:
    """(file name, PNG bytes) of image ``index`` for ``prompt``."""
    digest = hashlib.sha256(f"{index}:{prompt}".encode()).digest()
    return f"img-{digest[:8].hex()}.png", png((digest[0], digest[1], digest[2]))


def image_request(body: dict[str, Any]) -> tuple[str, str, int, str]:
    """(model, prompt, n, response format) of an images request.

    ``gpt-image-*`` models always answer ``b64_json`` (as OpenAI's do); the
    others default to ``url``."""
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise ProviderError(400, "'prompt' is a required property.")
    model = str(body.get("model") or "dall-e-2")
    count = positive_int(body.get("n")) if "n" in body else 1
    if count is None or count > MAX_IMAGES:
        raise ProviderError(400, f"'n' must be between 1 and {MAX_IMAGES}.")
    native_b64 = model.startswith("gpt-image")
    default = "b64_json" if native_b64 else "url"
    kind = "b64_json" if native_b64 else str(body.get("response_format") or default)
    if kind not in ("url", "b64_json"):
        raise ProviderError(400, "'response_format' must be 'url' or 'b64_json'.")
    return model, prompt, count, kind


def images_body(
    model: str, prompt: str, entries: list[dict[str, str]]
) -> dict[str, Any]:
    body: dict[str, Any] = {"created": now(), "data": entries}
    if model.startswith("gpt-image"):
        words = len(prompt.split())
        body["usage"] = {
            "input_tokens": words,
            "input_tokens_details": {"text_tokens": words, "image_tokens": 0},
            "output_tokens": 272 * len(entries),
            "total_tokens": words + 272 * len(entries),
        }
    return body


def _image_kind(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def image_edit_request(
    fields: dict[str, str], parts: list[tuple[str, bytes]]
) -> tuple[str, str, int, str]:
    """(model, prompt with the inputs' digest, n, response format) of an
    image edit, checked as OpenAI checks it."""
    images = [data for name, data in parts if name in ("image", "image[]")]
    masks = [data for name, data in parts if name == "mask"]
    if not images:
        raise ProviderError(400, "Missing required parameter: 'image'.")
    if not fields.get("prompt"):
        raise ProviderError(400, "Missing required parameter: 'prompt'.")
    for index, data in enumerate(images, start=1):
        if _image_kind(data) is None:
            raise ProviderError(
                400,
                f"Invalid image file or mode for image {index}, "
                "please check your image file.",
            )
    if masks and _image_kind(masks[0]) != "png":
        raise ProviderError(400, "Invalid mask image: it must be a PNG file.")
    body: dict[str, Any] = {**fields, "model": fields.get("model") or "dall-e-2"}
    if "n" in fields:
        body["n"] = int(fields["n"]) if fields["n"].isdigit() else fields["n"]
    model, prompt, count, kind = image_request(body)
    digest = hashlib.sha256(b"".join(images + masks)).hexdigest()[:16]
    return model, f"{prompt}|{digest}", count, kind
