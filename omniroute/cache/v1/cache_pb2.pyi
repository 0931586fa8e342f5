from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClaimState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLAIM_STATE_UNSPECIFIED: _ClassVar[ClaimState]
    CLAIM_STATE_NEW: _ClassVar[ClaimState]
    CLAIM_STATE_IN_FLIGHT: _ClassVar[ClaimState]
    CLAIM_STATE_DONE: _ClassVar[ClaimState]
CLAIM_STATE_UNSPECIFIED: ClaimState
CLAIM_STATE_NEW: ClaimState
CLAIM_STATE_IN_FLIGHT: ClaimState
CLAIM_STATE_DONE: ClaimState

class LookupRequest(_message.Message):
    __slots__ = ("scope", "model", "request", "semantic", "threshold")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    scope: str
    model: str
    request: bytes
    semantic: bool
    threshold: float
    def __init__(self, scope: _Optional[str] = ..., model: _Optional[str] = ..., request: _Optional[bytes] = ..., semantic: _Optional[bool] = ..., threshold: _Optional[float] = ...) -> None: ...

class LookupResponse(_message.Message):
    __slots__ = ("hit", "response", "match", "similarity")
    HIT_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    hit: bool
    response: bytes
    match: str
    similarity: float
    def __init__(self, hit: _Optional[bool] = ..., response: _Optional[bytes] = ..., match: _Optional[str] = ..., similarity: _Optional[float] = ...) -> None: ...

class StoreRequest(_message.Message):
    __slots__ = ("scope", "model", "request", "response", "ttl_seconds", "semantic")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_FIELD_NUMBER: _ClassVar[int]
    scope: str
    model: str
    request: bytes
    response: bytes
    ttl_seconds: int
    semantic: bool
    def __init__(self, scope: _Optional[str] = ..., model: _Optional[str] = ..., request: _Optional[bytes] = ..., response: _Optional[bytes] = ..., ttl_seconds: _Optional[int] = ..., semantic: _Optional[bool] = ...) -> None: ...

class StoreResponse(_message.Message):
    __slots__ = ("stored",)
    STORED_FIELD_NUMBER: _ClassVar[int]
    stored: bool
    def __init__(self, stored: _Optional[bool] = ...) -> None: ...

class StatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StatsResponse(_message.Message):
    __slots__ = ("entries", "max_entries", "hits", "misses", "stores", "ttl_seconds", "semantic_memory_entries", "semantic_memory_max_entries", "semantic_entries", "semantic_hits", "idempotency_active_keys", "idempotency_window_ms")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    MAX_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    MISSES_FIELD_NUMBER: _ClassVar[int]
    STORES_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_MEMORY_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_MEMORY_MAX_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_HITS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_ACTIVE_KEYS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_WINDOW_MS_FIELD_NUMBER: _ClassVar[int]
    entries: int
    max_entries: int
    hits: int
    misses: int
    stores: int
    ttl_seconds: int
    semantic_memory_entries: int
    semantic_memory_max_entries: int
    semantic_entries: int
    semantic_hits: int
    idempotency_active_keys: int
    idempotency_window_ms: int
    def __init__(self, entries: _Optional[int] = ..., max_entries: _Optional[int] = ..., hits: _Optional[int] = ..., misses: _Optional[int] = ..., stores: _Optional[int] = ..., ttl_seconds: _Optional[int] = ..., semantic_memory_entries: _Optional[int] = ..., semantic_memory_max_entries: _Optional[int] = ..., semantic_entries: _Optional[int] = ..., semantic_hits: _Optional[int] = ..., idempotency_active_keys: _Optional[int] = ..., idempotency_window_ms: _Optional[int] = ...) -> None: ...

class ClearRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ClearResponse(_message.Message):
    __slots__ = ("cleared",)
    CLEARED_FIELD_NUMBER: _ClassVar[int]
    cleared: int
    def __init__(self, cleared: _Optional[int] = ...) -> None: ...

class RecordedAnswer(_message.Message):
    __slots__ = ("status", "body", "headers")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    status: int
    body: bytes
    headers: _containers.ScalarMap[str, str]
    def __init__(self, status: _Optional[int] = ..., body: _Optional[bytes] = ..., headers: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ClaimRequest(_message.Message):
    __slots__ = ("scope", "key")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    scope: str
    key: str
    def __init__(self, scope: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class ClaimResponse(_message.Message):
    __slots__ = ("state", "answer")
    STATE_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    state: ClaimState
    answer: RecordedAnswer
    def __init__(self, state: _Optional[_Union[ClaimState, str]] = ..., answer: _Optional[_Union[RecordedAnswer, _Mapping]] = ...) -> None: ...

class CompleteRequest(_message.Message):
    __slots__ = ("scope", "key", "answer")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    scope: str
    key: str
    answer: RecordedAnswer
    def __init__(self, scope: _Optional[str] = ..., key: _Optional[str] = ..., answer: _Optional[_Union[RecordedAnswer, _Mapping]] = ...) -> None: ...

class CompleteResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AwaitRequest(_message.Message):
    __slots__ = ("scope", "key", "timeout_ms")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    scope: str
    key: str
    timeout_ms: int
    def __init__(self, scope: _Optional[str] = ..., key: _Optional[str] = ..., timeout_ms: _Optional[int] = ...) -> None: ...

class AwaitResponse(_message.Message):
    __slots__ = ("done", "answer")
    DONE_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    done: bool
    answer: RecordedAnswer
    def __init__(self, done: _Optional[bool] = ..., answer: _Optional[_Union[RecordedAnswer, _Mapping]] = ...) -> None: ...

class ClaimHeld(_message.Message):
    __slots__ = ("scope", "key")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    scope: str
    key: str
    def __init__(self, scope: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class ClaimKept(_message.Message):
    __slots__ = ("held",)
    HELD_FIELD_NUMBER: _ClassVar[int]
    held: bool
    def __init__(self, held: _Optional[bool] = ...) -> None: ...
