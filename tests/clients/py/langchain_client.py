"""langchain-openai and langchain-anthropic chat models against the gateway.
Usage: langchain_client.py <scenario> <openai|anthropic|openai-responses>."""

from __future__ import annotations

import sys
from typing import Any

from common import API_KEY, BASE_URL, run
from langchain_anthropic import ChatAnthropic
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

FLAVOUR = sys.argv[2]


def chat_model() -> BaseChatModel:
    key = SecretStr(API_KEY)
    if FLAVOUR == "anthropic":
        return ChatAnthropic(  # type: ignore[call-arg]
            model_name="claude-sonnet-5-5",
            base_url=BASE_URL,
            api_key=key,
            max_retries=0,
        )
    return ChatOpenAI(
        model="demo/gpt-4o-mini",
        base_url=f"{BASE_URL}/v1",
        api_key=key,
        max_retries=0,
        use_responses_api=FLAVOUR == "openai-responses",
    )


@tool
def lookup(query: str) -> str:
    """Looks a word up."""
    return f"found {query}"


def invoke() -> dict[str, Any]:
    answer = chat_model().invoke("hello langchain")
    usage = getattr(answer, "usage_metadata", None)
    return {"text": answer.text, "usage": usage}


def stream() -> dict[str, Any]:
    return {"pieces": [chunk.text for chunk in chat_model().stream("hello langchain")]}


def tools() -> dict[str, Any]:
    model = chat_model().bind_tools([lookup])
    messages: list[Any] = [HumanMessage("please call lookup the moon")]
    first = model.invoke(messages)
    calls = getattr(first, "tool_calls", [])
    messages.append(first)
    for call in calls:
        output = lookup.invoke(call["args"])
        messages.append(ToolMessage(output, tool_call_id=call["id"]))
    second = model.invoke(messages)
    return {
        "calls": [{"name": c["name"], "args": c["args"]} for c in calls],
        "text": second.text,
    }


run({"invoke": invoke, "stream": stream, "tools": tools})
