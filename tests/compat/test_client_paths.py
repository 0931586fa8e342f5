"""The original OmniRoute's extra client paths and endpoints, side by side.

Both gateways end at our simulator (the original through an
OpenAI-compatible provider node) and both have a combo ``paths``. Each case
goes to both with that side's key and model; both must answer the same
status, and where a client reads a field, both must hold what it reads.
Where the installed original (3.7.9) answers otherwise, the case says why:

* ``/v1/completions`` answers in chat's shape there (``choices[].message``);
  legacy clients read ``choices[].text``, which is what ours answers;
* ``/codex`` itself answers in chat's shape there, though ``/codex/*`` is
  rewritten to the Responses endpoint (ours: Responses on both);
* ``/anthropic/v1/*`` is a 404 in 3.7.9; the v3.8 source serves it (it
  rewrites ``/anthropic/*`` into its API), and so does ours.

Keys in the query string are not compared: 3.7.9 refuses them (401); the
v3.8 source reads them, as ours does (``tests/e2e/test_original_paths.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from omniroute.stack import Stack
from tests.compat.original import Original, new_key, serve_simulator
from tests.helpers import admin_client, poll_until

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Side:
    name: str
    url: str
    key: str
    model: str


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    status: int = 200
    # Dotted path -> value, on both sides unless the side's own is given.
    reads: dict[str, Any] = field(default_factory=dict)
    ours_reads: dict[str, Any] | None = None
    original_reads: dict[str, Any] | None = None
    original_status: int | None = None
    keyless: bool = False
    form: dict[str, Any] | None = None


def _chat(model: str = "{model}") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "hi"}]}


ECHO = {"choices.0.message.content": "Echo: hi"}
LIST = {"object": "list"}
CASES = (
    Case("no /v1", "POST", "/chat/completions", _chat(), reads=ECHO),
    Case("/v1 twice", "POST", "/v1/v1/chat/completions", _chat(), reads=ECHO),
    Case("/api/v1", "POST", "/api/v1/chat/completions", _chat(), reads=ECHO),
    Case("models without /v1", "GET", "/models", reads=LIST),
    Case("models at /v1", "GET", "/v1", reads=LIST),
    Case("models at /api/v1", "GET", "/api/v1", reads=LIST),
    Case(
        "responses without /v1",
        "POST",
        "/responses",
        {"model": "{model}", "input": "hi"},
        reads={"object": "response"},
    ),
    Case(
        "codex base URL",
        "POST",
        "/codex/responses",
        {"model": "{model}", "input": "hi"},
        reads={"object": "response"},
    ),
    Case(
        "codex base URL itself",
        "POST",
        "/codex",
        {"model": "{model}", "input": "hi"},
        ours_reads={"object": "response"},
        original_reads={"object": "chat.completion"},
    ),
    Case(
        "legacy completion",
        "POST",
        "/v1/completions",
        {"model": "{model}", "prompt": "hi"},
        ours_reads={"object": "text_completion", "choices.0.text": "Echo: hi"},
        original_reads=ECHO,
    ),
    Case(
        "legacy completion of two prompts: one, joined",
        "POST",
        "/v1/completions",
        {"model": "{model}", "prompt": ["a", "b"]},
        ours_reads={"choices.0.text": "Echo: a\nb"},
        original_reads={"choices.0.message.content": "Echo: a\nb"},
    ),
    Case(
        "legacy completion without a prompt",
        "POST",
        "/v1/completions",
        {"model": "{model}"},
        status=400,
        reads={"error.type": "invalid_request_error"},
    ),
    Case(
        "combo/<name>", "POST", "/v1/chat/completions", _chat("combo/paths"), reads=ECHO
    ),
    Case(
        "quota check",
        "GET",
        "/v1/quotas/check?provider=sim&accountId=acc-1",
        reads={"allowed": True, "provider": "sim", "accountId": "acc-1"},
    ),
    Case(
        "quota check without a key", "GET", "/v1/quotas/check", status=401, keyless=True
    ),
    Case(
        "image edit without a prompt",
        "POST",
        "/v1/images/edits",
        form={"model": "{image_model}"},
        status=400,
        reads={"error.type": "invalid_request_error"},
    ),
    Case(
        "an Anthropic base URL",
        "POST",
        "/anthropic/v1/messages",
        {**_chat(), "max_tokens": 16},
        ours_reads={"content.0.text": "Echo: hi"},
        original_status=404,
    ),
    Case("an unknown Anthropic path", "POST", "/anthropic/nothing", {}, status=404),
)


def _at(body: Any, path: str) -> Any:
    for part in path.split("."):
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


def _fill(value: Any, side: Side) -> Any:
    if isinstance(value, str):
        provider = side.model.split("/", 1)[0]
        return value.replace("{model}", side.model).replace(
            "{image_model}", f"{provider}/gpt-image-1"
        )
    if isinstance(value, dict):
        return {k: _fill(v, side) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, side) for v in value]
    return value


@pytest.fixture(scope="module")
def sides(original: Original, stack: Stack) -> Iterator[tuple[Side, Side]]:
    serve_simulator(original, stack.simulator_url)
    combo = original.admin.post(
        "/api/combos", json={"name": "paths", "models": ["sim/gpt-4o-mini"]}
    )
    assert combo.status_code == 201, combo.text
    key = new_key(original, "compat-paths")
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        ours = admin.post(
            "/api/combos",
            json={
                "name": "paths",
                "strategy": "priority",
                "members": [{"model": "demo/gpt-4o-mini", "weight": 1}],
            },
        )
        assert ours.status_code == 201, ours.text
    poll_until(
        lambda: (
            httpx.post(
                stack.edge_url + "/v1/chat/completions",
                json=_chat("combo/paths"),
                headers={"Authorization": f"Bearer {stack.api_key}"},
                timeout=30,
            ).status_code
            == 200
        ),
        timeout=10,
    )
    yield (
        Side("original", original.url, key, "sim/gpt-4o-mini"),
        Side("ours", stack.edge_url, stack.api_key, "demo/gpt-4o-mini"),
    )


def _send(side: Side, case: Case) -> httpx.Response:
    # JSON answers asked for: the original streams non-streaming requests
    # sent with httpx's default Accept: */* (test_client_api.py).
    headers = {"Accept": "application/json"}
    if not case.keyless:
        headers["Authorization"] = f"Bearer {side.key}"
    files = None
    if case.form is not None:
        files = {"image": ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, "image/png")}
    return httpx.request(
        case.method,
        side.url + case.path,
        json=_fill(case.body, side) if case.body is not None else None,
        data=_fill(case.form, side),
        files=files,
        headers=headers,
        timeout=60,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_path_of_the_original_is_answered_as_it_answers_it(
    case: Case, sides: tuple[Side, Side]
) -> None:
    theirs, ours = (_send(side, case) for side in sides)
    assert theirs.status_code == (case.original_status or case.status), theirs.text[
        :300
    ]
    assert ours.status_code == case.status, ours.text[:500]
    for response, reads in (
        (theirs, case.reads if case.original_reads is None else case.original_reads),
        (ours, case.reads if case.ours_reads is None else case.ours_reads),
    ):
        for path, value in reads.items():
            assert _at(response.json(), path) == value, (path, response.text[:300])
    if case.path.startswith("/v1/quotas/check") and case.status == 200:
        assert {"allowed", "provider", "accountId", "checkedAt"} <= set(theirs.json())
        assert {"allowed", "provider", "accountId", "checkedAt"} <= set(ours.json())
