from __future__ import annotations

from pydantic import Field

from omniroute.runtime.settings import ServiceSettings, env


class CacheSettings(ServiceSettings):
    host: str = Field("127.0.0.1", validation_alias=env("CACHE_HOST"))
    port: int = Field(20132, validation_alias=env("CACHE_PORT"))
    ops_port: int = Field(20133, validation_alias=env("CACHE_OPS_PORT"))
    ttl_seconds: int = Field(3600, ge=1, validation_alias=env("CACHE_TTL_SECONDS"))
    max_entries: int = Field(10_000, ge=1, validation_alias=env("CACHE_MAX_ENTRIES"))
