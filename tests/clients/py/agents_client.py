"""openai-agents: a Runner with a function tool, on the Responses and the
Chat Completions model. Usage: agents_client.py <scenario> <responses|chat>."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from agents import (
    Agent,
    Model,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)
from agents.items import ToolCallItem, ToolCallOutputItem
from common import API_KEY, BASE_URL, run
from openai import AsyncOpenAI
from openai.types.responses import ResponseTextDeltaEvent

# Traces would be uploaded to OpenAI; the machine has no such network.
set_tracing_disabled(True)
API = sys.argv[2]


def model() -> Model:
    client = AsyncOpenAI(base_url=f"{BASE_URL}/v1", api_key=API_KEY, max_retries=0)
    if API == "responses":
        return OpenAIResponsesModel(model="gpt-6.2-sol", openai_client=client)
    return OpenAIChatCompletionsModel(model="demo/gpt-4o-mini", openai_client=client)


@function_tool
def lookup(query: str) -> str:
    """Looks a word up."""
    return f"found {query}"


def agent() -> Agent[Any]:
    return Agent(name="helper", instructions="Be brief.", model=model(), tools=[lookup])


def answer() -> dict[str, Any]:
    result = Runner.run_sync(agent(), "hello agents")
    return {"text": result.final_output}


def tool_round_trip() -> dict[str, Any]:
    result = Runner.run_sync(agent(), "please call lookup the moon")
    calls = [
        {
            "name": getattr(item.raw_item, "name", None),
            "arguments": getattr(item.raw_item, "arguments", None),
        }
        for item in result.new_items
        if isinstance(item, ToolCallItem)
    ]
    outputs = [
        item.output for item in result.new_items if isinstance(item, ToolCallOutputItem)
    ]
    return {"text": result.final_output, "calls": calls, "outputs": outputs}


async def _streamed() -> dict[str, Any]:
    result = Runner.run_streamed(agent(), "hello agents")
    pieces: list[str] = []
    async for event in result.stream_events():
        if event.type == "raw_response_event" and isinstance(
            event.data, ResponseTextDeltaEvent
        ):
            pieces.append(event.data.delta)
    return {"pieces": pieces, "text": result.final_output}


def stream() -> dict[str, Any]:
    return asyncio.run(_streamed())


run({"run": answer, "tools": tool_round_trip, "stream": stream})
