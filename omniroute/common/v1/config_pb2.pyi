from omniroute.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConfigSnapshot(_message.Message):
    __slots__ = ("version", "created_unix_ms", "providers", "api_keys", "aliases", "combos", "routing", "resilience", "prices", "settings", "budgets")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    COMBOS_FIELD_NUMBER: _ClassVar[int]
    ROUTING_FIELD_NUMBER: _ClassVar[int]
    RESILIENCE_FIELD_NUMBER: _ClassVar[int]
    PRICES_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    BUDGETS_FIELD_NUMBER: _ClassVar[int]
    version: int
    created_unix_ms: int
    providers: _containers.RepeatedCompositeFieldContainer[Provider]
    api_keys: _containers.RepeatedCompositeFieldContainer[ApiKey]
    aliases: _containers.RepeatedCompositeFieldContainer[ModelAlias]
    combos: _containers.RepeatedCompositeFieldContainer[Combo]
    routing: RoutingSettings
    resilience: ResilienceSettings
    prices: _containers.RepeatedCompositeFieldContainer[ModelPrice]
    settings: GatewaySettings
    budgets: _containers.RepeatedCompositeFieldContainer[Budget]
    def __init__(self, version: _Optional[int] = ..., created_unix_ms: _Optional[int] = ..., providers: _Optional[_Iterable[_Union[Provider, _Mapping]]] = ..., api_keys: _Optional[_Iterable[_Union[ApiKey, _Mapping]]] = ..., aliases: _Optional[_Iterable[_Union[ModelAlias, _Mapping]]] = ..., combos: _Optional[_Iterable[_Union[Combo, _Mapping]]] = ..., routing: _Optional[_Union[RoutingSettings, _Mapping]] = ..., resilience: _Optional[_Union[ResilienceSettings, _Mapping]] = ..., prices: _Optional[_Iterable[_Union[ModelPrice, _Mapping]]] = ..., settings: _Optional[_Union[GatewaySettings, _Mapping]] = ..., budgets: _Optional[_Iterable[_Union[Budget, _Mapping]]] = ...) -> None: ...

class GatewaySettings(_message.Message):
    __slots__ = ("ip_filter", "system_prompt", "thinking_budget", "cache", "upstream_proxy")
    IP_FILTER_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_PROMPT_FIELD_NUMBER: _ClassVar[int]
    THINKING_BUDGET_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_PROXY_FIELD_NUMBER: _ClassVar[int]
    ip_filter: IpFilter
    system_prompt: SystemPrompt
    thinking_budget: ThinkingBudget
    cache: CacheSettings
    upstream_proxy: str
    def __init__(self, ip_filter: _Optional[_Union[IpFilter, _Mapping]] = ..., system_prompt: _Optional[_Union[SystemPrompt, _Mapping]] = ..., thinking_budget: _Optional[_Union[ThinkingBudget, _Mapping]] = ..., cache: _Optional[_Union[CacheSettings, _Mapping]] = ..., upstream_proxy: _Optional[str] = ...) -> None: ...

class IpFilter(_message.Message):
    __slots__ = ("enabled", "mode", "blacklist", "whitelist")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    BLACKLIST_FIELD_NUMBER: _ClassVar[int]
    WHITELIST_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    mode: str
    blacklist: _containers.RepeatedScalarFieldContainer[str]
    whitelist: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, enabled: _Optional[bool] = ..., mode: _Optional[str] = ..., blacklist: _Optional[_Iterable[str]] = ..., whitelist: _Optional[_Iterable[str]] = ...) -> None: ...

class SystemPrompt(_message.Message):
    __slots__ = ("enabled", "prefix", "suffix")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    SUFFIX_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    prefix: str
    suffix: str
    def __init__(self, enabled: _Optional[bool] = ..., prefix: _Optional[str] = ..., suffix: _Optional[str] = ...) -> None: ...

class ThinkingBudget(_message.Message):
    __slots__ = ("mode", "custom_budget")
    MODE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_BUDGET_FIELD_NUMBER: _ClassVar[int]
    mode: str
    custom_budget: int
    def __init__(self, mode: _Optional[str] = ..., custom_budget: _Optional[int] = ...) -> None: ...

class CacheSettings(_message.Message):
    __slots__ = ("exact_enabled", "semantic_enabled", "similarity_threshold", "ttl_seconds", "cache_sampled")
    EXACT_ENABLED_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_ENABLED_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CACHE_SAMPLED_FIELD_NUMBER: _ClassVar[int]
    exact_enabled: bool
    semantic_enabled: bool
    similarity_threshold: float
    ttl_seconds: int
    cache_sampled: bool
    def __init__(self, exact_enabled: _Optional[bool] = ..., semantic_enabled: _Optional[bool] = ..., similarity_threshold: _Optional[float] = ..., ttl_seconds: _Optional[int] = ..., cache_sampled: _Optional[bool] = ...) -> None: ...

class Budget(_message.Message):
    __slots__ = ("key_id", "limit_usd", "period", "warning_threshold")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_USD_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    WARNING_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    limit_usd: float
    period: str
    warning_threshold: float
    def __init__(self, key_id: _Optional[str] = ..., limit_usd: _Optional[float] = ..., period: _Optional[str] = ..., warning_threshold: _Optional[float] = ...) -> None: ...

class ModelPrice(_message.Message):
    __slots__ = ("provider", "model", "input", "output", "cached_input", "cache_write", "cache_write_1h")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    CACHED_INPUT_FIELD_NUMBER: _ClassVar[int]
    CACHE_WRITE_FIELD_NUMBER: _ClassVar[int]
    CACHE_WRITE_1H_FIELD_NUMBER: _ClassVar[int]
    provider: str
    model: str
    input: float
    output: float
    cached_input: float
    cache_write: float
    cache_write_1h: float
    def __init__(self, provider: _Optional[str] = ..., model: _Optional[str] = ..., input: _Optional[float] = ..., output: _Optional[float] = ..., cached_input: _Optional[float] = ..., cache_write: _Optional[float] = ..., cache_write_1h: _Optional[float] = ...) -> None: ...

class Provider(_message.Message):
    __slots__ = ("id", "kind", "format", "base_url", "aliases", "accounts", "models", "enabled", "display_name", "headers", "embedding_models", "image_models", "transcription_models", "speech_models", "rerank_models", "moderation_models")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_MODELS_FIELD_NUMBER: _ClassVar[int]
    IMAGE_MODELS_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPTION_MODELS_FIELD_NUMBER: _ClassVar[int]
    SPEECH_MODELS_FIELD_NUMBER: _ClassVar[int]
    RERANK_MODELS_FIELD_NUMBER: _ClassVar[int]
    MODERATION_MODELS_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    format: _common_pb2.ApiFormat
    base_url: str
    aliases: _containers.RepeatedScalarFieldContainer[str]
    accounts: _containers.RepeatedCompositeFieldContainer[Account]
    models: _containers.RepeatedScalarFieldContainer[str]
    enabled: bool
    display_name: str
    headers: _containers.ScalarMap[str, str]
    embedding_models: _containers.RepeatedScalarFieldContainer[str]
    image_models: _containers.RepeatedScalarFieldContainer[str]
    transcription_models: _containers.RepeatedScalarFieldContainer[str]
    speech_models: _containers.RepeatedScalarFieldContainer[str]
    rerank_models: _containers.RepeatedScalarFieldContainer[str]
    moderation_models: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., format: _Optional[_Union[_common_pb2.ApiFormat, str]] = ..., base_url: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., accounts: _Optional[_Iterable[_Union[Account, _Mapping]]] = ..., models: _Optional[_Iterable[str]] = ..., enabled: _Optional[bool] = ..., display_name: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ..., embedding_models: _Optional[_Iterable[str]] = ..., image_models: _Optional[_Iterable[str]] = ..., transcription_models: _Optional[_Iterable[str]] = ..., speech_models: _Optional[_Iterable[str]] = ..., rerank_models: _Optional[_Iterable[str]] = ..., moderation_models: _Optional[_Iterable[str]] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("id", "name", "sealed_credential", "priority", "enabled")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SEALED_CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    sealed_credential: bytes
    priority: int
    enabled: bool
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., sealed_credential: _Optional[bytes] = ..., priority: _Optional[int] = ..., enabled: _Optional[bool] = ...) -> None: ...

class ApiKey(_message.Message):
    __slots__ = ("id", "name", "key_hmac", "scopes", "allowed_models", "rpm_limit", "tpm_limit", "revoked")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KEY_HMAC_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_MODELS_FIELD_NUMBER: _ClassVar[int]
    RPM_LIMIT_FIELD_NUMBER: _ClassVar[int]
    TPM_LIMIT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    key_hmac: bytes
    scopes: _containers.RepeatedScalarFieldContainer[str]
    allowed_models: _containers.RepeatedScalarFieldContainer[str]
    rpm_limit: int
    tpm_limit: int
    revoked: bool
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., key_hmac: _Optional[bytes] = ..., scopes: _Optional[_Iterable[str]] = ..., allowed_models: _Optional[_Iterable[str]] = ..., rpm_limit: _Optional[int] = ..., tpm_limit: _Optional[int] = ..., revoked: _Optional[bool] = ...) -> None: ...

class ModelAlias(_message.Message):
    __slots__ = ("alias", "target")
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    alias: str
    target: str
    def __init__(self, alias: _Optional[str] = ..., target: _Optional[str] = ...) -> None: ...

class Combo(_message.Message):
    __slots__ = ("name", "strategy", "members", "description", "enabled")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    name: str
    strategy: str
    members: _containers.RepeatedCompositeFieldContainer[ComboMember]
    description: str
    enabled: bool
    def __init__(self, name: _Optional[str] = ..., strategy: _Optional[str] = ..., members: _Optional[_Iterable[_Union[ComboMember, _Mapping]]] = ..., description: _Optional[str] = ..., enabled: _Optional[bool] = ...) -> None: ...

class ComboMember(_message.Message):
    __slots__ = ("model", "weight")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    model: str
    weight: int
    def __init__(self, model: _Optional[str] = ..., weight: _Optional[int] = ...) -> None: ...

class RoutingSettings(_message.Message):
    __slots__ = ("account_strategy", "provider_account_strategies", "session_ttl_seconds", "global_fallback_model", "max_combo_depth", "prompt_cache", "provider_prompt_cache", "combo_prompt_cache")
    class ProviderAccountStrategiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ProviderPromptCacheEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ComboPromptCacheEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACCOUNT_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ACCOUNT_STRATEGIES_FIELD_NUMBER: _ClassVar[int]
    SESSION_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_FALLBACK_MODEL_FIELD_NUMBER: _ClassVar[int]
    MAX_COMBO_DEPTH_FIELD_NUMBER: _ClassVar[int]
    PROMPT_CACHE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_PROMPT_CACHE_FIELD_NUMBER: _ClassVar[int]
    COMBO_PROMPT_CACHE_FIELD_NUMBER: _ClassVar[int]
    account_strategy: str
    provider_account_strategies: _containers.ScalarMap[str, str]
    session_ttl_seconds: int
    global_fallback_model: str
    max_combo_depth: int
    prompt_cache: str
    provider_prompt_cache: _containers.ScalarMap[str, str]
    combo_prompt_cache: _containers.ScalarMap[str, str]
    def __init__(self, account_strategy: _Optional[str] = ..., provider_account_strategies: _Optional[_Mapping[str, str]] = ..., session_ttl_seconds: _Optional[int] = ..., global_fallback_model: _Optional[str] = ..., max_combo_depth: _Optional[int] = ..., prompt_cache: _Optional[str] = ..., provider_prompt_cache: _Optional[_Mapping[str, str]] = ..., combo_prompt_cache: _Optional[_Mapping[str, str]] = ...) -> None: ...

class BreakerProfile(_message.Message):
    __slots__ = ("failure_threshold", "window_seconds", "reset_timeout_seconds")
    FAILURE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RESET_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    failure_threshold: int
    window_seconds: float
    reset_timeout_seconds: float
    def __init__(self, failure_threshold: _Optional[int] = ..., window_seconds: _Optional[float] = ..., reset_timeout_seconds: _Optional[float] = ...) -> None: ...

class ResilienceSettings(_message.Message):
    __slots__ = ("provider_breaker", "account_breaker", "cooldown_base_seconds", "cooldown_max_seconds", "quota_cooldown_seconds", "first_token_timeout_seconds", "target_timeout_seconds", "max_dispatch_backlog", "first_byte_timeouts", "stall_timeout_seconds")
    class FirstByteTimeoutsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    PROVIDER_BREAKER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_BREAKER_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_BASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_MAX_SECONDS_FIELD_NUMBER: _ClassVar[int]
    QUOTA_COOLDOWN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    FIRST_TOKEN_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TARGET_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_DISPATCH_BACKLOG_FIELD_NUMBER: _ClassVar[int]
    FIRST_BYTE_TIMEOUTS_FIELD_NUMBER: _ClassVar[int]
    STALL_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    provider_breaker: BreakerProfile
    account_breaker: BreakerProfile
    cooldown_base_seconds: float
    cooldown_max_seconds: float
    quota_cooldown_seconds: float
    first_token_timeout_seconds: float
    target_timeout_seconds: float
    max_dispatch_backlog: int
    first_byte_timeouts: _containers.ScalarMap[str, float]
    stall_timeout_seconds: float
    def __init__(self, provider_breaker: _Optional[_Union[BreakerProfile, _Mapping]] = ..., account_breaker: _Optional[_Union[BreakerProfile, _Mapping]] = ..., cooldown_base_seconds: _Optional[float] = ..., cooldown_max_seconds: _Optional[float] = ..., quota_cooldown_seconds: _Optional[float] = ..., first_token_timeout_seconds: _Optional[float] = ..., target_timeout_seconds: _Optional[float] = ..., max_dispatch_backlog: _Optional[int] = ..., first_byte_timeouts: _Optional[_Mapping[str, float]] = ..., stall_timeout_seconds: _Optional[float] = ...) -> None: ...
