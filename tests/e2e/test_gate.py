"""Every client route the edge registers refuses a caller the IP filter keeps
out: the table is read from the app's own routers, so a route added later
is in it without anyone remembering to add it here."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from omniroute.stack import Stack
from services.edge.app import ROUTERS
from services.edge.gate import Door, door_of
from tests.conftest import start_stack
from tests.helpers import poll_until

pytestmark = pytest.mark.e2e

_PARAM = re.compile(r"\{[^}]+\}")
# Routes the filter used to miss: each must be in the table.
ONCE_UNGUARDED = {
    ("POST", "/v1/messages/count_tokens"),
    ("GET", "/v1/models"),
    ("GET", "/api/tags"),
    ("GET", "/v1beta/models"),
    ("GET", "/v1/embeddings"),
    ("GET", "/v1/images/generations"),
}


# The original OmniRoute's aliases (client_paths.py) and keys in the URL: no
# routes of their own, served as the routes above once the outermost wrapper
# rewrote them, so the gate must refuse them too.
ALIASES = [
    ("POST", "/chat/completions"),
    ("POST", "/responses"),
    ("GET", "/models"),
    ("GET", "/v1"),
    ("GET", "/v1/v1/models"),
    ("POST", "/api/v1/chat/completions"),
    ("GET", "/api/v1/models"),
    ("GET", "/api/v1beta/models"),
    ("POST", "/codex"),
    ("POST", "/codex/responses"),
    ("POST", "/anthropic/v1/messages"),
    ("POST", "/openai/v1/chat/completions"),
    ("POST", "/anthropic/unknown"),
    ("POST", "/chat/completions?token=the-key"),
    ("GET", "/v1/quotas/check?api_key=the-key"),
    ("POST", "/key/the-key/v1/completions"),
]


def client_routes() -> list[tuple[str, str]]:
    """(method, path) of every route behind a client door, params filled."""
    found = set()
    for module in ROUTERS:
        for route in module.router.routes:
            path = _PARAM.sub("x", getattr(route, "path", ""))
            if door_of(path) not in (Door.CLIENT, Door.KEYLESS):
                continue
            for method in getattr(route, "methods", None) or ():
                found.add((method, path))
    return sorted(found)


def test_the_table_holds_every_kind_of_client_route() -> None:
    routes = client_routes()
    assert set(routes) >= ONCE_UNGUARDED
    assert {
        ("POST", "/v1/completions"),
        ("POST", "/v1/images/edits"),
        ("GET", "/v1/quotas/check"),
    } <= set(routes)
    assert len(routes) > 40, routes
    assert ("POST", "/api/generate") in routes and ("GET", "/") in routes


@pytest.fixture(scope="module")
def filtered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose IP filter blocks loopback, where every test client is."""
    stack = start_stack(tmp_path_factory.mktemp("gate"))
    try:
        with httpx.Client(
            base_url=stack.admin_url,  # straight to admin: the edge will refuse us
            headers={"Authorization": f"Bearer {stack.admin_key}"},
        ) as admin:
            saved = admin.put(
                "/api/settings/ip-filter",
                json={
                    "enabled": True,
                    "mode": "blacklist",
                    "blacklist": ["127.0.0.1/32", "::1/128"],
                    "whitelist": [],
                },
            )
            assert saved.status_code == 200, saved.text
        yield stack
    finally:
        stack.stop()


def _chat(stack: Stack) -> httpx.Response:
    return httpx.post(
        stack.edge_url + "/v1/chat/completions",
        headers={"Authorization": f"Bearer {stack.api_key}"},
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]},
        timeout=10,
    )


@pytest.mark.parametrize(("method", "path"), client_routes() + ALIASES)
def test_every_client_route_refuses_a_blocked_address(
    filtered: Stack, method: str, path: str
) -> None:
    poll_until(lambda: _chat(filtered).status_code == 403, timeout=10)
    response = httpx.request(
        method,
        filtered.edge_url + path.replace("the-key", filtered.api_key),
        headers={"Authorization": f"Bearer {filtered.api_key}"},
        json={} if method in ("POST", "PUT", "PATCH") else None,
        timeout=10,
    )
    assert response.status_code == 403, (method, path, response.text)
    if method != "HEAD":
        assert "blocked" in response.text


def test_the_edges_health_stays_open_to_probes(filtered: Stack) -> None:
    poll_until(lambda: _chat(filtered).status_code == 403, timeout=10)
    assert httpx.get(filtered.edge_url + "/healthz", timeout=10).status_code == 200
