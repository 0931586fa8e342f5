"""OpenAI Chat Completions full answers, to and from the hub."""

from __future__ import annotations

from typing import Any

from omniroute.wire import hub
from omniroute.wire.reasoning import ThinkTagSplitter

Json = dict[str, Any]

_FINISH = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


def finish_to_hub(reason: Any) -> str | None:
    """A provider's finish_reason as a hub one (unknown reasons mean stop)."""
    if reason is None:
        return None
    return _FINISH.get(str(reason), "stop")


def response_from_hub(hub_response: Json, *, model: str) -> Json:
    """A hub answer as the client's ``chat.completion`` (model = client's)."""
    choice = hub_response["choices"][0]
    message = {
        key: value
        for key, value in choice["message"].items()
        if key != "reasoning_signature"
    }
    return {
        "id": hub.with_prefix(hub_response.get("id") or hub.new_id(""), "chatcmpl-"),
        "object": "chat.completion",
        "created": hub_response.get("created") or hub.now(),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": choice.get("finish_reason") or "stop",
            }
        ],
        "usage": hub.normalize_usage(hub_response.get("usage")) or hub.make_usage(),
    }


def _calls(raw: Any) -> list[Json]:
    calls = []
    for call in raw if isinstance(raw, list) else []:
        function = call.get("function") or {}
        arguments = function.get("arguments", "")
        if not isinstance(arguments, str):
            arguments = hub.dumps(arguments)
        calls.append(
            hub.tool_call(
                call.get("id") or hub.new_id("call_"),
                function.get("name") or "",
                arguments,
                call.get("extra_content"),
            )
        )
    return calls


def response_to_hub(body: Json, *, model: str) -> Json:
    """An OpenAI-compatible provider's answer as a hub ``chat.completion``.

    Fills what compatible servers leave out (usage, ids) and moves reasoning
    to ``reasoning_content`` whether it came as ``reasoning`` (OpenRouter,
    vLLM) or inline ``<think>`` tags.
    """
    choices = body.get("choices") or [{}]
    message = choices[0].get("message") or {}
    text = message.get("content") if isinstance(message.get("content"), str) else ""
    thought = message.get("reasoning_content") or message.get("reasoning") or ""
    if not thought and text:
        splitter = ThinkTagSplitter()
        parts = [splitter.feed(text), splitter.flush()]
        thought = "".join(p[0] for p in parts)
        text = "".join(p[1] for p in parts)
    calls = _calls(message.get("tool_calls"))
    finish = finish_to_hub(choices[0].get("finish_reason")) or "stop"
    if calls and finish == "stop":
        finish = "tool_calls"
    return hub.chat_completion(
        id=body.get("id") or hub.new_id("chatcmpl-"),
        model=body.get("model") or model,
        created=body.get("created") if isinstance(body.get("created"), int) else None,
        message=hub.assistant_message(
            text or "",
            reasoning=thought if isinstance(thought, str) else "",
            signature=message.get("reasoning_signature") or "",
            tool_calls=calls,
        ),
        finish_reason=finish,
        usage=hub.normalize_usage(body.get("usage")),
    )
