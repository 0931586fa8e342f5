from omniroute.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RouteKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROUTE_KIND_UNSPECIFIED: _ClassVar[RouteKind]
    ROUTE_KIND_MODEL: _ClassVar[RouteKind]
    ROUTE_KIND_ALIAS: _ClassVar[RouteKind]
    ROUTE_KIND_COMBO: _ClassVar[RouteKind]
ROUTE_KIND_UNSPECIFIED: RouteKind
ROUTE_KIND_MODEL: RouteKind
ROUTE_KIND_ALIAS: RouteKind
ROUTE_KIND_COMBO: RouteKind

class WatchRoutingTableRequest(_message.Message):
    __slots__ = ("edge_id",)
    EDGE_ID_FIELD_NUMBER: _ClassVar[int]
    edge_id: str
    def __init__(self, edge_id: _Optional[str] = ...) -> None: ...

class WatchRoutingTableResponse(_message.Message):
    __slots__ = ("table",)
    TABLE_FIELD_NUMBER: _ClassVar[int]
    table: RoutingTable
    def __init__(self, table: _Optional[_Union[RoutingTable, _Mapping]] = ...) -> None: ...

class ResolveRequest(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: str
    def __init__(self, model: _Optional[str] = ...) -> None: ...

class ResolveResponse(_message.Message):
    __slots__ = ("route",)
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    route: Route
    def __init__(self, route: _Optional[_Union[Route, _Mapping]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelEntry]
    def __init__(self, models: _Optional[_Iterable[_Union[ModelEntry, _Mapping]]] = ...) -> None: ...

class RoutingTable(_message.Message):
    __slots__ = ("version", "config_version", "built_unix_ms", "routes", "ambiguous", "prefixes", "models", "open_providers", "global_fallback")
    class RoutesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Route
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Route, _Mapping]] = ...) -> None: ...
    class AmbiguousEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Candidates
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Candidates, _Mapping]] = ...) -> None: ...
    class PrefixesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ProviderRoute
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ProviderRoute, _Mapping]] = ...) -> None: ...
    class OpenProvidersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CONFIG_VERSION_FIELD_NUMBER: _ClassVar[int]
    BUILT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    AMBIGUOUS_FIELD_NUMBER: _ClassVar[int]
    PREFIXES_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    OPEN_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_FALLBACK_FIELD_NUMBER: _ClassVar[int]
    version: int
    config_version: int
    built_unix_ms: int
    routes: _containers.MessageMap[str, Route]
    ambiguous: _containers.MessageMap[str, Candidates]
    prefixes: _containers.MessageMap[str, ProviderRoute]
    models: _containers.RepeatedCompositeFieldContainer[ModelEntry]
    open_providers: _containers.ScalarMap[str, int]
    global_fallback: Route
    def __init__(self, version: _Optional[int] = ..., config_version: _Optional[int] = ..., built_unix_ms: _Optional[int] = ..., routes: _Optional[_Mapping[str, Route]] = ..., ambiguous: _Optional[_Mapping[str, Candidates]] = ..., prefixes: _Optional[_Mapping[str, ProviderRoute]] = ..., models: _Optional[_Iterable[_Union[ModelEntry, _Mapping]]] = ..., open_providers: _Optional[_Mapping[str, int]] = ..., global_fallback: _Optional[_Union[Route, _Mapping]] = ...) -> None: ...

class Route(_message.Message):
    __slots__ = ("name", "kind", "targets", "strategy", "members")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: RouteKind
    targets: _containers.RepeatedCompositeFieldContainer[_common_pb2.Target]
    strategy: str
    members: _containers.RepeatedCompositeFieldContainer[RouteMember]
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[RouteKind, str]] = ..., targets: _Optional[_Iterable[_Union[_common_pb2.Target, _Mapping]]] = ..., strategy: _Optional[str] = ..., members: _Optional[_Iterable[_Union[RouteMember, _Mapping]]] = ...) -> None: ...

class RouteMember(_message.Message):
    __slots__ = ("target", "combo", "weight", "price")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    COMBO_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    target: _common_pb2.Target
    combo: str
    weight: int
    price: float
    def __init__(self, target: _Optional[_Union[_common_pb2.Target, _Mapping]] = ..., combo: _Optional[str] = ..., weight: _Optional[int] = ..., price: _Optional[float] = ...) -> None: ...

class Candidates(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, models: _Optional[_Iterable[str]] = ...) -> None: ...

class ProviderRoute(_message.Message):
    __slots__ = ("provider_id", "format")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    format: _common_pb2.ApiFormat
    def __init__(self, provider_id: _Optional[str] = ..., format: _Optional[_Union[_common_pb2.ApiFormat, str]] = ...) -> None: ...

class ModelEntry(_message.Message):
    __slots__ = ("id", "owned_by", "type", "created")
    ID_FIELD_NUMBER: _ClassVar[int]
    OWNED_BY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    id: str
    owned_by: str
    type: str
    created: int
    def __init__(self, id: _Optional[str] = ..., owned_by: _Optional[str] = ..., type: _Optional[str] = ..., created: _Optional[int] = ...) -> None: ...
