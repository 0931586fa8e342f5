from omniroute.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Dispatch(_message.Message):
    __slots__ = ("request_id", "plan", "client_format", "body", "stream", "deadline_unix_ms", "trace", "api_key_id", "reply_to", "session_id", "requested_model", "client_body", "operation", "payload", "payload_type", "payload_name", "client_body_forwardable", "prefix_key")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    TRACE_FIELD_NUMBER: _ClassVar[int]
    API_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_MODEL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_BODY_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_NAME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_BODY_FORWARDABLE_FIELD_NUMBER: _ClassVar[int]
    PREFIX_KEY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    plan: _containers.RepeatedCompositeFieldContainer[_common_pb2.Target]
    client_format: _common_pb2.ApiFormat
    body: bytes
    stream: bool
    deadline_unix_ms: int
    trace: _common_pb2.TraceContext
    api_key_id: str
    reply_to: str
    session_id: str
    requested_model: str
    client_body: bytes
    operation: str
    payload: bytes
    payload_type: str
    payload_name: str
    client_body_forwardable: bool
    prefix_key: str
    def __init__(self, request_id: _Optional[str] = ..., plan: _Optional[_Iterable[_Union[_common_pb2.Target, _Mapping]]] = ..., client_format: _Optional[_Union[_common_pb2.ApiFormat, str]] = ..., body: _Optional[bytes] = ..., stream: _Optional[bool] = ..., deadline_unix_ms: _Optional[int] = ..., trace: _Optional[_Union[_common_pb2.TraceContext, _Mapping]] = ..., api_key_id: _Optional[str] = ..., reply_to: _Optional[str] = ..., session_id: _Optional[str] = ..., requested_model: _Optional[str] = ..., client_body: _Optional[bytes] = ..., operation: _Optional[str] = ..., payload: _Optional[bytes] = ..., payload_type: _Optional[str] = ..., payload_name: _Optional[str] = ..., client_body_forwardable: _Optional[bool] = ..., prefix_key: _Optional[str] = ...) -> None: ...

class Reply(_message.Message):
    __slots__ = ("started", "chunks", "done", "failure")
    STARTED_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    started: Started
    chunks: Chunks
    done: Done
    failure: Failure
    def __init__(self, started: _Optional[_Union[Started, _Mapping]] = ..., chunks: _Optional[_Union[Chunks, _Mapping]] = ..., done: _Optional[_Union[Done, _Mapping]] = ..., failure: _Optional[_Union[Failure, _Mapping]] = ...) -> None: ...

class ReplyBatch(_message.Message):
    __slots__ = ("replies",)
    REPLIES_FIELD_NUMBER: _ClassVar[int]
    replies: _containers.RepeatedCompositeFieldContainer[Reply]
    def __init__(self, replies: _Optional[_Iterable[_Union[Reply, _Mapping]]] = ...) -> None: ...

class Started(_message.Message):
    __slots__ = ("provider_id", "account_id", "model", "fallbacks", "passthrough", "reason", "attempts", "interrupted_calls")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    FALLBACKS_FIELD_NUMBER: _ClassVar[int]
    PASSTHROUGH_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    INTERRUPTED_CALLS_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    account_id: str
    model: str
    fallbacks: int
    passthrough: bool
    reason: str
    attempts: int
    interrupted_calls: int
    def __init__(self, provider_id: _Optional[str] = ..., account_id: _Optional[str] = ..., model: _Optional[str] = ..., fallbacks: _Optional[int] = ..., passthrough: _Optional[bool] = ..., reason: _Optional[str] = ..., attempts: _Optional[int] = ..., interrupted_calls: _Optional[int] = ...) -> None: ...

class Chunks(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, items: _Optional[_Iterable[bytes]] = ...) -> None: ...

class Done(_message.Message):
    __slots__ = ("body", "usage", "finish_reason", "upstream_latency_ms", "ttft_ms", "units")
    BODY_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    FINISH_REASON_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    TTFT_MS_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    body: bytes
    usage: _common_pb2.Usage
    finish_reason: str
    upstream_latency_ms: float
    ttft_ms: int
    units: float
    def __init__(self, body: _Optional[bytes] = ..., usage: _Optional[_Union[_common_pb2.Usage, _Mapping]] = ..., finish_reason: _Optional[str] = ..., upstream_latency_ms: _Optional[float] = ..., ttft_ms: _Optional[int] = ..., units: _Optional[float] = ...) -> None: ...

class Failure(_message.Message):
    __slots__ = ("status", "message", "type", "code", "retry_after_seconds", "provider_id", "mid_stream")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    MID_STREAM_FIELD_NUMBER: _ClassVar[int]
    status: int
    message: str
    type: str
    code: str
    retry_after_seconds: int
    provider_id: str
    mid_stream: bool
    def __init__(self, status: _Optional[int] = ..., message: _Optional[str] = ..., type: _Optional[str] = ..., code: _Optional[str] = ..., retry_after_seconds: _Optional[int] = ..., provider_id: _Optional[str] = ..., mid_stream: _Optional[bool] = ...) -> None: ...
