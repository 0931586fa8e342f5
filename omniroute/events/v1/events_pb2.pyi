from omniroute.common.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UsageEvent(_message.Message):
    __slots__ = ("request_id", "timestamp_unix_ms", "api_key_id", "endpoint", "client_format", "requested_model", "provider_id", "account_id", "model", "status", "usage", "latency_ms", "upstream_latency_ms", "ttft_ms", "stream", "cache", "fallbacks", "error_message", "trace", "cost_usd", "session_id", "kind", "units", "cache_saved_usd", "attempts", "interrupted_calls")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    API_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    TTFT_MS_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    FALLBACKS_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TRACE_FIELD_NUMBER: _ClassVar[int]
    COST_USD_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    CACHE_SAVED_USD_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    INTERRUPTED_CALLS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    timestamp_unix_ms: int
    api_key_id: str
    endpoint: str
    client_format: _common_pb2.ApiFormat
    requested_model: str
    provider_id: str
    account_id: str
    model: str
    status: int
    usage: _common_pb2.Usage
    latency_ms: float
    upstream_latency_ms: float
    ttft_ms: float
    stream: bool
    cache: str
    fallbacks: int
    error_message: str
    trace: _common_pb2.TraceContext
    cost_usd: float
    session_id: str
    kind: str
    units: float
    cache_saved_usd: float
    attempts: int
    interrupted_calls: int
    def __init__(self, request_id: _Optional[str] = ..., timestamp_unix_ms: _Optional[int] = ..., api_key_id: _Optional[str] = ..., endpoint: _Optional[str] = ..., client_format: _Optional[_Union[_common_pb2.ApiFormat, str]] = ..., requested_model: _Optional[str] = ..., provider_id: _Optional[str] = ..., account_id: _Optional[str] = ..., model: _Optional[str] = ..., status: _Optional[int] = ..., usage: _Optional[_Union[_common_pb2.Usage, _Mapping]] = ..., latency_ms: _Optional[float] = ..., upstream_latency_ms: _Optional[float] = ..., ttft_ms: _Optional[float] = ..., stream: _Optional[bool] = ..., cache: _Optional[str] = ..., fallbacks: _Optional[int] = ..., error_message: _Optional[str] = ..., trace: _Optional[_Union[_common_pb2.TraceContext, _Mapping]] = ..., cost_usd: _Optional[float] = ..., session_id: _Optional[str] = ..., kind: _Optional[str] = ..., units: _Optional[float] = ..., cache_saved_usd: _Optional[float] = ..., attempts: _Optional[int] = ..., interrupted_calls: _Optional[int] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ("id", "timestamp_unix_ms", "actor", "action", "target", "details")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    id: str
    timestamp_unix_ms: int
    actor: str
    action: str
    target: str
    details: bytes
    def __init__(self, id: _Optional[str] = ..., timestamp_unix_ms: _Optional[int] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., target: _Optional[str] = ..., details: _Optional[bytes] = ...) -> None: ...

class ConfigChanged(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...
