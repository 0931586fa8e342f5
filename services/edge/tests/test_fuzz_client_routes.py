"""A property-based fuzzer of every client route: whatever a client sends,
the edge answers below 500, in the client's own error shape.

Bodies are drawn near the real thing (the fields each API knows, holding any
JSON value) as well as arbitrary JSON and raw bytes, so both the validators
and what lies past them (translation, dispatch, the executor) are reached.
In-process edge and executor over a real Redis, the simulator upstream.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniroute.common.v1 import config_pb2
from services.edge.tests.conftest import Edge

pytestmark = pytest.mark.fuzz

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
MESSAGE = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from(["user", "assistant", "system", "tool", "model"])
        | JSON,
        "content": st.text(max_size=40)
        | st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "type": st.sampled_from(
                        ["text", "image_url", "image", "tool_use", "tool_result"]
                    )
                    | JSON,
                    "text": st.text(max_size=20) | JSON,
                    "image_url": JSON,
                    "source": JSON,
                },
            ),
            max_size=3,
        )
        | JSON,
        "tool_calls": JSON,
        "parts": JSON,
    },
)


def _body(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A valid body; the same with one field replaced by any JSON value; or
    any JSON at all: most draws get past validation, the rest probe it."""
    valid = st.fixed_dictionaries(required, optional=optional)
    # Fields no valid body holds are reached by mutation only.
    names = sorted({*required, *optional, "tool_choice", "response_format"})
    mutated = st.tuples(valid, st.sampled_from(names), JSON).map(
        lambda drawn: {**drawn[0], drawn[1]: drawn[2]}
    )
    return st.one_of(valid, valid, valid, mutated, mutated, JSON)


TEXT = st.text(max_size=40)
GOOD_MESSAGE = st.fixed_dictionaries(
    {"role": st.just("user"), "content": TEXT.filter(str.strip)}
)
MESSAGES = st.lists(GOOD_MESSAGE, min_size=1, max_size=3) | st.lists(
    MESSAGE, max_size=3
)
CHAT_OPTIONAL = {
    "stream": st.booleans(),
    "stream_options": st.fixed_dictionaries({"include_usage": st.booleans()}),
    "max_tokens": st.integers(min_value=1, max_value=4096),
    "temperature": st.floats(min_value=0, max_value=2),
    "n": st.just(1),
    "stop": st.lists(TEXT.filter(str.strip), max_size=2),
    "tools": st.lists(
        st.fixed_dictionaries(
            {
                "type": st.just("function"),
                "function": st.fixed_dictionaries(
                    {"name": st.from_regex(r"[a-z_]{1,12}", fullmatch=True)}
                ),
            }
        ),
        max_size=2,
    ),
}
CHAT = ({"model": st.just("gpt-4o-mini"), "messages": MESSAGES}, CHAT_OPTIONAL)
CLAUDE = (
    {
        "model": st.just("claude-x"),
        "messages": MESSAGES,
        "max_tokens": st.integers(min_value=1, max_value=64),
    },
    {
        **{k: v for k, v in CHAT_OPTIONAL.items() if k != "max_tokens"},
        "system": JSON,
        "thinking": JSON,
    },
)
ROUTES: dict[str, tuple[str, tuple[dict[str, Any], dict[str, Any]]]] = {
    "moderations": (
        "/v1/moderations",
        ({"model": st.just("omni-moderation-latest"), "input": TEXT | JSON}, {}),
    ),
    "rerank": (
        "/v1/rerank",
        (
            {
                "model": st.just("rerank-v3.5"),
                "query": TEXT,
                "documents": st.lists(TEXT, min_size=1, max_size=4),
            },
            {"top_n": JSON, "return_documents": JSON},
        ),
    ),
    "speech": (
        "/v1/audio/speech",
        (
            {"model": st.just("tts-1"), "input": TEXT, "voice": st.just("alloy")},
            {
                "response_format": st.sampled_from(["mp3", "wav", "pcm"]) | JSON,
                "speed": st.floats(min_value=0.25, max_value=4.0) | JSON,
            },
        ),
    ),
    "openai": ("/v1/chat/completions", CHAT),
    "anthropic": ("/v1/messages", CLAUDE),
    "anthropic_count": ("/v1/messages/count_tokens", CLAUDE),
    "responses": (
        "/v1/responses",
        (
            {"model": st.just("gpt-4o-mini"), "input": TEXT | MESSAGES},
            {
                "instructions": JSON,
                "previous_response_id": TEXT,
                "stream": st.booleans(),
                "tools": JSON,
            },
        ),
    ),
    "completions": (
        "/v1/completions",
        (
            {"model": st.just("gpt-4o-mini"), "prompt": TEXT},
            {"stream": st.booleans(), "max_tokens": JSON, "echo": JSON},
        ),
    ),
    "embeddings": (
        "/v1/embeddings",
        ({"model": st.just("gpt-4o-mini"), "input": TEXT}, {"dimensions": JSON}),
    ),
    "ollama_chat": (
        "/api/chat",
        (
            {"model": st.just("gpt-4o-mini"), "messages": MESSAGES},
            {"stream": st.booleans(), "options": JSON, "format": JSON},
        ),
    ),
    "ollama_generate": (
        "/api/generate",
        (
            {"model": st.just("gpt-4o-mini"), "prompt": TEXT},
            {"stream": st.booleans(), "system": JSON, "images": JSON},
        ),
    ),
    "gemini": (
        "/v1beta/models/gpt-4o-mini:generateContent",
        (
            {
                "contents": st.lists(
                    st.fixed_dictionaries(
                        {
                            "role": st.just("user"),
                            "parts": st.lists(
                                st.fixed_dictionaries({"text": TEXT}), min_size=1
                            ),
                        }
                    ),
                    min_size=1,
                    max_size=2,
                )
            },
            {"systemInstruction": JSON, "generationConfig": JSON, "tools": JSON},
        ),
    ),
}


def _in_the_clients_shape(route: str, response: httpx.Response) -> bool:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(body, dict):
        return False
    error = body.get("error")
    if route.startswith("anthropic"):
        return body.get("type") == "error" and isinstance(error, dict)
    if route.startswith("ollama"):
        return isinstance(error, str) and bool(error)
    if route == "gemini":
        return isinstance(error, dict) and {"code", "message", "status"} <= set(error)
    return isinstance(error, dict) and isinstance(error.get("message"), str)


@pytest.fixture
def configure() -> Callable[[config_pb2.ConfigSnapshot], None]:
    """The primary provider serves speech, rerank and moderation models too."""

    def typed_models(snapshot: config_pb2.ConfigSnapshot) -> None:
        primary = next(p for p in snapshot.providers if p.id == "primary")
        primary.speech_models.append("tts-1")
        primary.rerank_models.append("rerank-v3.5")
        primary.moderation_models.append("omni-moderation-latest")

    return typed_models


FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("route", sorted(ROUTES))
async def test_no_body_makes_a_client_route_fail(edge: Edge, route: str) -> None:
    path, (required, optional) = ROUTES[route]
    # Hypothesis draws the bodies; they are sent afterwards, on the test's
    # event loop (a failure names its body instead of being shrunk).
    bodies: list[bytes] = []

    @FUZZ
    @given(body=_body(required, optional) | st.binary(max_size=40))
    def draw(body: Any) -> None:
        bodies.append(body if isinstance(body, bytes) else orjson.dumps(body))

    draw()
    failures: list[tuple[bytes, int, str]] = []
    seen = []
    for content in bodies:
        response = await edge.http.post(
            path, content=content, headers={"Content-Type": "application/json"}
        )
        seen.append(response.status_code)
        if response.status_code >= 500 or (
            response.status_code >= 400 and not _in_the_clients_shape(route, response)
        ):
            failures.append((content[:300], response.status_code, response.text[:300]))
    assert failures == [], failures[:3]
    # The draws reached past validation too, not only its refusals.
    assert seen.count(200) >= 3, Counter(seen)
