from __future__ import annotations

from pydantic import Field

from omniroute.runtime.settings import ServiceSettings, env


class EdgeSettings(ServiceSettings):
    host: str = Field("127.0.0.1", validation_alias=env("EDGE_HOST", "HOST"))
    port: int = Field(20128, validation_alias=env("EDGE_PORT", "PORT"))
    router_address: str = Field("127.0.0.1:20130", validation_alias=env("ROUTER_ADDR"))
    cache_address: str = Field("127.0.0.1:20132", validation_alias=env("CACHE_ADDR"))
    admin_url: str = Field("http://127.0.0.1:20129", validation_alias=env("ADMIN_URL"))
    # Load balancers in front of the edge whose X-Forwarded-For is believed
    # (comma-separated addresses or CIDR ranges); empty: the peer is the client.
    trusted_proxies: str = Field("", validation_alias=env("TRUSTED_PROXIES"))
    # An anonymous gateway is an explicit opt-in.
    require_api_key: bool = Field(True, validation_alias=env("REQUIRE_API_KEY"))
    # Large enough for a few base64 images; a 413 beyond it.
    max_body_bytes: int = Field(
        32 * 1024 * 1024, ge=1024, validation_alias=env("MAX_BODY_BYTES")
    )
    # Speech files above this size get a 413 (OpenAI's own limit).
    max_audio_bytes: int = Field(
        25 * 1024 * 1024, ge=1024, validation_alias=env("MAX_AUDIO_BYTES")
    )
    # A request's headers must be complete this long after its first byte,
    # and its body may pause this long between reads (slowloris).
    header_timeout_s: float = Field(
        10.0, gt=0, validation_alias=env("HEADER_TIMEOUT_S")
    )
    body_timeout_s: float = Field(30.0, gt=0, validation_alias=env("BODY_TIMEOUT_S"))
    # How long a request may take end to end (the executor gets the same deadline).
    request_timeout_s: float = Field(
        600.0, gt=0, validation_alias=env("REQUEST_TIMEOUT_S")
    )
    # How long an answered Responses turn stays continuable with
    # previous_response_id after its last use.
    responses_store_ttl_s: int = Field(
        86_400, ge=60, validation_alias=env("RESPONSES_STORE_TTL_S")
    )
    # A cache lookup that takes longer than this counts as a miss.
    cache_lookup_timeout_ms: int = Field(
        50, ge=1, validation_alias=env("CACHE_LOOKUP_TIMEOUT_MS")
    )
