"""The URL as the edge serves it: the original OmniRoute's path aliases, and
keys taken out of the path and the query before anything sees them."""

from __future__ import annotations

from typing import Any

import pytest

from services.edge.client_paths import served_path
from services.edge.gate import Door, door_of
from services.edge.key_path import served_scope, split_query_keys


@pytest.mark.parametrize(
    ("path", "served"),
    [
        ("/chat/completions", "/v1/chat/completions"),
        ("/responses", "/v1/responses"),
        ("/responses/resp_1", "/v1/responses/resp_1"),
        ("/models", "/v1/models"),
        ("/v1", "/v1/models"),
        ("/v1/v1", "/v1/models"),
        ("/v1/v1/chat/completions", "/v1/chat/completions"),
        ("/v1/v1/v1/models", "/v1/v1/models"),  # collapsed once, as the original
        ("/api/v1", "/v1/models"),
        ("/api/v1/chat/completions", "/v1/chat/completions"),
        ("/api/v1/api/chat", "/v1/api/chat"),
        ("/api/v1beta/models", "/v1beta/models"),
        ("/codex", "/v1/responses"),
        ("/codex/responses", "/v1/responses"),
        ("/codex/any/thing", "/v1/responses"),
        ("/anthropic/v1/messages", "/v1/messages"),
        ("/openai/v1/chat/completions", "/v1/chat/completions"),
        # Not aliases: served (or refused) as they are.
        ("/anthropic/keys", "/anthropic/keys"),
        ("/openai/models", "/openai/models"),
        ("/api/keys", "/api/keys"),
        ("/api/v1beta", "/api/v1beta"),
        ("/models/x", "/models/x"),
        ("/codexx", "/codexx"),
        ("/v1/chat/completions", "/v1/chat/completions"),
    ],
)
def test_aliases_are_the_originals_rewrites(path: str, served: str) -> None:
    assert served_path(path) == served


@pytest.mark.parametrize(
    "path",
    ["/api/v1/chat/completions", "/api/v1/models", "/api/v1", "/anthropic/keys"],
)
def test_an_alias_under_api_is_a_client_door_never_management(path: str) -> None:
    assert door_of(served_path(path)) is Door.CLIENT


def test_query_keys_are_taken_out_and_the_rest_kept_byte_for_byte() -> None:
    query, keys = split_query_keys(b"alt=sse&key=sk%2Bone&x=%20y&token=t&key=two")
    assert query == b"alt=sse&x=%20y"
    assert keys == {"key": "sk+one", "token": "t"}


def _scope(path: str, query: bytes = b"", **headers: str) -> dict[str, Any]:
    return {
        "type": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": [
            (k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()
        ],
    }


def _headers(scope: dict[str, Any]) -> dict[bytes, bytes]:
    return dict(scope["headers"])


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        (b"token=sk-1", {}, {b"authorization": b"Bearer sk-1"}),
        (b"apiKey=sk-1", {}, {b"authorization": b"Bearer sk-1"}),
        (b"api_key=sk-1", {}, {b"authorization": b"Bearer sk-1"}),
        (b"key=sk-1", {}, {b"x-goog-api-key": b"sk-1"}),
        # A key header wins over the query, as in the original.
        (
            b"token=sk-q",
            {"authorization": "Bearer sk-h"},
            {b"authorization": b"Bearer sk-h"},
        ),
        (b"token=sk-q", {"x_api_key": "sk-h"}, {b"x-api-key": b"sk-h"}),
    ],
)
def test_a_query_key_becomes_the_header_it_stands_for(
    query: bytes, headers: dict[str, str], expected: dict[bytes, bytes]
) -> None:
    served = served_scope(_scope("/v1/models", query, **headers))
    assert served["query_string"] == b""
    assert _headers(served) == expected


def test_keys_in_the_url_never_reach_the_served_scope() -> None:
    scope = _scope("/key/sk-path/chat/completions", b"api_key=sk-query&stream=1")
    served = served_scope(scope)
    assert served["path"] == "/v1/chat/completions"
    assert served["query_string"] == b"stream=1"
    assert b"sk-path" not in served["raw_path"]
    assert _headers(served) == {b"authorization": b"Bearer sk-path"}


def test_management_queries_are_left_to_admin() -> None:
    scope = _scope("/api/usage", b"token=abc")
    assert served_scope(scope) is scope


def test_a_key_that_is_not_ascii_is_refused_later_not_here() -> None:
    served = served_scope(_scope("/key/\u00e9\U0001f600/v1/models"))
    assert _headers(served)[b"authorization"].startswith(b"Bearer ")
