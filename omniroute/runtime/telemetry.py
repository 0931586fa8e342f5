"""OpenTelemetry tracing, initialised in one place per service.

Configured only by the standard ``OTEL_*`` variables: ``OTEL_SDK_DISABLED``,
``OTEL_SERVICE_NAME``, ``OTEL_EXPORTER_OTLP_ENDPOINT`` (and the rest of the
OTLP exporter's variables), ``OTEL_TRACES_SAMPLER``/``_ARG``. With no
exporter configured tracing stays off and costs nothing on the hot path.
``OMNIROUTE_TRACE_FILE`` writes finished spans as JSON lines instead, for
tests and for looking at one request without a collector.

The trace context crosses HTTP (W3C ``traceparent``), gRPC metadata, the
``Dispatch`` message and usage events (``TraceContext`` fields), so one
request is one trace from the edge to the provider and to admin's write.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

from omniroute.common.v1 import common_pb2

_enabled = False


def enabled() -> bool:
    """Is tracing on in this process? (Off: skip all propagation work.)"""
    return _enabled


def init_tracing(service: str) -> bool:
    """Sets up the tracer provider from the environment; True when tracing is on."""
    global _enabled
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    trace_file = os.environ.get("OMNIROUTE_TRACE_FILE")
    otlp = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    )
    if not trace_file and not otlp:
        return False
    name = os.environ.get("OTEL_SERVICE_NAME") or f"omniroute-{service}"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    if trace_file:
        provider.add_span_processor(SimpleSpanProcessor(FileSpanExporter(trace_file)))
    if otlp:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter,
        )

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _enabled = True
    return True


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def carrier() -> dict[str, str]:
    """The current trace context as propagation headers (traceparent, ...)."""
    headers: dict[str, str] = {}
    if _enabled:
        propagate.inject(headers)
    return headers


def grpc_metadata() -> list[tuple[str, str]]:
    return list(carrier().items())


def context_from(headers: Mapping[str, str] | Sequence[tuple[str, str]]) -> Any:
    """An OpenTelemetry context from propagation headers (or gRPC metadata)."""
    if not _enabled:
        return None
    items = headers.items() if isinstance(headers, Mapping) else headers
    return propagate.extract({str(k).lower(): str(v) for k, v in items})


def to_message() -> common_pb2.TraceContext:
    headers = carrier()
    return common_pb2.TraceContext(
        traceparent=headers.get("traceparent", ""),
        tracestate=headers.get("tracestate", ""),
    )


def from_message(message: common_pb2.TraceContext) -> Any:
    if not _enabled or not message.traceparent:
        return None
    headers = {"traceparent": message.traceparent}
    if message.tracestate:
        headers["tracestate"] = message.tracestate
    return propagate.extract(headers)


@contextmanager
def span(
    name: str,
    parent: Any = None,
    kind: trace.SpanKind = trace.SpanKind.INTERNAL,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[trace.Span | None]:
    """A span when tracing is on (child of ``parent`` when given), else nothing."""
    if not _enabled:
        yield None
        return
    token = otel_context.attach(parent) if parent is not None else None
    try:
        with trace.get_tracer("omniroute").start_as_current_span(
            name, kind=kind, attributes=dict(attributes or {})
        ) as current:
            yield current
    finally:
        if token is not None:
            otel_context.detach(token)


def record_span(
    name: str,
    message: common_pb2.TraceContext,
    start_ns: int,
    end_ns: int,
    attributes: Mapping[str, Any] | None = None,
) -> None:
    """A finished span, child of a trace carried in a message (batch work
    that served many traces at once, such as admin's database writes)."""
    parent = from_message(message)
    if parent is None:
        return
    span = trace.get_tracer("omniroute").start_span(
        name, context=parent, start_time=start_ns, attributes=dict(attributes or {})
    )
    span.end(end_time=end_ns)


def annotate(attributes: Mapping[str, Any]) -> None:
    """Adds attributes to the current span (the framework's request span)."""
    if _enabled:
        trace.get_current_span().set_attributes(dict(attributes))


class FileSpanExporter(SpanExporter):
    """Appends finished spans to a file, one JSON object per line."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = []
        for item in spans:
            context = item.get_span_context()
            if context is None:
                continue
            parent = item.parent
            lines.append(
                orjson.dumps(
                    {
                        "trace_id": f"{context.trace_id:032x}",
                        "span_id": f"{context.span_id:016x}",
                        "parent_id": f"{parent.span_id:016x}" if parent else None,
                        "name": item.name,
                        "service": item.resource.attributes.get("service.name"),
                        "kind": item.kind.name,
                        "start_ns": item.start_time,
                        "end_ns": item.end_time,
                        "attributes": dict(item.attributes or {}),
                    },
                    default=str,
                )
            )
        with self._lock, open(self._path, "ab") as out:
            out.write(b"\n".join(lines) + b"\n")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None
