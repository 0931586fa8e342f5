"""The model catalog: every model by provider and type, aliases and combos."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.admin.db.models import Combo, CustomModel, ModelAlias, Provider

# Custom models say their API format; configured ones are guessed by name.
_FORMAT_TYPE = {
    "chat-completions": "chat",
    "responses": "chat",
    "embeddings": "embedding",
    "rerank": "rerank",
    "audio-transcriptions": "audio",
    "audio-speech": "speech",
    "images-generations": "image",
}
_NAME_HINTS = (
    ("embed", "embedding"),
    ("dall-e", "image"),
    ("gpt-image", "image"),
    ("imagen", "image"),
    ("whisper", "audio"),
    ("transcribe", "audio"),
    ("nova-", "audio"),
    ("tts", "speech"),
    ("rerank", "rerank"),
)


def model_type(name: str) -> str:
    lowered = name.lower()
    for hint, kind in _NAME_HINTS:
        if hint in lowered:
            return kind
    return "chat"


async def build_catalog(session: AsyncSession) -> dict[str, Any]:
    custom: dict[str, list[CustomModel]] = defaultdict(list)
    for row in await session.scalars(select(CustomModel).order_by(CustomModel.id)):
        custom[row.provider_id].append(row)
    providers = []
    count = 0
    for provider in await session.scalars(select(Provider).order_by(Provider.id)):
        models: list[dict[str, Any]] = [
            {
                "id": f"{provider.id}/{m}",
                "model": m,
                "type": model_type(m),
                "source": "configured",
            }
            for m in provider.models
        ]
        known = set(provider.models)
        models += [
            {
                "id": f"{provider.id}/{row.model_id}",
                "model": row.model_id,
                "type": _FORMAT_TYPE.get(row.api_format, "chat"),
                "source": "custom",
                "name": row.name,
            }
            for row in custom[provider.id]
            if row.model_id not in known
        ]
        count += len(models)
        by_type: dict[str, int] = defaultdict(int)
        for model in models:
            by_type[model["type"]] += 1
        providers.append(
            {
                "id": provider.id,
                "kind": provider.kind,
                "format": provider.format,
                "enabled": provider.enabled,
                "aliases": list(provider.aliases),
                "models": models,
                "types": dict(by_type),
            }
        )
    aliases = [
        {"alias": a.alias, "target": a.target}
        for a in await session.scalars(select(ModelAlias).order_by(ModelAlias.alias))
    ]
    combos = [
        {
            "name": c.name,
            "strategy": c.strategy,
            "enabled": c.enabled,
            "members": [m.get("model") for m in c.members],
        }
        for c in await session.scalars(select(Combo).order_by(Combo.name))
    ]
    return {
        "providers": providers,
        "aliases": aliases,
        "combos": combos,
        "count": count,
    }
