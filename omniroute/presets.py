"""Built-in provider presets: where a provider lives and how it authenticates.

Admin uses them to fill in defaults when an operator registers a provider by
kind; the executor uses them to build upstream requests. A provider record in
the configuration can override the base URL and add headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from omniroute.wire.formats import WireFormat


class AuthStyle(StrEnum):
    BEARER = "bearer"  # Authorization: Bearer <key>
    X_API_KEY = "x-api-key"  # Anthropic family
    GOOG_API_KEY = "x-goog-api-key"  # Gemini
    TOKEN = "token"  # Deepgram: Authorization: Token <key>
    RAW = "raw"  # AssemblyAI: Authorization: <key>
    NONE = "none"  # local servers


@dataclass(frozen=True, slots=True)
class Preset:
    kind: str
    format: WireFormat
    base_url: str
    auth: AuthStyle = AuthStyle.BEARER
    aliases: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    embedding_models: tuple[str, ...] = ()
    image_models: tuple[str, ...] = ()
    transcription_models: tuple[str, ...] = ()
    # Whether the provider accepts stream_options.include_usage.
    stream_usage_option: bool = True
    key_required: bool = True
    headers: dict[str, str] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    p.kind: p
    for p in (
        Preset(
            "openai",
            WireFormat.OPENAI_CHAT,
            "https://api.openai.com/v1",
            aliases=("oai",),
            models=(
                "gpt-4o",
                "gpt-4o-mini",
                "gpt-4.1",
                "gpt-4.1-mini",
                "o3",
                "o4-mini",
            ),
        ),
        # OpenAI's Responses API as the upstream (models served only there,
        # built-in tools); Responses clients are passed through to it.
        Preset(
            "openai-responses",
            WireFormat.RESPONSES,
            "https://api.openai.com/v1",
            models=("gpt-5", "gpt-5-mini", "gpt-5-codex", "o3-pro"),
        ),
        Preset(
            "anthropic",
            WireFormat.ANTHROPIC,
            "https://api.anthropic.com/v1",
            auth=AuthStyle.X_API_KEY,
            aliases=("claude",),
            models=("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"),
            headers={"anthropic-version": "2023-06-01"},
        ),
        Preset(
            "gemini",
            WireFormat.GEMINI,
            "https://generativelanguage.googleapis.com/v1beta",
            auth=AuthStyle.GOOG_API_KEY,
            aliases=("google",),
            models=("gemini-2.5-flash", "gemini-2.5-pro"),
        ),
        Preset(
            "ollama",
            WireFormat.OLLAMA,
            "http://127.0.0.1:11434",
            auth=AuthStyle.NONE,
            key_required=False,
        ),
        Preset(
            "openai-compatible",
            WireFormat.OPENAI_CHAT,
            "",
            key_required=False,
        ),
        Preset(
            "deepgram",
            WireFormat.OPENAI_CHAT,
            "https://api.deepgram.com",
            auth=AuthStyle.TOKEN,
            transcription_models=("nova-3", "nova-2"),
        ),
        Preset(
            "assemblyai",
            WireFormat.OPENAI_CHAT,
            "https://api.assemblyai.com",
            auth=AuthStyle.RAW,
            transcription_models=("best", "nano", "universal"),
        ),
        # Built in: all-MiniLM-L6-v2 run by the executor itself, offline.
        Preset(
            "local",
            WireFormat.OPENAI_CHAT,
            "local://",
            auth=AuthStyle.NONE,
            key_required=False,
            embedding_models=("all-minilm-l6-v2",),
        ),
    )
}


def preset_for(kind: str) -> Preset:
    return PRESETS.get(kind, PRESETS["openai-compatible"])
