"""``/api/cli-tools/*``: settings for coding CLIs, and are they installed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from omniroute.errors import NotFound
from services.admin import cli_tools
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.schemas import CamelModel

router = APIRouter(prefix="/api/cli-tools", tags=["operations"])


class Runtime(CamelModel):
    tool_id: str
    installed: bool
    runnable: bool
    command: str
    command_path: str | None
    runtime_mode: str = Field(description="'system' (on PATH) or 'missing'")
    version: str | None
    reason: str | None = Field(description="Why it is not runnable")


Model = Annotated[str, Query(max_length=256, description="Model the CLI should use")]


async def _settings(ctx: Ctx, tool: str, model: str) -> dict[str, Any]:
    """The settings, with whether the tool is installed and runnable here
    (the original OmniRoute answers both in one)."""
    runtime = await cli_tools.runtime(tool)
    return runtime | cli_tools.tool_settings(tool, ctx.settings.edge_url, model)


@router.get("/claude-settings")
async def claude_settings(
    ctx: Ctx, _: Admin, model: Model = "claude-sonnet-4-5-20250929"
) -> dict[str, Any]:
    """Environment for Claude Code to use this gateway."""
    return await _settings(ctx, "claude", model)


@router.get("/codex-settings")
async def codex_settings(ctx: Ctx, _: Admin, model: Model = "gpt-5") -> dict[str, Any]:
    """``~/.codex/config.toml`` for the Codex CLI."""
    return await _settings(ctx, "codex", model)


@router.get("/droid-settings")
async def droid_settings(ctx: Ctx, _: Admin, model: Model = "gpt-5") -> dict[str, Any]:
    """``~/.factory/config.json`` custom model for Factory's droid."""
    return await _settings(ctx, "droid", model)


@router.get("/openclaw-settings")
async def openclaw_settings(
    ctx: Ctx, _: Admin, model: Model = "gpt-4o-mini"
) -> dict[str, Any]:
    """``~/.openclaw/openclaw.json`` provider entry for OpenClaw."""
    return await _settings(ctx, "openclaw", model)


@router.get("/runtime/{tool_id}")
async def tool_runtime(tool_id: str, _: Admin) -> Runtime:
    """Whether the CLI is installed (on PATH) and runnable (``--version``
    answers within 5 s), as seen from the admin service's machine."""
    if tool_id not in cli_tools.TOOLS:
        raise NotFound(
            f"unknown tool '{tool_id}'; one of: {', '.join(sorted(cli_tools.TOOLS))}",
            code="not_found",
        )
    return Runtime.model_validate(await cli_tools.runtime(tool_id))
