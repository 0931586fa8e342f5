"""The admin database: the source of truth every other service follows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    validates,
)

from omniroute import outbound_policy

# The in-process embedding provider's base URL: no network call at all.
LOCAL_SCHEME = "local://"


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Provider(Base):
    __tablename__ = "providers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(32))
    base_url: Mapped[str] = mapped_column(String(512), default="")
    display_name: Mapped[str] = mapped_column(String(128), default="")
    aliases: Mapped[list[str]] = mapped_column(default=list)
    models: Mapped[list[str]] = mapped_column(default=list)
    # Models of other kinds (for /v1/embeddings, images, transcriptions,
    # speech, rerank and moderations).
    embedding_models: Mapped[list[str]] = mapped_column(default=list)
    image_models: Mapped[list[str]] = mapped_column(default=list)
    transcription_models: Mapped[list[str]] = mapped_column(default=list)
    speech_models: Mapped[list[str]] = mapped_column(default=list)
    rerank_models: Mapped[list[str]] = mapped_column(default=list)
    moderation_models: Mapped[list[str]] = mapped_column(default=list)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # "env", "demo" or "api": who registered it (env ones are re-synced at start).
    source: Mapped[str] = mapped_column(String(16), default="api")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    accounts: Mapped[list[Account]] = relationship(
        back_populates="provider",
        cascade="all, delete-orphan",
        order_by="Account.priority",
        lazy="selectin",
    )

    @validates("base_url")
    def _outbound(self, _: str, value: str) -> str:
        """Every way a provider is registered (the API, nodes, imports,
        restores) stores its URL through here: the outbound policy holds."""
        if value and not value.startswith(LOCAL_SCHEME):
            outbound_policy.check(value, "base_url")
        return value


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_id: Mapped[str] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(128), default="")
    # AES-GCM sealed; see omniroute.runtime.crypto.
    sealed_credential: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    credential_hint: Mapped[str] = mapped_column(String(32), default="")
    priority: Mapped[int] = mapped_column(Integer, default=1)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    provider: Mapped[Provider] = relationship(back_populates="accounts")


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    key_hmac: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    # The first characters of the key, to recognise it in lists.
    prefix: Mapped[str] = mapped_column(String(16), default="")
    scopes: Mapped[list[str]] = mapped_column(default=list)
    allowed_models: Mapped[list[str]] = mapped_column(default=list)
    rpm_limit: Mapped[int] = mapped_column(Integer, default=0)
    tpm_limit: Mapped[int] = mapped_column(BigInteger, default=0)
    # The original OmniRoute's opt-out of content logging. No key's prompts
    # or answers are ever logged here; the flag is kept, shown and migrated.
    no_log: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    source: Mapped[str] = mapped_column(String(16), default="api")
    revoked_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class UsageRecord(Base):
    """One client request, from the edge's usage event."""

    __tablename__ = "usage_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    )
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    api_key_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    endpoint: Mapped[str] = mapped_column(String(128), default="")
    client_format: Mapped[str] = mapped_column(String(32), default="")
    requested_model: Mapped[str] = mapped_column(String(256), default="")
    provider_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    account_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    model: Mapped[str] = mapped_column(String(256), default="")
    status: Mapped[int] = mapped_column(Integer)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    completion_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    total_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cached_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    # Prompt-cache writes (not part of prompt_tokens), and the one-hour part.
    cache_creation_tokens: Mapped[int] = mapped_column(
        BigInteger, default=0, server_default="0"
    )
    cache_creation_1h_tokens: Mapped[int] = mapped_column(
        BigInteger, default=0, server_default="0"
    )
    # USD the provider's prompt cache saved (reads at the input price less
    # what they cost).
    cache_saved_usd: Mapped[float] = mapped_column(
        Float, default=0.0, server_default="0"
    )
    reasoning_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    upstream_latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    ttft_ms: Mapped[float] = mapped_column(Float, default=0.0)
    stream: Mapped[bool] = mapped_column(Boolean, default=False)
    cache: Mapped[str] = mapped_column(String(16), default="")
    fallbacks: Mapped[int] = mapped_column(Integer, default=0)
    # Upstream calls made; of those, calls an executor that died had begun
    # before the request was taken over and run again (cost_usd counts them).
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    interrupted_calls: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )
    error_message: Mapped[str] = mapped_column(Text, default="")
    # From the price book; None when the model has no price.
    cost_usd: Mapped[float | None] = mapped_column(Float, nullable=True, default=None)
    session_id: Mapped[str] = mapped_column(String(128), default="", server_default="")
    # "chat", "embeddings", "images" or "audio".
    kind: Mapped[str] = mapped_column(String(16), default="chat", server_default="chat")


class ConfigState(Base):
    """One row: the version of the configuration snapshot last published."""

    __tablename__ = "config_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Setting(Base):
    """One group of gateway settings (or an auth value) as JSON, by key."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Combo(Base):
    """A named virtual model: members tried according to a strategy."""

    __tablename__ = "combos"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    strategy: Mapped[str] = mapped_column(String(32), default="priority")
    # [{"model": str, "weight": int}], in the configured order.
    members: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ModelAlias(Base):
    __tablename__ = "model_aliases"

    alias: Mapped[str] = mapped_column(String(256), primary_key=True)
    target: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ModelPrice(Base):
    """An operator price (USD per million tokens); overrides the built-in one."""

    __tablename__ = "model_prices"
    __table_args__ = (UniqueConstraint("provider", "model"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Empty: the model at every provider.
    provider: Mapped[str] = mapped_column(String(64), default="")
    model: Mapped[str] = mapped_column(String(256))
    input: Mapped[float] = mapped_column(Float, default=0.0)
    output: Mapped[float] = mapped_column(Float, default=0.0)
    cached_input: Mapped[float] = mapped_column(Float, default=0.0)
    cache_write: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    cache_write_1h: Mapped[float] = mapped_column(
        Float, default=0.0, server_default="0"
    )


class Budget(Base):
    """A spending limit of one API key per UTC calendar period."""

    __tablename__ = "budgets"

    key_id: Mapped[str] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    limit_usd: Mapped[float] = mapped_column(Float)
    period: Mapped[str] = mapped_column(String(16), default="monthly")
    warning_threshold: Mapped[float] = mapped_column(Float, default=0.8)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class CustomModel(Base):
    """A model an operator added to a provider's list."""

    __tablename__ = "custom_models"
    __table_args__ = (UniqueConstraint("provider_id", "model_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider_id: Mapped[str] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    model_id: Mapped[str] = mapped_column(String(256))
    name: Mapped[str] = mapped_column(String(256), default="")
    api_format: Mapped[str] = mapped_column(String(32), default="chat-completions")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class AuditEntry(Base):
    """One management change: who, what, on what, when, from where."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    )
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(96), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(256), default="")
    # Never secrets: see services.admin.audit.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")


class LoginSession(Base):
    """A dashboard login; the cookie holds the token, the row its SHA-256."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")


class EvalSuite(Base):
    __tablename__ = "eval_suites"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # [{"prompt", "model", "expect": {"contains"|"equals"|"regex": str}}]
    cases: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    default_model: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class EvalRun(Base):
    __tablename__ = "eval_runs"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    )
    suite_name: Mapped[str] = mapped_column(
        ForeignKey("eval_suites.name", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    passed: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
