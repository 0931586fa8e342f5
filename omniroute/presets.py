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
    XI_API_KEY = "xi-api-key"  # ElevenLabs
    NONE = "none"  # local servers


@dataclass(frozen=True, slots=True)
class Preset:
    kind: str
    format: WireFormat
    base_url: str
    label: str = ""
    auth: AuthStyle = AuthStyle.BEARER
    aliases: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    embedding_models: tuple[str, ...] = ()
    image_models: tuple[str, ...] = ()
    transcription_models: tuple[str, ...] = ()
    speech_models: tuple[str, ...] = ()
    rerank_models: tuple[str, ...] = ()
    moderation_models: tuple[str, ...] = ()
    # Whether the provider accepts stream_options.include_usage.
    stream_usage_option: bool = True
    # Whether request fields OpenAI does not define (top_k, min_p, ...) are
    # sent on: self-hosted servers take them, strict hosted APIs reject them.
    extra_params: bool = False
    key_required: bool = True
    headers: dict[str, str] = field(default_factory=dict)


# A provider's model lists besides its chat ``models``, one per endpoint kind.
TYPED_MODEL_LISTS = (
    "embedding_models",
    "image_models",
    "transcription_models",
    "speech_models",
    "rerank_models",
    "moderation_models",
)


def _compatible(kind: str, label: str, base_url: str, **fields: object) -> Preset:
    """A hosted OpenAI-compatible API (``/chat/completions``, bearer key)."""
    return Preset(kind, WireFormat.OPENAI_CHAT, base_url, label, **fields)  # type: ignore[arg-type]


def _local(kind: str, label: str, base_url: str, **fields: object) -> Preset:
    """An OpenAI-compatible server on the operator's own machine: no key needed."""
    return Preset(
        kind,
        WireFormat.OPENAI_CHAT,
        base_url,
        label,
        auth=AuthStyle.NONE,
        key_required=False,
        extra_params=True,
        **fields,  # type: ignore[arg-type]
    )


PRESETS: dict[str, Preset] = {
    p.kind: p
    for p in (
        _compatible(
            "openai",
            "OpenAI",
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
            embedding_models=(
                "text-embedding-3-small",
                "text-embedding-3-large",
                "text-embedding-ada-002",
            ),
            image_models=("gpt-image-1", "dall-e-3", "dall-e-2"),
            transcription_models=("whisper-1", "gpt-4o-transcribe"),
            speech_models=("gpt-4o-mini-tts", "tts-1", "tts-1-hd"),
            moderation_models=("omni-moderation-latest", "text-moderation-latest"),
        ),
        # OpenAI's Responses API as the upstream (models served only there,
        # built-in tools); Responses clients are passed through to it.
        Preset(
            "openai-responses",
            WireFormat.RESPONSES,
            "https://api.openai.com/v1",
            "OpenAI Responses API",
            aliases=("responses",),
            models=("gpt-5", "gpt-5-mini", "gpt-5-codex", "o3-pro"),
        ),
        Preset(
            "anthropic",
            WireFormat.ANTHROPIC,
            "https://api.anthropic.com/v1",
            "Anthropic",
            auth=AuthStyle.X_API_KEY,
            aliases=("claude", "cc"),
            models=("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"),
            headers={"anthropic-version": "2023-06-01"},
        ),
        Preset(
            "gemini",
            WireFormat.GEMINI,
            "https://generativelanguage.googleapis.com/v1beta",
            "Google Gemini",
            auth=AuthStyle.GOOG_API_KEY,
            aliases=("google",),
            models=("gemini-2.5-flash", "gemini-2.5-pro"),
        ),
        _compatible(
            "openrouter",
            "OpenRouter",
            "https://openrouter.ai/api/v1",
            aliases=("or",),
            models=("openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5"),
            embedding_models=("openai/text-embedding-3-small",),
            # OpenRouter's app attribution headers.
            headers={
                "HTTP-Referer": "https://github.com/omniroute",
                "X-Title": "OmniRoute",
            },
        ),
        _compatible(
            "groq",
            "Groq",
            "https://api.groq.com/openai/v1",
            models=("llama-3.3-70b-versatile", "llama-3.1-8b-instant"),
            transcription_models=("whisper-large-v3", "whisper-large-v3-turbo"),
        ),
        _compatible(
            "together",
            "Together AI",
            "https://api.together.xyz/v1",
            models=("meta-llama/Llama-3.3-70B-Instruct-Turbo",),
            embedding_models=("BAAI/bge-large-en-v1.5",),
            image_models=("black-forest-labs/FLUX.1-schnell",),
        ),
        _compatible(
            "fireworks",
            "Fireworks AI",
            "https://api.fireworks.ai/inference/v1",
            aliases=("fw",),
            models=("accounts/fireworks/models/llama-v3p3-70b-instruct",),
            embedding_models=("nomic-ai/nomic-embed-text-v1.5",),
        ),
        _compatible(
            "mistral",
            "Mistral AI",
            "https://api.mistral.ai/v1",
            models=("mistral-large-latest", "mistral-small-latest", "codestral-latest"),
            embedding_models=("mistral-embed",),
            # Mistral rejects unknown fields and sends stream usage unasked.
            stream_usage_option=False,
        ),
        _compatible(
            "deepseek",
            "DeepSeek",
            "https://api.deepseek.com/v1",
            aliases=("ds",),
            models=("deepseek-chat", "deepseek-reasoner"),
        ),
        _compatible(
            "xai",
            "xAI",
            "https://api.x.ai/v1",
            aliases=("grok",),
            models=("grok-4", "grok-3-mini"),
            image_models=("grok-2-image",),
        ),
        _compatible(
            "nebius",
            "Nebius AI Studio",
            "https://api.studio.nebius.com/v1",
            models=("meta-llama/Llama-3.3-70B-Instruct",),
            embedding_models=("BAAI/bge-en-icl",),
            image_models=("black-forest-labs/flux-schnell",),
        ),
        _compatible(
            "nvidia",
            "NVIDIA NIM",
            "https://integrate.api.nvidia.com/v1",
            aliases=("nim",),
            models=("meta/llama-3.3-70b-instruct",),
            embedding_models=("nvidia/nv-embedqa-e5-v5",),
        ),
        _compatible(
            "cerebras",
            "Cerebras",
            "https://api.cerebras.ai/v1",
            models=("llama-3.3-70b", "llama3.1-8b"),
        ),
        _compatible(
            "github-models",
            "GitHub Models",
            "https://models.github.ai/inference",
            aliases=("gh",),
            models=("openai/gpt-4.1-mini", "openai/gpt-4o-mini"),
            embedding_models=("openai/text-embedding-3-small",),
        ),
        Preset(
            "ollama",
            WireFormat.OLLAMA,
            "http://127.0.0.1:11434",
            "Ollama (local)",
            auth=AuthStyle.NONE,
            key_required=False,
        ),
        _local("lm-studio", "LM Studio (local)", "http://127.0.0.1:1234/v1"),
        _local("vllm", "vLLM (self-hosted)", "http://127.0.0.1:8000/v1"),
        _local("llama-cpp", "llama.cpp server (local)", "http://127.0.0.1:8080/v1"),
        Preset(
            "openai-compatible",
            WireFormat.OPENAI_CHAT,
            "",
            "Any OpenAI-compatible API",
            key_required=False,
            extra_params=True,
        ),
        Preset(
            "deepgram",
            WireFormat.OPENAI_CHAT,
            "https://api.deepgram.com",
            "Deepgram (speech to text)",
            auth=AuthStyle.TOKEN,
            transcription_models=("nova-3", "nova-2"),
        ),
        Preset(
            "assemblyai",
            WireFormat.OPENAI_CHAT,
            "https://api.assemblyai.com",
            "AssemblyAI (speech to text)",
            auth=AuthStyle.RAW,
            transcription_models=("best", "nano", "universal"),
        ),
        Preset(
            "elevenlabs",
            WireFormat.OPENAI_CHAT,
            "https://api.elevenlabs.io",
            "ElevenLabs (text to speech)",
            auth=AuthStyle.XI_API_KEY,
            speech_models=("eleven_multilingual_v2", "eleven_flash_v2_5"),
        ),
        Preset(
            "cohere",
            WireFormat.OPENAI_CHAT,
            "https://api.cohere.com",
            "Cohere (rerank)",
            rerank_models=("rerank-v3.5", "rerank-english-v3.0"),
        ),
        Preset(
            "jina",
            WireFormat.OPENAI_CHAT,
            "https://api.jina.ai/v1",
            "Jina AI (rerank)",
            rerank_models=("jina-reranker-v2-base-multilingual",),
        ),
        Preset(
            "voyage",
            WireFormat.OPENAI_CHAT,
            "https://api.voyageai.com/v1",
            "Voyage AI (rerank)",
            rerank_models=("rerank-2", "rerank-2-lite"),
        ),
        Preset(
            "tei",
            WireFormat.OPENAI_CHAT,
            "http://127.0.0.1:8080",
            "Text Embeddings Inference (self-hosted rerank)",
            auth=AuthStyle.NONE,
            key_required=False,
        ),
        Preset(
            "infinity",
            WireFormat.OPENAI_CHAT,
            "http://127.0.0.1:7997",
            "Infinity (self-hosted rerank)",
            auth=AuthStyle.NONE,
            key_required=False,
        ),
        # Built in: all-MiniLM-L6-v2 run by the executor itself, offline.
        Preset(
            "local",
            WireFormat.OPENAI_CHAT,
            "local://",
            "Built-in local embeddings",
            auth=AuthStyle.NONE,
            key_required=False,
            embedding_models=("all-minilm-l6-v2",),
            # The same model scores query-document pairs by cosine similarity.
            rerank_models=("all-minilm-l6-v2",),
        ),
    )
}


def preset_for(kind: str) -> Preset:
    return PRESETS.get(kind, PRESETS["openai-compatible"])
