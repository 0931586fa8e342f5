"""Coding CLIs pointed at the gateway: their settings and whether they run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from typing import Any

# tool id -> executable name
TOOLS = {
    "claude": "claude",
    "codex": "codex",
    "droid": "droid",
    "openclaw": "openclaw",
    "gemini": "gemini",
    "opencode": "opencode",
}
# A CLI that does not print its version by then is "not runnable": some
# start a login flow instead of answering.
VERSION_TIMEOUT_S = 5.0
_KEY = "<your OmniRoute API key>"


def tool_settings(tool: str, base_url: str, model: str) -> dict[str, Any]:
    """What to configure in ``tool`` to use the gateway at ``base_url``."""
    base = base_url.rstrip("/")
    if tool == "claude":
        env = {
            "ANTHROPIC_BASE_URL": base,
            "ANTHROPIC_AUTH_TOKEN": _KEY,
            "ANTHROPIC_MODEL": model,
        }
        return {
            "tool": tool,
            "baseUrl": base,
            "env": env,
            "file": "~/.claude/settings.json",
            "content": {"env": env},
            "notes": "Claude Code speaks Anthropic Messages: the gateway serves "
            "/v1/messages and routes any model name.",
        }
    if tool == "codex":
        toml = (
            'model = "{model}"\nmodel_provider = "omniroute"\n\n'
            "[model_providers.omniroute]\n"
            'name = "OmniRoute"\n'
            f'base_url = "{base}/v1"\n'
            'env_key = "OMNIROUTE_API_KEY"\n'
            'wire_api = "responses"\n'
        ).replace("{model}", model)
        return {
            "tool": tool,
            "baseUrl": f"{base}/v1",
            "env": {"OMNIROUTE_API_KEY": _KEY},
            "file": "~/.codex/config.toml",
            "content": toml,
            "notes": "Codex uses the Responses API (/v1/responses).",
        }
    if tool == "droid":
        droid: dict[str, Any] = {
            "custom_models": [
                {
                    "model_display_name": f"{model} (OmniRoute)",
                    "model": model,
                    "base_url": f"{base}/v1",
                    "api_key": _KEY,
                    "provider": "generic-chat-completion-api",
                    "max_tokens": 16384,
                }
            ]
        }
        return {
            "tool": tool,
            "baseUrl": f"{base}/v1",
            "env": {},
            "file": "~/.factory/config.json",
            "content": droid,
            "notes": "Pick the model with /model in droid.",
        }
    if tool == "openclaw":
        content: dict[str, Any] = {
            "models": {
                "providers": {
                    "omniroute": {
                        "baseUrl": f"{base}/v1",
                        "apiKey": _KEY,
                        "api": "openai-completions",
                        "models": [{"id": model, "name": model}],
                    }
                }
            },
            "agents": {"defaults": {"model": {"primary": f"omniroute/{model}"}}},
        }
        return {
            "tool": tool,
            "baseUrl": f"{base}/v1",
            "env": {},
            "file": "~/.openclaw/openclaw.json",
            "content": content,
            "notes": "OpenClaw calls the OpenAI-compatible chat endpoint.",
        }
    raise KeyError(tool)


async def runtime(tool_id: str) -> dict[str, Any]:
    """Whether the tool's CLI is on PATH and answers ``--version``."""
    command = TOOLS[tool_id]
    path = shutil.which(command)
    result: dict[str, Any] = {
        "toolId": tool_id,
        "installed": path is not None,
        "runnable": False,
        "command": command,
        "commandPath": path,
        "runtimeMode": "system" if path else "missing",
        "version": None,
        "reason": None,
    }
    if path is None:
        result["reason"] = f"'{command}' is not on the admin service's PATH"
        return result
    try:
        process = await asyncio.create_subprocess_exec(
            path,
            "--version",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1", "CI": "1"},
        )
    except OSError as exc:
        result["reason"] = f"cannot start: {exc.strerror or exc}"
        return result
    try:
        output, _ = await asyncio.wait_for(process.communicate(), VERSION_TIMEOUT_S)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        result["reason"] = (
            f"'{command} --version' did not answer in {VERSION_TIMEOUT_S:g} s"
        )
        return result
    text = output.decode(errors="replace").strip()
    if process.returncode == 0:
        result["runnable"] = True
        result["version"] = text.splitlines()[0][:200] if text else ""
    else:
        result["reason"] = (
            f"'{command} --version' exited with {process.returncode}: {text[:200]}"
        )
    return result
