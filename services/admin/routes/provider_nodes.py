"""``/api/provider-nodes``: custom OpenAI- or Anthropic-compatible endpoints.

A node is a provider like any other (kind ``openai-compatible`` or
``anthropic``, its prefix as id), registered with ``source: node`` so this
view lists only the nodes.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, SecretStr, field_validator
from sqlalchemy import select

from omniroute.errors import BadRequest, NotFound
from services.admin.audit import change
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import Provider
from services.admin.routes.providers import PROVIDER_ID, ProviderIn, apply
from services.admin.schemas import CamelModel

router = APIRouter(prefix="/api/provider-nodes", tags=["providers"])
NodeType = Literal["openai-compatible", "anthropic-compatible"]
ApiType = Literal[
    "chat",
    "responses",
    "embeddings",
    "audio-transcriptions",
    "audio-speech",
    "images-generations",
]
_KIND = {"openai-compatible": "openai-compatible", "anthropic-compatible": "anthropic"}
# Which of a provider's model lists a node's models go to, by its apiType.
_MODEL_LIST = {
    "embeddings": "embedding_models",
    "images-generations": "image_models",
    "audio-transcriptions": "transcription_models",
}


class NodeIn(CamelModel):
    type: NodeType = "openai-compatible"
    name: str = Field("", max_length=128)
    prefix: str = Field(description="Provider id and model-name prefix")
    base_url: str = Field(max_length=512)
    api_type: ApiType = Field(
        "chat", description="The original's: which API the endpoint serves"
    )
    api_key: SecretStr | None = Field(None, max_length=8192)
    models: list[str] = Field(default_factory=list, max_length=5000)
    enabled: bool = True

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not PROVIDER_ID.match(value):
            raise ValueError("use 1-64 lowercase letters, digits, '.', '_' or '-'")
        return value


class NodeOut(CamelModel):
    id: str
    type: str
    name: str
    prefix: str
    base_url: str
    api_type: str
    api_key: str = Field(description="Masked")
    models: list[str]
    enabled: bool

    @classmethod
    def of(cls, provider: Provider) -> NodeOut:
        account = provider.accounts[0] if provider.accounts else None
        return cls(
            id=provider.id,
            type="anthropic-compatible"
            if provider.kind == "anthropic"
            else "openai-compatible",
            name=provider.display_name,
            prefix=provider.id,
            base_url=provider.base_url,
            api_type=_api_type(provider),
            api_key=account.credential_hint if account else "",
            models=list(provider.models),
            enabled=provider.enabled,
        )


class NodeList(BaseModel):
    nodes: list[NodeOut]


class NodeAnswer(BaseModel):
    """The original's envelope, ``{"node": {...}}``."""

    node: NodeOut


def _api_type(provider: Provider) -> str:
    if provider.kind == "openai-responses":
        return "responses"
    for api_type, field in _MODEL_LIST.items():
        if getattr(provider, field) and not provider.models:
            return api_type
    return "chat"


def _provider_body(node: NodeIn) -> ProviderIn:
    kind = _KIND[node.type]
    if node.api_type == "responses" and node.type == "openai-compatible":
        kind = "openai-responses"
    models = {"models": node.models}
    if node.api_type in _MODEL_LIST:
        models = {_MODEL_LIST[node.api_type]: node.models}
    return ProviderIn(
        id=node.prefix,
        kind=kind,
        base_url=node.base_url,
        api_key=node.api_key,
        aliases=[],
        display_name=node.name or node.prefix,
        enabled=node.enabled,
        **models,
    )


async def _node(session: object, node_id: str) -> Provider:
    provider = await session.get(Provider, node_id)  # type: ignore[attr-defined]
    if not isinstance(provider, Provider) or provider.source != "node":
        raise NotFound(f"no provider node '{node_id}'", code="not_found")
    return provider


def _details(node: NodeIn) -> dict[str, object]:
    return node.model_dump(mode="json", exclude={"api_key"})


@router.get("")
async def list_nodes(ctx: Ctx, _: Admin) -> NodeList:
    """Every custom endpoint, as ``{"nodes": [...]}``."""
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(Provider).where(Provider.source == "node").order_by(Provider.id)
        )
        return NodeList(nodes=[NodeOut.of(p) for p in rows])


@router.post("", status_code=201)
async def create_node(ctx: Ctx, body: NodeIn, actor: Admin) -> NodeAnswer:
    """Registers a custom endpoint as a provider named by its prefix."""
    async with change(
        ctx, actor, "provider_node.create", body.prefix, _details(body)
    ) as c:
        if await c.session.get(Provider, body.prefix) is not None:
            raise BadRequest(
                f"prefix: a provider named '{body.prefix}' exists", param="prefix"
            )
        provider = Provider(id=body.prefix, source="node")
        c.session.add(provider)
        apply(provider, _provider_body(body), ctx.settings.secret)
        await c.session.flush()
        await c.session.refresh(provider, ["accounts"])
        result = NodeAnswer(node=NodeOut.of(provider))
    return result


@router.get("/{node_id}")
async def get_node(ctx: Ctx, node_id: str, _: Admin) -> NodeAnswer:
    """One custom endpoint."""
    async with ctx.sessions() as session:
        return NodeAnswer(node=NodeOut.of(await _node(session, node_id)))


@router.put("/{node_id}")
async def update_node(ctx: Ctx, node_id: str, body: NodeIn, actor: Admin) -> NodeAnswer:
    """Changes a custom endpoint; its prefix cannot change (delete and re-add)."""
    if body.prefix != node_id:
        raise BadRequest("prefix: differs from the node in the path", param="prefix")
    async with change(ctx, actor, "provider_node.update", node_id, _details(body)) as c:
        provider = await _node(c.session, node_id)
        apply(provider, _provider_body(body), ctx.settings.secret)
        await c.session.flush()
        await c.session.refresh(provider, ["accounts"])
        result = NodeAnswer(node=NodeOut.of(provider))
    return result


@router.delete("/{node_id}", status_code=204)
async def delete_node(ctx: Ctx, node_id: str, actor: Admin) -> Response:
    """Removes a custom endpoint."""
    async with change(ctx, actor, "provider_node.delete", node_id) as c:
        await c.session.delete(await _node(c.session, node_id))
    return Response(status_code=204)
