from omniroute.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConfigSnapshot(_message.Message):
    __slots__ = ("version", "created_unix_ms", "providers", "api_keys", "aliases")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    version: int
    created_unix_ms: int
    providers: _containers.RepeatedCompositeFieldContainer[Provider]
    api_keys: _containers.RepeatedCompositeFieldContainer[ApiKey]
    aliases: _containers.RepeatedCompositeFieldContainer[ModelAlias]
    def __init__(self, version: _Optional[int] = ..., created_unix_ms: _Optional[int] = ..., providers: _Optional[_Iterable[_Union[Provider, _Mapping]]] = ..., api_keys: _Optional[_Iterable[_Union[ApiKey, _Mapping]]] = ..., aliases: _Optional[_Iterable[_Union[ModelAlias, _Mapping]]] = ...) -> None: ...

class Provider(_message.Message):
    __slots__ = ("id", "kind", "format", "base_url", "aliases", "accounts", "models", "enabled", "display_name", "headers")
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
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., format: _Optional[_Union[_common_pb2.ApiFormat, str]] = ..., base_url: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., accounts: _Optional[_Iterable[_Union[Account, _Mapping]]] = ..., models: _Optional[_Iterable[str]] = ..., enabled: _Optional[bool] = ..., display_name: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ...) -> None: ...

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
