"""Talks to a provider for the management API: model lists and a tiny call.

Each format has its own model-list endpoint and auth header; a test is a
one-token chat in the provider's own format (or its model list when no model
is named). Nothing here is on the request path: the executor does the real
calls.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from omniroute.presets import AuthStyle, preset_for
from omniroute.wire.errors import error_from_body
from omniroute.wire.formats import WireFormat

ANTHROPIC_VERSION = "2023-06-01"
_PROMPT = "Reply with the single word: ok"


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    kind: str
    format: WireFormat
    base_url: str
    credential: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    ok: bool
    status: int
    latency_ms: float
    error: str = ""
    models: list[str] = field(default_factory=list)


class ProbeError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _auth(spec: ProviderSpec) -> dict[str, str]:
    style = preset_for(spec.kind).auth
    if spec.format is WireFormat.ANTHROPIC:
        style = AuthStyle.X_API_KEY
    elif spec.format is WireFormat.GEMINI:
        style = AuthStyle.GOOG_API_KEY
    if not spec.credential or style is AuthStyle.NONE:
        return {}
    if style is AuthStyle.X_API_KEY:
        return {"x-api-key": spec.credential}
    if style is AuthStyle.GOOG_API_KEY:
        return {"x-goog-api-key": spec.credential}
    return {"Authorization": f"Bearer {spec.credential}"}


def _headers(spec: ProviderSpec) -> dict[str, str]:
    headers = {**preset_for(spec.kind).headers, **spec.headers, **_auth(spec)}
    if spec.format is WireFormat.ANTHROPIC:
        headers.setdefault("anthropic-version", ANTHROPIC_VERSION)
    return headers


def model_list_url(spec: ProviderSpec) -> str:
    base = spec.base_url.rstrip("/")
    if spec.format is WireFormat.OLLAMA:
        return f"{base}/api/tags"
    return f"{base}/models"


def parse_model_list(fmt: WireFormat, body: Any) -> list[str]:
    """Model ids from a provider's list answer, in its order, de-duplicated."""
    if not isinstance(body, dict):
        return []
    ids: list[str] = []
    if fmt is WireFormat.OLLAMA:
        ids = [
            str(m.get("name") or m.get("model") or "") for m in _items(body, "models")
        ]
    elif fmt is WireFormat.GEMINI:
        ids = [
            str(m.get("name", "")).removeprefix("models/")
            for m in _items(body, "models")
        ]
    else:
        ids = [str(m.get("id", "")) for m in _items(body, "data")]
    return list(dict.fromkeys(i for i in ids if i))


def _items(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = body.get(name)
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def chat_request(spec: ProviderSpec, model: str) -> tuple[str, dict[str, Any]]:
    """URL and JSON body of the smallest chat the provider accepts."""
    base = spec.base_url.rstrip("/")
    user = [{"role": "user", "content": _PROMPT}]
    if spec.format is WireFormat.ANTHROPIC:
        return f"{base}/messages", {"model": model, "max_tokens": 1, "messages": user}
    if spec.format is WireFormat.GEMINI:
        return f"{base}/models/{model}:generateContent", {
            "contents": [{"role": "user", "parts": [{"text": _PROMPT}]}],
            "generationConfig": {"maxOutputTokens": 1},
        }
    if spec.format is WireFormat.OLLAMA:
        return f"{base}/api/chat", {
            "model": model,
            "messages": user,
            "stream": False,
            "options": {"num_predict": 1},
        }
    if spec.format is WireFormat.RESPONSES:
        # 16 is the smallest max_output_tokens OpenAI accepts.
        return f"{base}/responses", {
            "model": model,
            "input": _PROMPT,
            "max_output_tokens": 16,
        }
    return f"{base}/chat/completions", {
        "model": model,
        "messages": user,
        "max_tokens": 1,
    }


async def list_models(client: httpx.AsyncClient, spec: ProviderSpec) -> list[str]:
    response = await client.get(model_list_url(spec), headers=_headers(spec))
    body = _json(response)
    if response.status_code >= 400:
        raise ProbeError(response.status_code, _error(spec, body, response))
    return parse_model_list(spec.format, body)


async def probe(
    client: httpx.AsyncClient, spec: ProviderSpec, model: str | None
) -> ProbeResult:
    """A real minimal call: a one-token chat with ``model``, else the model list."""
    started = time.perf_counter()
    try:
        if model:
            url, body = chat_request(spec, model)
            response = await client.post(url, headers=_headers(spec), json=body)
            models: list[str] = []
            payload = _json(response)
        else:
            response = await client.get(model_list_url(spec), headers=_headers(spec))
            payload = _json(response)
            models = parse_model_list(spec.format, payload)
    except httpx.HTTPError as exc:
        return ProbeResult(False, 0, _elapsed(started), _transport_error(exc))
    latency = _elapsed(started)
    if response.status_code >= 400:
        return ProbeResult(
            False, response.status_code, latency, _error(spec, payload, response)
        )
    return ProbeResult(True, response.status_code, latency, "", models)


def _elapsed(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _json(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def _error(spec: ProviderSpec, body: Any, response: httpx.Response) -> str:
    if isinstance(body, dict) and "error" in body:
        return error_from_body(spec.format, body, response.status_code).message[:500]
    text = response.text.strip()[:300]
    return f"HTTP {response.status_code}" + (f": {text}" if text else "")


def _transport_error(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out waiting for the provider"
    if isinstance(exc, httpx.ConnectError | httpx.ProxyError):
        return f"cannot connect: {exc}" if str(exc) else "cannot connect"
    return f"{exc.__class__.__name__}: {exc}"
