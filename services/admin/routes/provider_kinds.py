"""``/api/provider-kinds``: the built-in provider presets an operator picks from."""

from __future__ import annotations

from fastapi import APIRouter

from omniroute.presets import PRESETS
from services.admin.auth import Admin
from services.admin.schemas import SnakeModel

router = APIRouter(prefix="/api/provider-kinds", tags=["providers"])


class ProviderKind(SnakeModel):
    kind: str
    label: str
    format: str
    base_url: str
    auth: str
    key_required: bool
    aliases: list[str]
    models: list[str]
    embedding_models: list[str]
    image_models: list[str]
    transcription_models: list[str]
    speech_models: list[str]
    rerank_models: list[str]
    moderation_models: list[str]


class ProviderKinds(SnakeModel):
    kinds: list[ProviderKind]


@router.get("")
async def provider_kinds(_: Admin) -> ProviderKinds:
    """Every preset with its defaults: what a provider of that kind gets when
    its registration leaves a field empty."""
    return ProviderKinds(
        kinds=[
            ProviderKind(
                kind=p.kind,
                label=p.label or p.kind,
                format=str(p.format),
                base_url=p.base_url,
                auth=str(p.auth),
                key_required=p.key_required,
                aliases=list(p.aliases),
                models=list(p.models),
                embedding_models=list(p.embedding_models),
                image_models=list(p.image_models),
                transcription_models=list(p.transcription_models),
                speech_models=list(p.speech_models),
                rerank_models=list(p.rerank_models),
                moderation_models=list(p.moderation_models),
            )
            for p in PRESETS.values()
        ]
    )
