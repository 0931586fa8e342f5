"""Issue 8 acceptance: one trace across every service, metrics that add up."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import orjson
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import Simulator, admin_client, poll_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def traced_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    spans = tmp_path_factory.mktemp("spans") / "spans.jsonl"
    stack = start_stack(
        tmp_path_factory.mktemp("observability"),
        env={"OMNIROUTE_TRACE_FILE": str(spans), "OTEL_TRACES_SAMPLER": "always_on"},
    )
    stack.spans_file = spans  # type: ignore[attr-defined]
    try:
        yield stack
    finally:
        stack.stop()


def _spans(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line]


def test_one_request_is_one_trace_across_every_service(traced_stack: Stack) -> None:
    with openai.OpenAI(
        base_url=traced_stack.edge_url + "/v1", api_key=traced_stack.api_key
    ) as client:
        response = client.chat.completions.with_raw_response.create(
            model="demo/gpt-4o-mini",
            temperature=0,  # cacheable: the cache is consulted too
            messages=[{"role": "user", "content": "trace me"}],
        )
    request_id = response.headers["x-request-id"]
    path: Path = traced_stack.spans_file  # type: ignore[attr-defined]

    def whole_trace() -> list[dict[str, object]] | None:
        spans = _spans(path)
        root = next(
            (
                s
                for s in spans
                if s["attributes"].get("omniroute.request_id") == request_id  # type: ignore[union-attr]
                and s["service"] == "omniroute-edge"
            ),
            None,
        )
        if root is None:
            return None
        trace = [s for s in spans if s["trace_id"] == root["trace_id"]]
        services = {s["service"] for s in trace}
        # The router is not on a request's path: the edge resolves from the
        # table the router streams to it, traced or not.
        wanted = {f"omniroute-{n}" for n in ("edge", "cache", "executor", "admin")}
        return trace if wanted <= services else None

    trace = poll_until(whole_trace, timeout=10)
    by_id = {s["span_id"]: s for s in trace}
    edge_ids = {s["span_id"] for s in trace if s["service"] == "omniroute-edge"}

    def parent_service(span: dict[str, object]) -> object:
        parent = by_id.get(span["parent_id"])
        return parent["service"] if parent else None

    for service, name in (
        ("omniroute-cache", "Lookup"),
        ("omniroute-executor", "executor.dispatch"),
        ("omniroute-admin", "admin.record_usage"),
    ):
        span = next(s for s in trace if s["service"] == service and s["name"] == name)
        assert span["parent_id"] in edge_ids, (service, name)
    upstream = next(s for s in trace if str(s["name"]).startswith("upstream demo"))
    assert by_id[upstream["parent_id"]]["name"] == "executor.dispatch"
    assert parent_service(upstream) == "omniroute-executor"


def _metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_count_what_was_sent(traced_stack: Stack) -> None:
    stack = traced_stack
    edge_before = httpx.get(stack.edge_url + "/metrics").text
    executor_port = stack.executor_ops_ports["executor-1"]
    labels = {
        "endpoint": "/v1/chat/completions",
        "provider": "demo",
        "status_class": "2xx",
    }
    sent, prompt_tokens, completion_tokens = 7, 0, 0
    with openai.OpenAI(
        base_url=stack.edge_url + "/v1", api_key=stack.api_key
    ) as client:
        for i in range(sent):
            answer = client.chat.completions.create(
                model="demo/gpt-4o-mini",
                messages=[{"role": "user", "content": f"count {i} please"}],
            )
            assert answer.usage is not None
            prompt_tokens += answer.usage.prompt_tokens
            completion_tokens += answer.usage.completion_tokens
    edge = httpx.get(stack.edge_url + "/metrics").text

    def delta(name: str, **extra: str) -> float:
        return _metric(edge, name, **extra) - _metric(edge_before, name, **extra)

    assert delta("omniroute_edge_requests_total", **labels) == sent
    assert (
        delta("omniroute_edge_tokens_total", direction="input", provider="demo")
        == prompt_tokens
    )
    assert (
        delta("omniroute_edge_tokens_total", direction="output", provider="demo")
        == completion_tokens
    )
    assert (
        delta("omniroute_edge_request_latency_seconds_count", provider="demo") == sent
    )
    assert delta("omniroute_edge_gateway_overhead_seconds_count") == sent
    assert delta("omniroute_edge_spend_usd_total", provider="demo") > 0
    assert re.search(r"^omniroute_edge_dispatch_backlog \d", edge, re.M)
    executor = httpx.get(f"http://127.0.0.1:{executor_port}/metrics").text
    assert (
        _metric(executor, "omniroute_executor_upstream_requests_total", provider="demo")
        >= sent
    )
    cache = httpx.get(f"http://127.0.0.1:{stack.config.cache_ops_port}/metrics").text
    assert _metric(cache, "omniroute_cache_lookups_total", kind="exact") >= 1
    router = httpx.get(f"http://127.0.0.1:{stack.config.router_ops_port}/metrics").text
    assert "omniroute_router_breaker_state" in router
    admin = httpx.get(stack.admin_url + "/metrics").text
    assert "omniroute_admin_usage_events_lag" in admin


def test_logs_are_json_with_trace_ids_and_never_hold_keys_or_prompts(
    traced_stack: Stack,
) -> None:
    sim = Simulator(traced_stack.simulator_url)
    secret_prompt = "my secret prompt 7f3a9c"
    # A rate-limited first try makes the executor log, inside the request's trace.
    sim.fault(model="gpt-4o-mini", status=429, retry_after=1, times=1)
    try:
        answer = httpx.post(
            traced_stack.edge_url + "/v1/chat/completions",
            json={
                "model": "demo/gpt-4o-mini",
                "messages": [{"role": "user", "content": secret_prompt}],
            },
            headers={"Authorization": f"Bearer {traced_stack.api_key}"},
            timeout=30,
        )
    finally:
        sim.clear()
        sim.http.close()
        with admin_client(traced_stack.edge_url, traced_stack.admin_key) as admin:
            admin.post("/api/resilience/reset", json={})
    request_id = answer.headers["x-request-id"]
    path: Path = traced_stack.spans_file  # type: ignore[attr-defined]

    def request_trace() -> str | None:
        return next(
            (
                str(s["trace_id"])
                for s in _spans(path)
                if s["attributes"].get("omniroute.request_id") == request_id  # type: ignore[union-attr]
            ),
            None,
        )

    trace_id = poll_until(request_trace, timeout=10)

    def cooled_in_trace() -> list[dict[str, object]]:
        lines = traced_stack.log("executor-1").splitlines()
        return [
            entry
            for entry in map(orjson.loads, lines)
            if entry["message"] == "account cooling down"
            and entry.get("trace_id") == trace_id
        ]

    logged = poll_until(cooled_in_trace, timeout=10)
    assert len(str(logged[0]["span_id"])) == 16
    for service in ("edge", "router", "cache", "executor-1", "admin"):
        text = traced_stack.log(service)
        assert text, service
        for line in text.splitlines():
            entry = orjson.loads(line)  # every line is one JSON object
            assert {"ts", "level", "service", "message"} <= entry.keys(), line
        assert traced_stack.api_key not in text, service
        assert secret_prompt not in text, service


def test_a_management_call_through_the_edge_is_one_trace(traced_stack: Stack) -> None:
    with admin_client(traced_stack.edge_url, traced_stack.admin_key) as admin:
        assert admin.get("/api/keys", params={"traced": "yes"}).status_code == 200
    path: Path = traced_stack.spans_file  # type: ignore[attr-defined]

    def admin_span_under_the_edge() -> bool:
        spans = _spans(path)
        by_id = {s["span_id"]: s for s in spans}
        for span in spans:
            parent = by_id.get(span["parent_id"])
            if (
                span["service"] == "omniroute-admin"
                and "/api/keys" in str(span["name"])
                and parent is not None
                and parent["service"] == "omniroute-edge"
            ):
                return True
        return False

    poll_until(admin_span_under_the_edge, timeout=10)
