"""Chat endpoints of every format: thin handlers from request to answer to
bytes. Parsing and rendering live in the ``*_format`` modules."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.simulator import (
    anthropic_format,
    automatic_cache,
    gemini_format,
    ollama_format,
    openai_format,
    responses_format,
)
from services.simulator.answers import Prompt, build_answer
from services.simulator.anthropic_blocks import prompt_blocks
from services.simulator.catalog import ALL_MODELS, CHAT_MODELS
from services.simulator.delivery import JSON, NDJSON, SSE, send_json, send_stream
from services.simulator.errors import ProviderError, is_gemini_client
from services.simulator.fast import fast_chat_route
from services.simulator.inbound import Inbound
from services.simulator.parsing import json_object
from services.simulator.pipeline import provider_route
from services.simulator.state import STATE, SimState


async def openai_chat(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """OpenAI ``POST /v1/chat/completions``; long prompts are cached
    automatically (``automatic_cache.py``)."""
    body = json_object(inbound.raw)
    prompt = openai_format.parse_prompt(body)
    cached = _automatic_cache(request, inbound, prompt, body)
    answer = build_answer(prompt)
    if body.get("stream"):
        options = body.get("stream_options") or {}
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        frames = openai_format.stream_frames(answer, include_usage, cached)
        return await send_stream(
            request, frames, content_type=SSE, error_frame=openai_format.stream_error
        )
    return await send_json(request, openai_format.completion(answer, cached))


def _automatic_cache(
    request: web.Request, inbound: Inbound, prompt: Prompt, body: dict[str, Any]
) -> int:
    """The tokens of ``prompt`` OpenAI's prompt cache holds for this caller
    (reading refreshes them; the rest is written)."""
    ttl = automatic_cache.retention(body)
    marks = automatic_cache.cache_marks(prompt, body)
    cache = request.app[STATE].prompt_cache
    return cache.use_automatic(inbound.credential, prompt.model, marks, ttl)


async def responses(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """OpenAI ``POST /v1/responses``; long prompts are cached automatically
    (``automatic_cache.py``)."""
    body = json_object(inbound.raw)
    prompt = responses_format.parse_prompt(body)
    cached = _automatic_cache(request, inbound, prompt, body)
    answer = build_answer(prompt)
    if body.get("stream"):
        frames = responses_format.stream_frames(answer, body, cached)
        return await send_stream(
            request, frames, content_type=SSE, error_frame=responses_format.stream_error
        )
    return await send_json(request, responses_format.response(answer, body, cached))


async def anthropic_messages(
    request: web.Request, inbound: Inbound
) -> web.StreamResponse:
    """Anthropic ``POST /v1/messages``; ``cache_control`` breakpoints read
    and write the caller's prompt cache (``prompt_cache.py``)."""
    body = json_object(inbound.raw)
    prompt = anthropic_format.parse_prompt(body)
    blocks = prompt_blocks(body)
    cache = request.app[STATE].prompt_cache.use(
        inbound.credential, prompt.model, blocks
    )
    answer = build_answer(prompt)
    if body.get("stream"):
        frames = anthropic_format.stream_frames(answer, cache)
        return await send_stream(
            request, frames, content_type=SSE, error_frame=anthropic_format.stream_error
        )
    return await send_json(request, anthropic_format.message(answer, cache))


async def anthropic_count_tokens(
    request: web.Request, inbound: Inbound
) -> web.StreamResponse:
    """Anthropic ``POST /v1/messages/count_tokens``."""
    return await send_json(
        request, anthropic_format.count_tokens(json_object(inbound.raw))
    )


async def gemini_call(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """Gemini ``POST /v1beta/models/{model}:{method}``."""
    model, method = request.match_info["model"], request.match_info["method"]
    body = json_object(inbound.raw)
    if method == "countTokens":
        return await send_json(request, gemini_format.count_tokens(body, model))
    if method not in ("generateContent", "streamGenerateContent"):
        raise ProviderError(404, f"Method '{method}' is not found for model '{model}'.")
    answer = build_answer(gemini_format.parse_prompt(body, model))
    if method == "generateContent":
        return await send_json(request, gemini_format.response(answer))
    if request.query.get("alt") == "sse":
        frames = gemini_format.sse_frames(answer)
        return await send_stream(
            request, frames, content_type=SSE, error_frame=gemini_format.stream_error
        )
    # Without alt=sse Gemini streams one JSON array, element by element.
    frames = gemini_format.array_frames(answer)
    error_frame = gemini_format.stream_error
    return await send_stream(
        request, frames, content_type=JSON, error_frame=error_frame
    )


async def ollama_chat(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """Ollama ``POST /api/chat`` (streams unless ``"stream": false``)."""
    body = json_object(inbound.raw)
    answer = build_answer(ollama_format.parse_prompt(body))
    if ollama_format.wants_stream(body):
        frames = ollama_format.stream_frames(answer)
        return await send_stream(
            request, frames, content_type=NDJSON, error_frame=ollama_format.stream_error
        )
    return await send_json(request, ollama_format.chat(answer))


async def list_models(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """``GET /v1/models``, shared by three SDKs: Anthropic's list when the call
    carries ``anthropic-version``, Gemini's for Gemini clients, else OpenAI's."""
    if "anthropic-version" in request.headers:
        return await send_json(request, anthropic_format.model_list(CHAT_MODELS))
    if is_gemini_client(request.headers, request.query):
        return await gemini_models(request, inbound)
    return await send_json(request, openai_format.model_list(ALL_MODELS))


async def get_model(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """``GET /v1/models/{model}`` (same three-way split as the list)."""
    model = request.match_info["model"]
    if "anthropic-version" in request.headers:
        return await send_json(request, anthropic_format.model_list([model])["data"][0])
    if is_gemini_client(request.headers, request.query):
        return await gemini_models(request, inbound)
    return await send_json(request, openai_format.model_list([model])["data"][0])


async def gemini_models(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """Gemini ``GET /v1beta/models`` and ``GET /v1beta/models/{model}``."""
    model = request.match_info.get("model")
    if model is not None:
        return await send_json(request, gemini_format.model_entry(model))
    models = [*CHAT_MODELS, "sim-embed"]
    return await send_json(request, gemini_format.model_list(models))


async def ollama_tags(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """Ollama ``GET /api/tags``."""
    return await send_json(request, ollama_format.tags(CHAT_MODELS))


def add_routes(app: web.Application, state: SimState) -> None:
    """Registers every chat route; with ``--fast`` (and no required keys) the
    OpenAI chat paths take the precomputed fast path first."""
    routes = [
        ("POST", "/v1/chat/completions", openai_chat),
        ("POST", "/chat/completions", openai_chat),
        ("POST", "/v1/responses", responses),
        ("POST", "/responses", responses),
        ("POST", "/v1/messages", anthropic_messages),
        ("POST", "/v1/messages/count_tokens", anthropic_count_tokens),
        # Gemini serves both versions; google-genai 3.x defaults to v1.
        ("POST", "/v1beta/models/{model:[^/:]+}:{method}", gemini_call),
        ("POST", "/v1/models/{model:[^/:]+}:{method}", gemini_call),
        ("GET", "/v1beta/models", gemini_models),
        ("GET", "/v1beta/models/{model:[^/:]+}", gemini_models),
        ("POST", "/api/chat", ollama_chat),
        ("GET", "/api/tags", ollama_tags),
        ("GET", "/v1/models", list_models),
        ("GET", "/models", list_models),
        ("GET", "/v1/models/{model:[^/:]+}", get_model),
    ]
    fast = state.config.fast and not state.config.required_keys
    for method, path, handler in routes:
        route = provider_route(handler)
        if fast and handler is openai_chat:
            route = fast_chat_route(state, route)
        app.router.add_route(method, path, route)
