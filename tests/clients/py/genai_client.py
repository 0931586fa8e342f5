"""google-genai against the gateway's Gemini endpoints, on the SDK's default
API version (v1) and on v1beta. Usage: genai_client.py <scenario> <version>;
version ``default`` leaves the SDK's own choice."""

from __future__ import annotations

import sys
from typing import Any

from common import API_KEY, BASE_URL, run
from google import genai
from google.genai import types

VERSION = sys.argv[2]
MODEL = "gemini-2.5-flash"
EMBED_MODEL = "gemini-embedding-001"

options = types.HttpOptions(base_url=BASE_URL)
if VERSION != "default":
    options = types.HttpOptions(base_url=BASE_URL, api_version=VERSION)
client = genai.Client(api_key=API_KEY, http_options=options)


def generate() -> dict[str, Any]:
    answer = client.models.generate_content(model=MODEL, contents="hello gemini")
    usage = answer.usage_metadata
    candidate = answer.candidates[0] if answer.candidates else None
    return {
        "text": answer.text,
        "finish": str(candidate.finish_reason) if candidate else None,
        "prompt_tokens": usage.prompt_token_count if usage else None,
    }


def stream() -> dict[str, Any]:
    pieces = [
        chunk.text or ""
        for chunk in client.models.generate_content_stream(
            model=MODEL, contents="hello gemini"
        )
    ]
    return {"pieces": pieces}


def lookup(query: str) -> str:
    """Looks a word up."""
    return f"found {query}"


def function_calling() -> dict[str, Any]:
    # Automatic function calling in a chat: the SDK runs ``lookup`` and sends
    # its result back in a second request.
    chat = client.chats.create(
        model=MODEL, config=types.GenerateContentConfig(tools=[lookup])
    )
    answer = chat.send_message("please call lookup the moon")
    parts = [part for content in chat.get_history() for part in content.parts or []]
    calls = [
        {"name": part.function_call.name, "args": part.function_call.args}
        for part in parts
        if part.function_call
    ]
    results = [
        part.function_response.response for part in parts if part.function_response
    ]
    return {"text": answer.text, "calls": calls, "results": results}


def count_tokens() -> dict[str, Any]:
    counted = client.models.count_tokens(model=MODEL, contents="one two three")
    return {"total_tokens": counted.total_tokens}


def embed() -> dict[str, Any]:
    embedded = client.models.embed_content(
        model=EMBED_MODEL, contents=["first text", "second text"]
    )
    vectors = [e.values or [] for e in embedded.embeddings or []]
    return {"count": len(vectors), "dimensions": [len(v) for v in vectors]}


def list_models() -> dict[str, Any]:
    return {"names": [model.name for model in client.models.list()]}


run(
    {
        "generate": generate,
        "stream": stream,
        "function_calling": function_calling,
        "count_tokens": count_tokens,
        "embed": embed,
        "models": list_models,
    }
)
