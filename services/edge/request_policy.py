"""Operator settings applied to every chat request's hub form.

A global system prompt (text before and after the client's own) and a
thinking-budget policy. When either changes a request, the client's own body
no longer says what is asked, so same-format pass-through is given up for
that request (the executor translates from the hub instead).
"""

from __future__ import annotations

from typing import Any

from omniroute.common.v1 import config_pb2


def apply_policies(hub: dict[str, Any], settings: config_pb2.GatewaySettings) -> bool:
    """Rewrites ``hub`` in place; True when anything changed."""
    changed = _system_prompt(hub, settings.system_prompt)
    return _thinking_budget(hub, settings.thinking_budget) or changed


def _system_prompt(hub: dict[str, Any], prompt: config_pb2.SystemPrompt) -> bool:
    if not prompt.enabled or not (prompt.prefix or prompt.suffix):
        return False
    messages: list[dict[str, Any]] = hub.setdefault("messages", [])
    system = next(
        (m for m in messages if m.get("role") in ("system", "developer")), None
    )
    if system is None:
        system = {"role": "system", "content": ""}
        messages.insert(0, system)
    text = _text(system.get("content"))
    parts = [p for p in (prompt.prefix, text, prompt.suffix) if p]
    system["content"] = "\n\n".join(parts)
    return True


def _thinking_budget(hub: dict[str, Any], policy: config_pb2.ThinkingBudget) -> bool:
    if policy.mode == "off":
        changed = "reasoning_effort" in hub or hub.get("thinking_budget") != 0
        hub.pop("reasoning_effort", None)
        hub["thinking_budget"] = 0
        return changed
    if policy.mode == "custom" and policy.custom_budget > 0:
        asks = "reasoning_effort" in hub or hub.get("thinking_budget") not in (None, 0)
        if asks:
            hub.pop("reasoning_effort", None)
            hub["thinking_budget"] = policy.custom_budget
            return True
    return False


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""
