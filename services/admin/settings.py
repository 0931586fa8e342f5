from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from omniroute.runtime.settings import ServiceSettings, env


class AdminSettings(ServiceSettings):
    host: str = Field("127.0.0.1", validation_alias=env("ADMIN_HOST"))
    port: int = Field(20129, validation_alias=env("ADMIN_PORT"))
    data_dir: Path = Field(Path("~/.omniroute"), validation_alias=env("DATA_DIR"))
    # Empty: SQLite (WAL) in DATA_DIR. Otherwise e.g. postgresql://user@host/db.
    database_url: str = Field("", validation_alias=env("DATABASE_URL"))
    # Stable consumer name in the events group, so a restarted admin picks up
    # the events it had read but not yet committed.
    consumer_name: str = Field("admin", validation_alias=env("ADMIN_CONSUMER_NAME"))
    router_address: str = Field("127.0.0.1:20130", validation_alias=env("ROUTER_ADDR"))
    cache_address: str = Field("127.0.0.1:20132", validation_alias=env("CACHE_ADDR"))
    initial_password: SecretStr | None = Field(
        None, validation_alias=env("INITIAL_PASSWORD")
    )
    # Comma-separated client keys to register at start-up.
    api_keys: str = Field("", validation_alias=env("OMNIROUTE_API_KEYS"))
    # Comma-separated keys with the admin scope (management API and /v1).
    admin_api_keys: str = Field("", validation_alias=env("OMNIROUTE_ADMIN_API_KEYS"))
    # Providers from the environment: registered (or updated) at start-up.
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=env("OPENAI_API_KEY")
    )
    openai_base_url: str = Field("", validation_alias=env("OPENAI_BASE_URL"))
    anthropic_api_key: SecretStr | None = Field(
        None, validation_alias=env("ANTHROPIC_API_KEY")
    )
    anthropic_base_url: str = Field("", validation_alias=env("ANTHROPIC_BASE_URL"))
    gemini_api_key: SecretStr | None = Field(
        None, validation_alias=env("GEMINI_API_KEY")
    )
    gemini_base_url: str = Field("", validation_alias=env("GEMINI_BASE_URL"))
    ollama_base_url: str = Field("", validation_alias=env("OLLAMA_BASE_URL"))
    # The provider simulator, registered as the `demo` provider by `make run`
    # when no real provider key is configured.
    demo_provider_url: str = Field(
        "", validation_alias=env("OMNIROUTE_DEMO_PROVIDER_URL")
    )

    def resolved_database_url(self) -> str:
        url = self.database_url.strip()
        if not url:
            path = self.data_dir.expanduser() / "omniroute.db"
            return f"sqlite+aiosqlite:///{path}"
        for plain, driver in (
            ("sqlite://", "sqlite+aiosqlite://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
        ):
            if url.startswith(plain):
                return driver + url[len(plain) :]
        return url
