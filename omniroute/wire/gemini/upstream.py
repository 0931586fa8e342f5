"""Hub requests as Gemini ``generateContent`` bodies (executor side).

The model lives in the URL (``models/{model}:generateContent``), so the body
has none.
"""

from __future__ import annotations

from typing import Any

import orjson

from omniroute.wire import hub, media, reasoning
from omniroute.wire.gemini.schema import to_gemini_schema
from omniroute.wire.validation import set_if

Json = dict[str, Any]

# Google's documented placeholder for function calls whose signature is not
# available (history written by another model); Gemini 3 otherwise answers
# 400 "function call is missing a thought_signature".
SKIP_SIGNATURE = "skip_thought_signature_validator"

_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}


def request_from_hub(hub_request: Json, *, model: str) -> Json:
    """A hub request as a Gemini body for ``model`` (which goes in the URL)."""
    system, contents = _contents(hub_request["messages"], model)
    body: Json = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": [{"text": text} for text in system]}
    config = _generation_config(hub_request, model)
    if config:
        body["generationConfig"] = config
    if hub_request.get("tools"):
        body["tools"] = [
            {"functionDeclarations": [_declaration(t) for t in hub_request["tools"]]}
        ]
        calling = _calling_config(hub_request.get("tool_choice"))
        if calling:
            body["toolConfig"] = {"functionCallingConfig": calling}
    set_if(body, "cachedContent", hub_request.get("cached_content"))
    return body


def _contents(messages: list[Json], model: str) -> tuple[list[str], list[Json]]:
    names = hub.tool_names_by_id(messages)
    needs_signature = model.rsplit("/", 1)[-1].startswith("gemini-3")
    system: list[str] = []
    contents: list[Json] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            text = hub.text_of(message.get("content"))
            if text:
                system.append(text)
        elif role == "assistant":
            _push(contents, "model", _model_parts(message, needs_signature))
        elif role == "tool":
            call_id = message.get("tool_call_id") or ""
            name = names.get(call_id) or message.get("name") or ""
            result = {"name": name, "response": _result(message.get("content"))}
            _push(contents, "user", [{"functionResponse": result}])
        else:
            _push(contents, "user", _user_parts(message.get("content")))
    return system, contents


def _push(contents: list[Json], role: str, parts: list[Json]) -> None:
    """Appends parts, merging consecutive turns of one role (Gemini alternates)."""
    if not parts:
        return
    if contents and contents[-1]["role"] == role:
        contents[-1]["parts"].extend(parts)
    else:
        contents.append({"role": role, "parts": parts})


def _user_parts(content: Any) -> list[Json]:
    parts: list[Json] = []
    for part in hub.content_parts(content):
        kind = part.get("type")
        if kind == "text" and part.get("text"):
            parts.append({"text": part["text"]})
        elif kind == "image_url":
            parts.append(_media((part.get("image_url") or {}).get("url") or ""))
        elif kind == "file":
            file = part.get("file") or {}
            url = file.get("file_data") or file.get("file_url")
            if url:
                parts.append(_media(url, "application/pdf"))
    return parts


def _media(url: str, default_mime: str = "image/jpeg") -> Json:
    inline = media.parse_data_url(url)
    if inline:
        return {"inlineData": {"mimeType": inline[0], "data": inline[1]}}
    return {
        "fileData": {"mimeType": media.guess_mime(url, default_mime), "fileUri": url}
    }


def _model_parts(message: Json, needs_signature: bool) -> list[Json]:
    # Thought text is not sent back: Gemini reads nothing from it.
    parts: list[Json] = []
    text = hub.text_of(message.get("content"))
    if text:
        parts.append({"text": text})
    for position, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") or {}
        part: Json = {
            "functionCall": {
                "name": function.get("name") or "",
                "args": hub.parse_arguments(function.get("arguments")),
            }
        }
        extra = (call.get("extra_content") or {}).get("google") or {}
        signature = extra.get("thought_signature")
        if not signature and needs_signature and position == 0:
            signature = SKIP_SIGNATURE
        set_if(part, "thoughtSignature", signature)
        parts.append(part)
    return parts


def _result(content: Any) -> Json:
    """A tool result as the JSON object ``functionResponse.response`` wants."""
    text = hub.text_of(content)
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {"result": text}
    return value if isinstance(value, dict) else {"result": value}


def _generation_config(hub_request: Json, model: str) -> Json:
    config: Json = {}
    for key, name in (
        ("temperature", "temperature"),
        ("top_p", "topP"),
        ("top_k", "topK"),
        ("max_tokens", "maxOutputTokens"),
        ("seed", "seed"),
        ("presence_penalty", "presencePenalty"),
        ("frequency_penalty", "frequencyPenalty"),
    ):
        set_if(config, name, hub_request.get(key))
    if hub_request.get("stop"):
        config["stopSequences"] = list(hub_request["stop"])
    response_format = hub_request.get("response_format") or {}
    if response_format.get("type") in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
        schema = (response_format.get("json_schema") or {}).get("schema")
        if isinstance(schema, dict):
            config["responseSchema"] = to_gemini_schema(schema)
    thinking = _thinking_config(hub_request, model)
    if thinking:
        config["thinkingConfig"] = thinking
    return config


def _thinking_config(hub_request: Json, model: str) -> Json | None:
    budget = reasoning.requested_budget(hub_request)
    if budget is None:
        return None
    if budget == 0:
        # Pro models cannot stop thinking; asking them to is a 400.
        return None if "pro" in model else {"thinkingBudget": 0}
    return {"thinkingBudget": budget, "includeThoughts": True}


def _declaration(tool: Json) -> Json:
    function = tool.get("function") or {}
    declaration: Json = {"name": function.get("name") or ""}
    set_if(declaration, "description", function.get("description"))
    parameters = function.get("parameters")
    # Gemini rejects an object schema without properties; such a function
    # simply takes no parameters.
    if isinstance(parameters, dict) and parameters.get("properties"):
        declaration["parameters"] = to_gemini_schema(parameters)
    return declaration


def _calling_config(choice: Any) -> Json | None:
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or ""
        return {"mode": "ANY", "allowedFunctionNames": [name]}
    if isinstance(choice, str) and choice in _MODES:
        return {"mode": _MODES[choice]}
    return None
