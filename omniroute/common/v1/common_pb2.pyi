from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApiFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    API_FORMAT_UNSPECIFIED: _ClassVar[ApiFormat]
    API_FORMAT_OPENAI_CHAT: _ClassVar[ApiFormat]
    API_FORMAT_ANTHROPIC_MESSAGES: _ClassVar[ApiFormat]
    API_FORMAT_OPENAI_RESPONSES: _ClassVar[ApiFormat]
    API_FORMAT_GEMINI: _ClassVar[ApiFormat]
    API_FORMAT_OLLAMA: _ClassVar[ApiFormat]
API_FORMAT_UNSPECIFIED: ApiFormat
API_FORMAT_OPENAI_CHAT: ApiFormat
API_FORMAT_ANTHROPIC_MESSAGES: ApiFormat
API_FORMAT_OPENAI_RESPONSES: ApiFormat
API_FORMAT_GEMINI: ApiFormat
API_FORMAT_OLLAMA: ApiFormat

class Usage(_message.Message):
    __slots__ = ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "reasoning_tokens", "cache_creation_tokens", "cache_creation_1h_tokens")
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CACHED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    REASONING_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CACHE_CREATION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CACHE_CREATION_1H_TOKENS_FIELD_NUMBER: _ClassVar[int]
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    cache_creation_tokens: int
    cache_creation_1h_tokens: int
    def __init__(self, prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., total_tokens: _Optional[int] = ..., cached_tokens: _Optional[int] = ..., reasoning_tokens: _Optional[int] = ..., cache_creation_tokens: _Optional[int] = ..., cache_creation_1h_tokens: _Optional[int] = ...) -> None: ...

class TraceContext(_message.Message):
    __slots__ = ("traceparent", "tracestate")
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    TRACESTATE_FIELD_NUMBER: _ClassVar[int]
    traceparent: str
    tracestate: str
    def __init__(self, traceparent: _Optional[str] = ..., tracestate: _Optional[str] = ...) -> None: ...

class Target(_message.Message):
    __slots__ = ("provider_id", "model", "format", "account_id")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    model: str
    format: ApiFormat
    account_id: str
    def __init__(self, provider_id: _Optional[str] = ..., model: _Optional[str] = ..., format: _Optional[_Union[ApiFormat, str]] = ..., account_id: _Optional[str] = ...) -> None: ...
