"""When the edge consults the response cache, from the gateway settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers

from omniroute.common.v1 import config_pb2

NO_CACHE_HEADER = "x-omniroute-no-cache"


@dataclass(frozen=True, slots=True)
class CachePolicy:
    exact: bool = True
    semantic: bool = False
    threshold: float = 0.88
    ttl_seconds: int = 3600
    # Cache sampled (temperature != 0) requests too.
    sampled: bool = False

    @classmethod
    def from_settings(cls, settings: config_pb2.GatewaySettings) -> CachePolicy:
        default = cls()
        if not settings.HasField("cache"):
            return default
        cache = settings.cache
        return cls(
            exact=cache.exact_enabled,
            semantic=cache.semantic_enabled,
            threshold=cache.similarity_threshold or default.threshold,
            ttl_seconds=cache.ttl_seconds or default.ttl_seconds,
            sampled=cache.cache_sampled,
        )

    def applies(self, headers: Headers, hub: dict[str, Any]) -> bool:
        """Is this request worth a lookup (and its answer worth storing)?"""
        if not (self.exact or self.semantic):
            return False
        if headers.get(NO_CACHE_HEADER, "").lower() == "true":
            return False
        if self.sampled:
            return True
        # Only deterministic requests by default: a sampled answer is one of many.
        temperature = hub.get("temperature")
        return isinstance(temperature, int | float) and temperature == 0
