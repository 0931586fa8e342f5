"""Which model a name means, and which client a shared models path serves."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from omniroute.common.v1 import common_pb2
from omniroute.router.v1 import router_pb2
from services.edge import model_catalog
from services.edge.key_path import served_scope
from services.edge.routes.gemini_api import is_gemini_client


def _table() -> router_pb2.RoutingTable:
    table = router_pb2.RoutingTable()
    table.models.add(id="demo/gpt-4o-mini", owned_by="demo", type="chat", created=7)
    table.models.add(id="demo/emb", owned_by="demo", type="embedding")
    target = common_pb2.Target(provider_id="demo", model="gpt-4o-mini")
    table.routes["gpt-4o-mini"].targets.append(target)
    unlisted = common_pb2.Target(provider_id="demo", model="gone")
    table.routes["gone"].targets.append(unlisted)
    return table


def test_listed_ids_and_names_that_route_to_them() -> None:
    table = _table()
    assert model_catalog.find(table, "demo/emb") == table.models[1]
    bare = model_catalog.find(table, "gpt-4o-mini")
    assert bare == router_pb2.ModelEntry(
        id="gpt-4o-mini", owned_by="demo", type="chat", created=7
    )


@pytest.mark.parametrize("name", ["", "demo/unlisted", "gone", "nobody/x"])
def test_anything_else_is_unknown(name: str) -> None:
    assert model_catalog.find(_table(), name) is None


def test_nothing_before_the_first_table() -> None:
    assert model_catalog.find(None, "demo/emb") is None
    assert list(model_catalog.listed(None)) == []


def _request(headers: dict[str, str], query: str = "") -> Request:
    """The request as the routes see it: after the outermost wrapper took
    any key out of its query (``?key=`` becomes ``x-goog-api-key``)."""
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "path": "/v1/models",
        "headers": raw,
        "query_string": query.encode(),
    }
    return Request(served_scope(scope))


@pytest.mark.parametrize(
    ("headers", "query", "gemini"),
    [
        ({"authorization": "Bearer sk"}, "", False),
        ({"x-api-key": "sk", "anthropic-version": "2023-06-01"}, "", False),
        ({}, "", False),
        ({"x-goog-api-key": "sk"}, "", True),
        ({}, "key=sk", True),
        ({"authorization": "Bearer t", "x-goog-api-client": "genai/1"}, "", True),
    ],
)
def test_gemini_clients_are_told_by_what_they_send(
    headers: dict[str, str], query: str, gemini: bool
) -> None:
    assert is_gemini_client(_request(headers, query)) is gemini
