"""Hub usage (OpenAI shaped) as the protobuf Usage the services exchange:
executors meter answers with it, the edge prices a stream's last usage."""

from __future__ import annotations

from typing import Any

from omniroute.common.v1 import common_pb2


def usage_from_hub(raw: Any) -> common_pb2.Usage:
    if not isinstance(raw, dict):
        return common_pb2.Usage()
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    prompt = int(raw.get("prompt_tokens") or 0)
    completion = int(raw.get("completion_tokens") or 0)
    return common_pb2.Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=int(raw.get("total_tokens") or prompt + completion),
        cached_tokens=int(prompt_details.get("cached_tokens") or 0),
        cache_creation_tokens=int(prompt_details.get("cache_creation_tokens") or 0),
        cache_creation_1h_tokens=int(
            prompt_details.get("cache_creation_1h_tokens") or 0
        ),
        reasoning_tokens=int(completion_details.get("reasoning_tokens") or 0),
    )
