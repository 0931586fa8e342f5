"""``/api/providers/{id}/test``, ``/models`` and ``/api/providers/validate``:
real calls to a provider, behind the outbound address guard."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field, SecretStr

from omniroute.errors import BadRequest, UpstreamError
from omniroute.presets import preset_for
from omniroute.runtime.crypto import unseal, unseal_text
from omniroute.wire.formats import WireFormat
from services.admin import gateway_config as gc
from services.admin import outbound
from services.admin.auth import Admin
from services.admin.context import AdminContext, Ctx
from services.admin.db.models import Provider
from services.admin.provider_probe import (
    ProbeError,
    ProbeResult,
    ProviderSpec,
    list_models,
    probe,
)
from services.admin.routes.providers import check_base_url, get
from services.admin.schemas import CamelModel, SnakeModel

router = APIRouter(prefix="/api/providers", tags=["providers"])


class TestIn(SnakeModel):
    model: str | None = Field(
        None,
        max_length=256,
        description="Send a one-token chat to this model; without it the "
        "provider's model list is fetched",
    )
    account_id: str | None = Field(
        None, description="Test this account; default the first enabled one"
    )


class TestOut(CamelModel):
    ok: bool
    status: int = Field(description="The provider's HTTP status; 0 if unreachable")
    latency_ms: float
    error: str = ""
    account: str = ""


class ModelsOut(BaseModel):
    provider: str
    models: list[str]
    source: str = Field(description="'provider' (fetched) or 'configured' (fallback)")
    error: str = ""


class ValidateIn(SnakeModel):
    kind: str = "openai-compatible"
    base_url: str = Field("", max_length=512)
    api_key: SecretStr | None = Field(None, max_length=8192)
    headers: dict[str, str] = Field(default_factory=dict, max_length=50)
    model: str | None = Field(None, max_length=256)


class ValidateOut(CamelModel):
    valid: bool
    status: int
    latency_ms: float
    error: str = ""
    models: list[str] = Field(default_factory=list)


async def _proxy(ctx: AdminContext) -> str:
    async with ctx.sessions() as session:
        proxy = await gc.load(session, gc.ProxyConfig)
    return proxy.active_url(ctx.settings.secret)


def _spec(provider: Provider, credential: str, secret: bytes) -> ProviderSpec:
    return ProviderSpec(
        kind=provider.kind,
        format=WireFormat(provider.format),
        base_url=provider.base_url,
        credential=credential,
        headers={
            str(k): unseal_text(secret, str(v)) for k, v in provider.headers.items()
        },
    )


async def _provider_spec(
    ctx: AdminContext, provider_id: str, account_id: str | None
) -> tuple[ProviderSpec, str]:
    async with ctx.sessions() as session:
        provider = await get(session, provider_id)
        accounts = [
            a
            for a in provider.accounts
            if (a.id == account_id if account_id else a.enabled)
        ]
        if account_id and not accounts:
            raise BadRequest(
                f"account_id: provider '{provider_id}' has no account '{account_id}'",
                param="account_id",
            )
        account = accounts[0] if accounts else None
        credential = (
            unseal(ctx.settings.secret, account.sealed_credential) if account else ""
        )
        return _spec(provider, credential, ctx.settings.secret), (
            account.id if account else ""
        )


async def _run(ctx: AdminContext, spec: ProviderSpec, model: str | None) -> ProbeResult:
    await outbound.check_url(spec.base_url, "base_url")
    async with outbound.client(ctx.settings.probe_timeout_s, await _proxy(ctx)) as http:
        return await probe(http, spec, model)


@router.post("/validate")
async def validate_provider(ctx: Ctx, body: ValidateIn, _: Admin) -> ValidateOut:
    """Checks a provider configuration and credential without saving anything."""
    base_url = check_base_url(body.kind, body.base_url)
    spec = ProviderSpec(
        kind=body.kind,
        format=preset_for(body.kind).format,
        base_url=base_url,
        credential=body.api_key.get_secret_value() if body.api_key else "",
        headers=body.headers,
    )
    result = await _run(ctx, spec, body.model)
    return ValidateOut(
        valid=result.ok,
        status=result.status,
        latency_ms=result.latency_ms,
        error=result.error,
        models=result.models,
    )


@router.post("/{provider_id}/test")
async def test_provider(
    ctx: Ctx, provider_id: str, _: Admin, body: TestIn | None = None
) -> TestOut:
    """A real minimal call to the provider with one of its accounts.

    A one-token chat when ``model`` is given, else the provider's model list
    (free, and enough to check the credential). A provider that has no model
    list endpoint is retried with a one-token chat to its first model.
    """
    body = body or TestIn()
    spec, account = await _provider_spec(ctx, provider_id, body.account_id)
    result = await _run(ctx, spec, body.model)
    if not result.ok and not body.model and result.status in (404, 405):
        async with ctx.sessions() as session:
            models = (await get(session, provider_id)).models
        if models:
            result = await _run(ctx, spec, models[0])
    return TestOut(
        ok=result.ok,
        status=result.status,
        latency_ms=result.latency_ms,
        error=result.error,
        account=account,
    )


@router.get("/{provider_id}/models")
async def provider_models(ctx: Ctx, provider_id: str, _: Admin) -> ModelsOut:
    """The models the provider itself lists (OpenAI/Anthropic ``GET /models``,
    Gemini ``GET /models``, Ollama ``GET /api/tags``).

    When the provider cannot be asked, the configured list is returned with
    ``source: configured`` and the reason in ``error``; a provider that
    answers with an error is a 502.
    """
    spec, _account = await _provider_spec(ctx, provider_id, None)
    await outbound.check_url(spec.base_url, "base_url")
    try:
        async with outbound.client(
            ctx.settings.probe_timeout_s, await _proxy(ctx)
        ) as http:
            models = await list_models(http, spec)
    except ProbeError as exc:
        raise UpstreamError(
            f"provider '{provider_id}' refused the model list: {exc.message}",
            code="provider_error",
        ) from None
    except Exception as exc:  # transport failures of any kind
        async with ctx.sessions() as session:
            configured = list((await get(session, provider_id)).models)
        return ModelsOut(
            provider=provider_id,
            models=configured,
            source="configured",
            error=f"{exc.__class__.__name__}: {exc}"[:300],
        )
    return ModelsOut(provider=provider_id, models=models, source="provider")
