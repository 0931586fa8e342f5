"""Registers providers and keys declared in the environment, at start-up.

The environment is declarative: what it names is created or brought up to
date on every start; what was added through the API is left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniroute.base_urls import normalize_base_url
from omniroute.presets import TYPED_MODEL_LISTS, preset_for
from omniroute.runtime.crypto import hash_api_key, mask_secret, seal, seal_text
from services.admin.db.models import Account, ApiKey, Provider
from services.admin.settings import AdminSettings

log = logging.getLogger(__name__)

DEMO_MODELS = ["gpt-4o-mini", "gpt-4o", "demo-chat", "demo-think"]
# The simulator answers these too (it speaks OpenAI's media APIs).
DEMO_MEDIA = {
    "embedding_models": ["text-embedding-3-small", "gemini-embedding-001"],
    "image_models": ["gpt-image-1", "dall-e-3"],
    "transcription_models": ["whisper-1"],
    "speech_models": ["gpt-4o-mini-tts", "tts-1"],
    "rerank_models": ["rerank-v3.5"],
    "moderation_models": ["omni-moderation-latest"],
}
# The simulator speaks every provider format, so the demo registers it once
# per format (same-format pass-through is then what a new user exercises),
# with the model names each client asks for by default: Claude Code 2.1.x
# (claude-opus-5-5, and claude-haiku-5-5 for its quick calls), Codex 0.171
# (gpt-6.2-sol), and the names google-genai's and Ollama's examples use.
DEMO_FORMATS = {
    "demo-anthropic": (
        "anthropic",
        [
            "claude-opus-5-5",
            "claude-sonnet-5-5",
            "claude-haiku-5-5",
            "claude-opus-4-6",
            "claude-sonnet-4-6",
            "claude-haiku-4-5",
        ],
    ),
    "demo-gemini": ("gemini", ["gemini-2.5-flash", "gemini-2.5-pro"]),
    "demo-responses": ("openai-responses", ["gpt-6.2-sol", "gpt-5-codex"]),
    "demo-ollama": ("ollama", ["llama3.2", "qwen2.5-coder"]),
}


@dataclass(frozen=True, slots=True)
class DeclaredProvider:
    id: str
    kind: str
    base_url: str
    credential: str
    models: list[str]
    source: str = "env"
    embedding_models: tuple[str, ...] = ()
    image_models: tuple[str, ...] = ()
    transcription_models: tuple[str, ...] = ()
    speech_models: tuple[str, ...] = ()
    rerank_models: tuple[str, ...] = ()
    moderation_models: tuple[str, ...] = ()


def declared_providers(settings: AdminSettings) -> list[DeclaredProvider]:
    declared: list[DeclaredProvider] = []
    pairs = [
        ("openai", settings.openai_api_key, settings.openai_base_url),
        ("anthropic", settings.anthropic_api_key, settings.anthropic_base_url),
        ("gemini", settings.gemini_api_key, settings.gemini_base_url),
    ]
    for kind, key, base_url in pairs:
        if key is not None or base_url:
            preset = preset_for(kind)
            declared.append(
                DeclaredProvider(
                    kind,
                    kind,
                    base_url or preset.base_url,
                    key.get_secret_value() if key else "",
                    list(preset.models),
                    embedding_models=preset.embedding_models,
                    image_models=preset.image_models,
                    transcription_models=preset.transcription_models,
                    speech_models=preset.speech_models,
                    rerank_models=preset.rerank_models,
                    moderation_models=preset.moderation_models,
                )
            )
    ollama = settings.ollama_base_url or settings.ollama_host
    if ollama:
        declared.append(DeclaredProvider("ollama", "ollama", ollama, "", []))
    if settings.demo_provider_url:
        declared += demo_providers(settings.demo_provider_url)
    return declared


def demo_providers(simulator_url: str) -> list[DeclaredProvider]:
    """The simulator at ``simulator_url`` (its root) once per provider format."""
    demo = DeclaredProvider(
        "demo",
        "openai-compatible",
        simulator_url.rstrip("/") + "/v1",
        "sk-demo",
        DEMO_MODELS,
        source="demo",
        embedding_models=tuple(DEMO_MEDIA["embedding_models"]),
        image_models=tuple(DEMO_MEDIA["image_models"]),
        transcription_models=tuple(DEMO_MEDIA["transcription_models"]),
        speech_models=tuple(DEMO_MEDIA["speech_models"]),
        rerank_models=tuple(DEMO_MEDIA["rerank_models"]),
        moderation_models=tuple(DEMO_MEDIA["moderation_models"]),
    )
    # The root URL, as each SDK's own base-URL variable would hold it: the
    # normalisation at registration adds the version segment a format needs.
    return [demo] + [
        DeclaredProvider(pid, kind, simulator_url, "sk-demo", models, source="demo")
        for pid, (kind, models) in DEMO_FORMATS.items()
    ]


async def ensure_local_provider(session: AsyncSession) -> None:
    """The built-in ``local`` embedding provider: created once, then the
    operator's to disable or change like any other."""
    if await session.get(Provider, "local") is not None:
        return
    preset = preset_for("local")
    session.add(
        Provider(
            id="local",
            kind="local",
            format=str(preset.format),
            base_url=preset.base_url,
            display_name="Local embeddings (all-MiniLM-L6-v2, offline)",
            models=[],
            embedding_models=list(preset.embedding_models),
            image_models=[],
            transcription_models=[],
            speech_models=[],
            rerank_models=list(preset.rerank_models),
            moderation_models=[],
            aliases=[],
            source="builtin",
            enabled=True,
            accounts=[Account(id="local-1", name="built in", priority=1, enabled=True)],
        )
    )


async def bootstrap(
    sessions: async_sessionmaker[AsyncSession], settings: AdminSettings
) -> None:
    async with sessions() as session, session.begin():
        if settings.local_embeddings:
            await ensure_local_provider(session)
        for declared in declared_providers(settings):
            await _upsert_provider(session, declared, settings.secret)
        for index, key in enumerate(_split(settings.api_keys)):
            await _upsert_key(session, settings.secret, key, f"env-{index + 1}", [])
        for index, key in enumerate(_split(settings.admin_api_keys)):
            await _upsert_key(
                session, settings.secret, key, f"env-admin-{index + 1}", ["admin"]
            )
        await _seal_headers(session, settings.secret)


async def _seal_headers(session: AsyncSession, secret: bytes) -> None:
    """Seals provider header values stored in clear (by a version that did
    not seal them, or in a restored backup of one); sealed ones stay."""
    for provider in await session.scalars(select(Provider)):
        headers = provider.headers or {}
        sealed = {k: seal_text(secret, str(v)) for k, v in headers.items()}
        if sealed != headers:
            provider.headers = sealed


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


async def _upsert_provider(
    session: AsyncSession, declared: DeclaredProvider, secret: bytes
) -> None:
    preset = preset_for(declared.kind)
    provider = await session.get(Provider, declared.id)
    if provider is None:
        provider = Provider(id=declared.id, models=declared.models, aliases=[])
        session.add(provider)
    provider.kind = declared.kind
    provider.format = str(preset.format)
    provider.base_url = normalize_base_url(preset.format, declared.base_url)
    provider.source = declared.source
    provider.enabled = True
    provider.aliases = list(provider.aliases or preset.aliases)
    provider.models = list(provider.models or declared.models)
    for kind in TYPED_MODEL_LISTS:
        if not getattr(provider, kind):
            setattr(provider, kind, list(getattr(declared, kind)))
    account_id = f"{declared.id}-env"
    account = await session.get(Account, account_id)
    if account is None:
        account = Account(
            id=account_id, provider_id=declared.id, name="from environment"
        )
        session.add(account)
    account.sealed_credential = seal(secret, declared.credential)
    account.credential_hint = (
        mask_secret(declared.credential) if declared.credential else ""
    )
    account.enabled = True
    log.info(
        "provider registered from the environment", extra={"provider": declared.id}
    )


async def _upsert_key(
    session: AsyncSession, secret: bytes, key: str, name: str, scopes: list[str]
) -> None:
    digest = hash_api_key(secret, key)
    existing = await session.scalar(select(ApiKey).where(ApiKey.key_hmac == digest))
    if existing is None:
        session.add(
            ApiKey(
                id="key_" + digest.hex()[:12],
                name=name,
                key_hmac=digest,
                prefix=key[:8],
                scopes=scopes,
                allowed_models=[],
                source="env",
            )
        )
    else:
        existing.scopes = sorted({*existing.scopes, *scopes})
        existing.revoked_at = None
