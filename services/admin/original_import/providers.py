"""Provider connections and provider nodes into our providers and accounts.

A node (a custom OpenAI- or Anthropic-compatible endpoint) becomes a
provider whose id is the node's prefix, the name clients already put in
front of its models. A connection becomes an account of the provider it
belongs to: a node's, or a built-in provider of the same id (``openai``,
``anthropic``, ...). Credentials are opened with the original's storage key
here and sealed under ours by the writer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from omniroute.base_urls import normalize_base_url
from omniroute.presets import PRESETS, preset_for
from services.admin.original_import.decryption import FieldDecryptor
from services.admin.original_import.plan import (
    AccountPlan,
    CustomModelPlan,
    ProviderPlan,
)
from services.admin.original_import.records import Connection, Node, OriginalData
from services.admin.original_import.report import Report

# The API-key providers of the original whose id names the same service
# here; every other original provider (OAuth subscriptions, web-cookie
# providers, the ~120 other hosted APIs) has no preset to become.
SAME_PROVIDERS = frozenset(
    {
        "openai",
        "anthropic",
        "gemini",
        "openrouter",
        "groq",
        "together",
        "fireworks",
        "mistral",
        "deepseek",
        "xai",
        "nebius",
        "nvidia",
        "cerebras",
        "lm-studio",
        "vllm",
        "deepgram",
        "assemblyai",
    }
)
PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_ACCOUNT_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
# A node's models are its custom models: their apiFormat decides which of
# the provider's lists they join (services.admin.snapshot.CUSTOM_MODEL_KINDS).
_DEFAULT_CHAT_PATHS = ("", "/chat/completions", "/v1/chat/completions")


@dataclass
class ProviderMap:
    """The original's provider references (ids, node ids, node prefixes)
    -> our provider ids, and every prefix a model string may use here."""

    ours: dict[str, str] = field(default_factory=dict)
    # Provider ids and aliases known here (existing or imported).
    prefixes: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)

    def of(self, reference: str) -> str | None:
        return self.ours.get(reference)

    def model(self, value: str) -> str:
        """A model string of the original as ours spells it (node ids become
        the node's prefix)."""
        prefix, slash, rest = value.partition("/")
        if slash and rest and prefix in self.ours:
            return f"{self.ours[prefix]}/{rest}"
        return value


def account_id(connection_id: str) -> str:
    """Stable across runs, so a second migration finds the same account."""
    return "orig-" + _ACCOUNT_UNSAFE.sub("-", connection_id)[:58]


def _node_kind(node: Node) -> tuple[str | None, str]:
    """Our kind for a node, or None and why not."""
    if node.type.startswith("anthropic-compatible"):
        return "anthropic", ""
    if node.type != "openai-compatible":
        return None, f"node type '{node.type}' has no equivalent here"
    if node.api_type == "audio-speech":
        return None, "text-to-speech endpoints have no provider list here"
    if node.api_type == "responses":
        return "openai-responses", ""
    return "openai-compatible", ""


def _node_plan(node: Node, report: Report) -> ProviderPlan | None:
    row = f"{node.prefix or node.id} ({node.id})"
    if not PROVIDER_ID.match(node.prefix):
        report.skip(
            "providers",
            row,
            f"prefix '{node.prefix}' is not a provider id here (1-64 lowercase "
            "letters, digits, '.', '_' or '-'); re-create it with POST "
            "/api/provider-nodes",
        )
        return None
    kind, why = _node_kind(node)
    if kind is None:
        report.skip("providers", row, why)
        return None
    preset = preset_for(kind)
    base_url = normalize_base_url(preset.format, node.base_url)
    if not base_url.startswith(("http://", "https://")) or len(base_url) > 512:
        report.skip(
            "providers", row, f"base URL '{node.base_url[:600]}' is not a usable URL"
        )
        return None
    if kind == "anthropic" and not node.base_url.rstrip("/").endswith(
        ("/v1", "/v1/messages")
    ):
        report.note(
            "providers",
            row,
            f"the original called {node.base_url.rstrip('/')}/messages; this "
            f"gateway calls {base_url}/messages",
        )
    if node.type == "anthropic-compatible-cc":
        report.note(
            "providers", row, "Claude Code compatibility mode is not reproduced"
        )
    if node.chat_path not in _DEFAULT_CHAT_PATHS or node.models_path:
        report.note(
            "providers",
            row,
            f"custom paths (chat {node.chat_path or '-'}, models "
            f"{node.models_path or '-'}) are not supported; the standard paths "
            "are used",
        )
    return ProviderPlan(
        id=node.prefix,
        kind=kind,
        format=str(preset.format),
        base_url=base_url,
        display_name=(node.name or node.prefix)[:128],
        source="node",
    )


def _preset_plan(
    provider: str, connections: list[Connection], report: Report
) -> ProviderPlan:
    preset = PRESETS[provider]
    urls = {
        str(c.specific.get("baseUrl") or "").strip()
        for c in connections
        if c.specific.get("baseUrl")
    }
    base_url = preset.base_url
    if urls:
        chosen = sorted(urls)[0]
        base_url = normalize_base_url(preset.format, chosen) or preset.base_url
        if len(urls) > 1:
            report.note(
                "providers",
                provider,
                f"its connections use several base URLs; {chosen} is used for all",
            )
    return ProviderPlan(
        id=provider,
        kind=provider,
        format=str(preset.format),
        base_url=base_url,
        display_name=preset.label,
        source="original",
        models=list(preset.models),
        embedding_models=list(preset.embedding_models),
        image_models=list(preset.image_models),
        transcription_models=list(preset.transcription_models),
        aliases=list(preset.aliases),
    )


def _row(connection: Connection) -> str:
    return (
        f"{connection.name or connection.id} ({connection.provider}, {connection.id})"
    )


def _sign_in(connection: Connection) -> str:
    return (
        f"a '{connection.auth_type}' connection: subscription sign-in (OAuth, "
        "cookies) is not supported here (docs/architecture.md §8); add the "
        "provider's API key as an account instead"
    )


def _account(
    connection: Connection, decryptor: FieldDecryptor, report: Report
) -> AccountPlan | None:
    row = _row(connection)
    if connection.auth_type != "apikey":
        report.skip("accounts", row, _sign_in(connection))
        return None
    credential = decryptor.open(connection.api_key)
    if credential is None:
        hint = (
            "the STORAGE_ENCRYPTION_KEY given does not open it"
            if decryptor.has_key
            else "no STORAGE_ENCRYPTION_KEY was found (the data dir's .env, "
            "--storage-key or the STORAGE_ENCRYPTION_KEY variable)"
        )
        report.skip("accounts", row, f"its API key is encrypted and {hint}")
        return None
    if connection.default_model:
        report.note(
            "accounts",
            row,
            f"default model '{connection.default_model}' is not kept: a bare "
            "model name is sent upstream as it is",
        )
    for column, value in connection.unmapped.items():
        report.note("accounts", row, f"{column}={value!r} has no equivalent")
    return AccountPlan(
        id=account_id(connection.id),
        name=(connection.name or "default")[:128],
        credential=credential,
        priority=max(1, min(1000, connection.priority or 1)),
        enabled=connection.active,
    )


def _custom_models(
    data: OriginalData, mapping: ProviderMap, report: Report
) -> list[CustomModelPlan]:
    plans: list[CustomModelPlan] = []
    for reference, models in data.custom_models.items():
        ours = mapping.of(reference)
        for entry in models:
            model_id = str(entry.get("id") or "") if isinstance(entry, dict) else ""
            row = f"{reference}/{model_id or '?'}"
            if ours is None:
                report.skip("custom_models", row, "its provider was not imported")
                continue
            if (
                not model_id
                or len(model_id) > 256
                or any(c.isspace() for c in model_id)
            ):
                report.skip("custom_models", row, "no usable model id")
                continue
            plans.append(
                CustomModelPlan(
                    provider_id=ours,
                    model_id=model_id,
                    name=str(entry.get("name") or "")[:256],
                    api_format=str(entry.get("apiFormat") or "chat-completions")[:32],
                )
            )
    return plans


def map_providers(
    data: OriginalData,
    decryptor: FieldDecryptor,
    existing_prefixes: set[str],
    report: Report,
) -> tuple[list[ProviderPlan], list[CustomModelPlan], ProviderMap]:
    """Our providers (with accounts) and custom models, and the id map."""
    mapping = ProviderMap(prefixes=set(existing_prefixes))
    plans: dict[str, ProviderPlan] = {}
    for node in data.nodes:
        plan = _node_plan(node, report)
        if plan is None:
            continue
        if plan.id in plans:
            report.skip(
                "providers", node.id, f"another node already has prefix '{plan.id}'"
            )
            continue
        plans[plan.id] = plan
        mapping.ours[node.id] = plan.id
        mapping.ours[node.prefix] = plan.id
    by_provider: dict[str, list[Connection]] = {}
    for connection in data.connections:
        by_provider.setdefault(connection.provider, []).append(connection)
    for provider, connections in by_provider.items():
        target = mapping.of(provider)
        if target is None and provider in SAME_PROVIDERS:
            plans[provider] = _preset_plan(provider, connections, report)
            target = mapping.ours[provider] = provider
        if target is None:
            reason = (
                "its provider node was not imported"
                if provider.startswith(("openai-compatible-", "anthropic-compatible-"))
                else f"no provider '{provider}' here (this gateway has presets for "
                "API-key providers only: " + ", ".join(sorted(SAME_PROVIDERS)) + ")"
            )
            for connection in connections:
                why = (
                    reason if connection.auth_type == "apikey" else _sign_in(connection)
                )
                report.skip("accounts", _row(connection), why)
            continue
        for connection in connections:
            account = _account(connection, decryptor, report)
            if account is not None:
                plans[target].accounts.append(account)
                mapping.accounts.add(account.id)
    for plan in [p for p in plans.values() if p.source == "original"]:
        if not plan.accounts:
            # A built-in provider is worth nothing here without a credential;
            # a node is kept (it is configuration of its own).
            report.skip("providers", plan.id, "none of its connections was imported")
            del plans[plan.id]
            mapping.ours.pop(plan.id, None)
    for plan in plans.values():
        mapping.prefixes.add(plan.id)
        mapping.prefixes.update(plan.aliases)
    return list(plans.values()), _custom_models(data, mapping, report), mapping
