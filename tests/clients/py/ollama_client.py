"""ollama-python against the gateway's Ollama endpoints.
Usage: ollama_client.py <scenario>."""

from __future__ import annotations

from typing import Any

from common import API_KEY, BASE_URL, run
from ollama import Client

MODEL = "llama3.2"
EMBED_MODEL = "text-embedding-3-small"

client = Client(host=BASE_URL, headers={"Authorization": f"Bearer {API_KEY}"})


def chat() -> dict[str, Any]:
    answer = client.chat(
        model=MODEL, messages=[{"role": "user", "content": "hello ollama"}]
    )
    return {
        "text": answer.message.content,
        "done": answer.done,
        "done_reason": answer.done_reason,
        "eval_count": answer.eval_count,
    }


def chat_stream() -> dict[str, Any]:
    parts = list(
        client.chat(
            model=MODEL,
            messages=[{"role": "user", "content": "hello ollama"}],
            stream=True,
        )
    )
    return {
        "pieces": [part.message.content for part in parts if part.message.content],
        "last_done": parts[-1].done if parts else None,
    }


def generate() -> dict[str, Any]:
    answer = client.generate(model=MODEL, prompt="hello generate")
    return {"text": answer.response, "done": answer.done}


def generate_stream() -> dict[str, Any]:
    parts = list(client.generate(model=MODEL, prompt="hello generate", stream=True))
    return {"pieces": [part.response for part in parts if part.response]}


def embed() -> dict[str, Any]:
    answer = client.embed(model=EMBED_MODEL, input=["first text", "second text"])
    return {"dimensions": [len(vector) for vector in answer.embeddings]}


def show() -> dict[str, Any]:
    answer = client.show(MODEL)
    return {
        "family": answer.details.family if answer.details else None,
        "capabilities": answer.capabilities,
        "has_modelinfo": answer.modelinfo is not None,
    }


def list_models() -> dict[str, Any]:
    return {"names": [model.model for model in client.list().models]}


def ps() -> dict[str, Any]:
    return {"names": [model.model for model in client.ps().models]}


def version() -> dict[str, Any]:
    # ollama-python has no wrapper for /api/version; its transport does.
    response = client._client.get("/api/version")
    response.raise_for_status()
    return {"status": response.status_code, "body": response.json()}


def lookup(query: str) -> str:
    """Looks a word up.

    Args:
        query: the word
    """
    return f"found {query}"


def tools() -> dict[str, Any]:
    messages: list[Any] = [{"role": "user", "content": "please call lookup the moon"}]
    first = client.chat(model=MODEL, messages=messages, tools=[lookup])
    calls = first.message.tool_calls or []
    messages.append(first.message)
    for call in calls:
        result = lookup(**call.function.arguments)
        messages.append({"role": "tool", "content": result, "tool_name": "lookup"})
    second = client.chat(model=MODEL, messages=messages, tools=[lookup])
    return {
        "calls": [
            {"name": call.function.name, "arguments": dict(call.function.arguments)}
            for call in calls
        ],
        "text": second.message.content,
    }


run(
    {
        "chat": chat,
        "chat_stream": chat_stream,
        "generate": generate,
        "generate_stream": generate_stream,
        "embed": embed,
        "show": show,
        "list": list_models,
        "ps": ps,
        "version": version,
        "tools": tools,
    }
)
