"""Runs golden cases: each file holds a translator input and its expected output.

Streams are written compactly in the files: hub chunks as ``{"delta": ...}``,
``{"finish_reason": ...}`` or ``{"usage": ...}``; SSE output as
``{"event": name, "data": json}``; NDJSON output as one object per line.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from omniroute.wire.sse import SSEDecoder

GOLDEN = Path(__file__).parent / "golden"
Json = dict[str, Any]


def load(path: Path) -> Json:
    case: Json = json.loads(path.read_text())
    return case


def module_of(path: Path) -> ModuleType:
    return importlib.import_module(f"omniroute.wire.{path.parent.name}")


def expand(
    compact: Json, *, id: str = "chatcmpl-golden", model: str = "hub-model"
) -> Json:
    """A compact hub chunk as a full ``chat.completion.chunk``."""
    base = {"id": id, "object": "chat.completion.chunk", "created": 1, "model": model}
    if "usage" in compact:
        return {**base, "choices": [], "usage": compact["usage"]}
    choice = {
        "index": 0,
        "delta": compact.get("delta", {}),
        "finish_reason": compact.get("finish_reason"),
    }
    return {**base, "choices": [choice]}


def compact(chunk: Json) -> Json:
    """The compact form of a hub chunk (inverse of ``expand``)."""
    if not chunk["choices"]:
        return {"usage": chunk["usage"]}
    choice = chunk["choices"][0]
    out: Json = {}
    if choice["delta"]:
        out["delta"] = choice["delta"]
    if choice["finish_reason"] is not None:
        out["finish_reason"] = choice["finish_reason"]
    return out


def decode_wire(raw: bytes, ndjson: bool) -> list[Any]:
    """Wire bytes as the list of frames they carry."""
    if ndjson:
        return [json.loads(line) for line in raw.decode().splitlines() if line]
    decoder = SSEDecoder()
    frames = []
    for event in decoder.feed(raw) + decoder.flush():
        data = event.data if event.data == "[DONE]" else json.loads(event.data)
        frames.append({"event": event.event, "data": data})
    return frames


def run(path: Path) -> tuple[Any, Any]:
    """``(actual, expected)`` for one golden file."""
    case = load(path)
    module = module_of(path)
    kind, data, args = case["kind"], case["input"], case.get("args", {})
    if kind == "request_to_hub":
        actual = module.request_to_hub(data, **args)
    elif kind in ("request_from_hub", "response_to_hub", "response_from_hub"):
        actual = getattr(module, kind)(data, **args)
    elif kind == "stream_to_hub":
        stream = module.StreamToHub(**args)
        chunks = []
        for event in data:
            chunks += stream.feed(event["data"], event.get("event"))
        chunks += stream.finish()
        actual = {
            "id": chunks[0]["id"] if chunks else None,
            "chunks": [compact(chunk) for chunk in chunks],
            "usage": stream.usage,
        }
    elif kind == "stream_from_hub":
        encoder = module.StreamFromHub(**args)
        raw = b"".join(encoder.feed(expand(c)) for c in data) + encoder.finish()
        actual = decode_wire(raw, ndjson=path.parent.name == "ollama")
    else:
        raise ValueError(f"{path}: unknown kind {kind}")
    return actual, case["expected"]
