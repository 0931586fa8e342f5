"""The client paths, key placements, endpoints and model strings the original
OmniRoute serves, served here the same way, through the running stack:
base URLs without ``/v1`` or with it twice, ``/api/v1``, ``/codex``, an
Anthropic or OpenAI base URL with the provider's name in it, keys in the
query string, legacy text completions, image edits, the quota check, and
``combo/<name>`` and ``claude/<provider>/<model>`` model strings."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from omniroute.stack import Stack
from tests.helpers import Simulator, admin_client, poll_until

pytestmark = pytest.mark.e2e

CHAT = {"model": "demo/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
RESPONSES = {"model": "demo/gpt-4o-mini", "input": "hi"}
MESSAGES = {
    "model": "demo/gpt-4o-mini",
    "max_tokens": 16,
    "messages": [{"role": "user", "content": "hi"}],
}
# 1x1 PNG: what a client uploads to be edited.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def http(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=30,
    ) as client:
        yield client


@pytest.fixture(scope="module")
def client(stack: Stack) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=stack.edge_url + "/v1", api_key=stack.api_key) as sdk:
        yield sdk


def _chat_text(body: dict[str, Any]) -> str:
    return str(body["choices"][0]["message"]["content"])


def _responses_text(body: dict[str, Any]) -> str:
    return str(body["output"][-1]["content"][0]["text"])


def _messages_text(body: dict[str, Any]) -> str:
    return str(body["content"][0]["text"])


@pytest.mark.parametrize(
    ("path", "body", "text_of"),
    [
        ("/chat/completions", CHAT, _chat_text),
        ("/v1/v1/chat/completions", CHAT, _chat_text),
        ("/api/v1/chat/completions", CHAT, _chat_text),
        ("/openai/v1/chat/completions", CHAT, _chat_text),
        ("/responses", RESPONSES, _responses_text),
        ("/api/v1/responses", RESPONSES, _responses_text),
        ("/codex", RESPONSES, _responses_text),
        ("/codex/responses", RESPONSES, _responses_text),
        ("/anthropic/v1/messages", MESSAGES, _messages_text),
        ("/api/v1/messages", MESSAGES, _messages_text),
    ],
)
def test_the_originals_alias_paths_are_served(
    http: httpx.Client, path: str, body: dict[str, Any], text_of: Any
) -> None:
    response = http.post(path, json=body)
    assert response.status_code == 200, response.text
    assert text_of(response.json()) == "Echo: hi"


@pytest.mark.parametrize(
    "path", ["/models", "/v1", "/v1/v1", "/api/v1", "/api/v1/models"]
)
def test_the_model_list_answers_on_every_path_the_original_lists_it(
    http: httpx.Client, path: str
) -> None:
    listed = http.get(path)
    assert listed.status_code == 200, listed.text
    assert listed.json() == http.get("/v1/models").json()
    assert "demo/gpt-4o-mini" in {m["id"] for m in listed.json()["data"]}


def test_an_api_v1_path_is_the_client_api_and_never_admins(stack: Stack) -> None:
    """Under /api/ lives the management API too: /api/v1/* must not reach it,
    so a client key works there and an admin login does nothing."""
    anonymous = httpx.get(stack.edge_url + "/api/v1/models", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "missing_api_key"
    gemini = httpx.get(
        stack.edge_url + "/api/v1beta/models",
        headers={"x-goog-api-key": stack.api_key},
        timeout=10,
    )
    assert gemini.status_code == 200 and gemini.json()["models"]


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/anthropic/keys", "anthropic"),
        ("/anthropic/v2/messages", "anthropic"),
        ("/openai/keys", "openai"),
        ("/openai/chat/completions", "openai"),
        ("/nowhere", "openai"),
    ],
)
def test_unknown_provider_base_paths_are_a_404_in_the_clients_shape(
    http: httpx.Client, path: str, shape: str
) -> None:
    """Never a management route (the original rewrites these into /api/*)."""
    response = http.post(path, json={})
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    if shape == "anthropic":
        assert body["type"] == "error"
        assert body["error"]["type"] == "not_found_error"
    else:
        assert body["error"]["code"] == "not_found"
    assert path in response.text


@pytest.mark.parametrize("param", ["key", "token", "apiKey", "api_key"])
def test_a_key_in_the_query_authenticates_and_is_never_logged(
    stack: Stack, sim: Simulator, param: str
) -> None:
    with httpx.Client(base_url=stack.edge_url, timeout=30) as anonymous:
        chat = anonymous.post(
            "/chat/completions", params={param: stack.api_key}, json=CHAT
        )
        wrong = anonymous.post(
            "/v1/chat/completions", params={param: "sk-query-wrong"}, json=CHAT
        )
    assert chat.status_code == 200, chat.text
    assert _chat_text(chat.json()) == "Echo: hi"
    assert wrong.status_code == 401
    edge_log = stack.log("edge")
    assert stack.api_key not in edge_log and "sk-query-wrong" not in edge_log
    assert all(stack.api_key not in str(c) for c in sim.calls()["recent"])


def test_a_key_header_wins_over_a_key_in_the_query(stack: Stack) -> None:
    response = httpx.get(
        stack.edge_url + "/v1/models",
        params={"token": stack.api_key},
        headers={"Authorization": "Bearer sk-header-wrong"},
        timeout=10,
    )
    assert response.status_code == 401


def test_legacy_completions_answer_text(client: openai.OpenAI) -> None:
    completion = client.completions.create(
        model="demo/gpt-4o-mini", prompt="say hi", max_tokens=20
    )
    assert completion.object == "text_completion"
    assert completion.id.startswith("cmpl-")
    assert completion.choices[0].text == "Echo: say hi"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens > 0
    # A list of prompts is one prompt, as the original joins them.
    joined = client.completions.create(model="demo/gpt-4o-mini", prompt=["a", "b"])
    assert joined.choices[0].text == "Echo: a\nb"


def test_legacy_completions_stream_text_chunks(client: openai.OpenAI) -> None:
    stream = client.completions.create(
        model="demo/gpt-4o-mini",
        prompt="one two three",
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert {c.object for c in chunks} == {"text_completion"}
    assert "".join(c.choices[0].text for c in chunks if c.choices) == (
        "Echo: one two three"
    )
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "demo/gpt-4o-mini", "prompt": [1, 2]}, "prompt"),
        ({"model": "demo/gpt-4o-mini", "prompt": "x", "suffix": "y"}, "suffix"),
        ({"model": "demo/gpt-4o-mini", "prompt": "x", "logprobs": 3}, "logprobs"),
        ({"model": "demo/gpt-4o-mini", "messages": CHAT["messages"]}, "prompt"),
    ],
)
def test_legacy_completions_refuse_what_chat_cannot_do(
    http: httpx.Client, body: dict[str, Any], param: str
) -> None:
    response = http.post("/v1/completions", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


def test_legacy_completions_of_an_unknown_model_are_404(http: httpx.Client) -> None:
    response = http.post("/v1/completions", json={"model": "nope/x", "prompt": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"


def test_image_edits_reach_the_provider_as_openais_multipart(
    client: openai.OpenAI, sim: Simulator
) -> None:
    raw = client.images.with_raw_response.edit(
        model="gpt-image-1",
        image=[
            ("a.png", io.BytesIO(PNG), "image/png"),
            ("b.png", io.BytesIO(PNG), "image/png"),
        ],
        mask=("mask.png", io.BytesIO(PNG), "image/png"),
        prompt="add a hat",
        size="1024x1024",
    )
    edited = raw.parse()
    assert raw.headers["x-omniroute-provider"] == "demo"
    assert edited.data and edited.data[0].b64_json
    assert base64.b64decode(edited.data[0].b64_json).startswith(b"\x89PNG")
    upstream = [c for c in sim.calls()["recent"] if c["path"] == "/v1/images/edits"]
    assert upstream, "the simulator saw no image edit"
    form = upstream[-1]["body"]
    assert form["fields"]["model"] == "gpt-image-1"
    assert form["fields"]["prompt"] == "add a hat"
    assert form["fields"]["size"] == "1024x1024"
    assert [f["filename"] for f in form["files"]["image[]"]] == ["a.png", "b.png"]
    assert form["files"]["mask"]["content_type"] == "image/png"


def test_an_image_edit_of_a_non_image_is_a_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client.images.edit(
            model="gpt-image-1",
            image=("notes.txt", io.BytesIO(b"just text"), "text/plain"),
            prompt="add a hat",
        )
    assert "notes.txt" in str(refused.value)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"no boundary"),
        ("multipart/form-data; boundary=zz", b"--zz\r\nnot a part"),
        ("application/json", b'{"prompt": "x", "model": "gpt-image-1"}'),
    ],
)
def test_a_broken_image_edit_upload_is_a_400_not_a_500(
    http: httpx.Client, content_type: str, body: bytes
) -> None:
    response = http.post(
        "/v1/images/edits", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"


def _new_key(stack: Stack, **fields: Any) -> tuple[str, str]:
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        created = admin.post("/api/keys", json={"name": "paths", **fields})
        assert created.status_code == 201, created.text
        body = created.json()
    return body["id"], body["key"]


def test_the_quota_check_says_what_the_key_may_still_do(stack: Stack) -> None:
    _, key = _new_key(stack, rpm_limit=2)
    headers = {"Authorization": f"Bearer {key}"}

    def check() -> httpx.Response:
        return httpx.get(
            stack.edge_url + "/v1/quotas/check",
            params={"provider": "demo", "accountId": "a1", "token": "ignored"},
            headers=headers,
            timeout=10,
        )

    poll_until(lambda: check().status_code == 200, timeout=5)  # the key is known
    body = check().json()
    assert body["allowed"] is True
    assert (body["provider"], body["accountId"]) == ("demo", "a1")
    assert body["checkedAt"].endswith("Z")
    assert body["limits"]["requestsPerMinute"]["limit"] == 2

    def spend_the_minute() -> dict[str, Any]:
        for _ in range(2):
            httpx.post(
                stack.edge_url + "/v1/chat/completions",
                json=CHAT,
                headers=headers,
                timeout=30,
            )
        return dict(check().json())

    spent = spend_the_minute()
    if spent["limits"]["requestsPerMinute"]["used"] < 2:
        spent = spend_the_minute()  # the minute turned between the requests
    assert spent["allowed"] is False
    assert spent["errorCode"] == "RATE_LIMIT_EXCEEDED"
    assert spent["limits"]["requestsPerMinute"]["remaining"] == 0
    assert httpx.get(stack.edge_url + "/v1/quotas/check", timeout=10).status_code == 401


def test_combo_and_claude_code_model_strings_resolve(
    stack: Stack, http: httpx.Client
) -> None:
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        created = admin.post(
            "/api/combos",
            json={
                "name": "paths-combo",
                "strategy": "priority",
                "members": [{"model": "demo/gpt-4o", "weight": 1}],
            },
        )
        assert created.status_code == 201, created.text

    def chat(model: str) -> httpx.Response:
        return http.post("/v1/chat/completions", json={**CHAT, "model": model})

    poll_until(lambda: chat("combo/paths-combo").status_code == 200, timeout=10)
    for model in ("combo/paths-combo", "claude/combo/paths-combo"):
        served = chat(model)
        assert served.status_code == 200, (model, served.text)
        assert served.headers["x-omniroute-model"] == "gpt-4o"
    mirrored = chat("claude/demo/gpt-4o-mini")
    assert mirrored.status_code == 200, mirrored.text
    assert mirrored.headers["x-omniroute-provider"] == "demo"
    assert mirrored.headers["x-omniroute-model"] == "gpt-4o-mini"
    assert chat("combo/none").status_code == 404
    # The demo's Anthropic provider answers to claude/: its own models, and an
    # unknown inner provider, stay its own, as in the original.
    for model, served_as in (
        ("claude/claude-opus-4-6", "claude-opus-4-6"),
        ("claude/nobody/x", "nobody/x"),
    ):
        own = chat(model)
        assert own.status_code == 200, own.text
        assert own.headers["x-omniroute-provider"] == "demo-anthropic"
        assert own.headers["x-omniroute-model"] == served_as


def test_a_wrapper_never_widens_a_keys_models(stack: Stack) -> None:
    key_id, key = _new_key(stack)
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        limited = admin.post(
            "/api/policies",
            json={"keyId": key_id, "allowedModels": ["demo/gpt-4o-mini"]},
        )
        assert limited.status_code == 200, limited.text

    def chat(model: str) -> int:
        return httpx.post(
            stack.edge_url + "/v1/chat/completions",
            json={**CHAT, "model": model},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        ).status_code

    poll_until(lambda: chat("demo/gpt-4o") == 403, timeout=5)
    assert chat("claude/demo/gpt-4o-mini") == 200  # the allowed model, mirrored
    assert chat("claude/demo/gpt-4o") == 403
