"""Admin settings: the only place the admin service reads the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from omniroute.blob_s3 import S3Location
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
    # Ollama's own variable (``host:port`` without a scheme is fine).
    ollama_host: str = Field("", validation_alias=env("OLLAMA_HOST"))
    # Register the built-in `local` embedding provider (MiniLM in the executor).
    local_embeddings: bool = Field(
        True, validation_alias=env("OMNIROUTE_LOCAL_EMBEDDINGS")
    )
    # The provider simulator's root URL, registered as the `demo` providers
    # (one per format) by `make run` when no real provider key is configured.
    demo_provider_url: str = Field(
        "", validation_alias=env("OMNIROUTE_DEMO_PROVIDER_URL")
    )

    # The gateway's public endpoint, used to run eval suites through it.
    edge_url: str = Field("http://127.0.0.1:20128", validation_alias=env("EDGE_URL"))
    # Provider and proxy tests refuse link-local and cloud-metadata addresses
    # (a classic SSRF target) unless this is set; loopback is always allowed
    # because local providers (Ollama, the simulator) live there.
    allow_private_provider_urls: bool = Field(
        False, validation_alias=env("ALLOW_PRIVATE_PROVIDER_URLS")
    )
    # Peers whose X-Forwarded-For is believed (a reverse proxy in front of
    # admin's own port); comma-separated addresses or CIDR ranges. The edge
    # needs no entry: it signs the client address it forwards.
    trusted_proxies: str = Field("", validation_alias=env("TRUSTED_PROXIES"))
    # Force the Secure flag on the auth cookie (it is set anyway over https).
    auth_cookie_secure: bool = Field(False, validation_alias=env("AUTH_COOKIE_SECURE"))
    login_session_hours: int = Field(
        24 * 30, ge=1, validation_alias=env("LOGIN_SESSION_HOURS")
    )
    # Brute-force guard: this many failed logins from one address within the
    # lockout window lock that address out for the window.
    login_max_failures: int = Field(5, ge=1, validation_alias=env("LOGIN_MAX_FAILURES"))
    login_lockout_seconds: int = Field(
        900, ge=1, validation_alias=env("LOGIN_LOCKOUT_SECONDS")
    )
    # /v1/files and /v1/batches: where file bytes live (empty: DATA_DIR/blobs),
    # and the limits a key's uploads and batches meet (OpenAI's by default).
    blob_dir: str = Field("", validation_alias=env("BLOB_DIR"))
    # Or an S3-compatible bucket (AWS S3, MinIO, Ceph, R2), used instead of
    # BLOB_DIR when the endpoint is set, e.g. https://s3.eu-west-1.amazonaws.com
    # (requests are path-style: endpoint/bucket/prefix/key).
    blob_s3_endpoint: str = Field("", validation_alias=env("BLOB_S3_ENDPOINT"))
    blob_s3_bucket: str = Field("", validation_alias=env("BLOB_S3_BUCKET"))
    blob_s3_region: str = Field("us-east-1", validation_alias=env("BLOB_S3_REGION"))
    blob_s3_prefix: str = Field("", validation_alias=env("BLOB_S3_PREFIX"))
    blob_s3_access_key_id: str = Field(
        "", validation_alias=env("BLOB_S3_ACCESS_KEY_ID")
    )
    blob_s3_secret_access_key: SecretStr | None = Field(
        None, validation_alias=env("BLOB_S3_SECRET_ACCESS_KEY")
    )
    max_file_bytes: int = Field(
        200 * 1024 * 1024, ge=1, validation_alias=env("MAX_FILE_BYTES")
    )
    max_batch_lines: int = Field(50_000, ge=1, validation_alias=env("MAX_BATCH_LINES"))
    max_open_batches: int = Field(
        20, ge=1, validation_alias=env("MAX_OPEN_BATCHES_PER_KEY")
    )
    # Lines of all batches in flight at once, per admin: a bounded background
    # load beside the interactive one.
    batch_concurrency: int = Field(
        4, ge=1, le=1024, validation_alias=env("BATCH_CONCURRENCY")
    )
    # And at most this many lines a second (0: no bound but the concurrency).
    batch_lines_per_second: float = Field(
        40.0, ge=0, validation_alias=env("BATCH_LINES_PER_SECOND")
    )
    # Timeout of outbound calls made for provider/proxy tests and model lists.
    probe_timeout_s: float = Field(15.0, gt=0, validation_alias=env("PROBE_TIMEOUT_S"))

    def backups_dir(self) -> Path:
        return self.data_dir.expanduser() / "backups"

    def blobs_dir(self) -> Path:
        if self.blob_dir:
            return Path(self.blob_dir).expanduser()
        return self.data_dir.expanduser() / "blobs"

    def blob_s3(self) -> S3Location | None:
        """The bucket blobs go to, or None for the local directory."""
        if not self.blob_s3_endpoint:
            return None
        return S3Location(
            endpoint=self.blob_s3_endpoint,
            bucket=self.blob_s3_bucket,
            access_key_id=self.blob_s3_access_key_id,
            secret_access_key=self._blob_s3_secret(),
            region=self.blob_s3_region,
            prefix=self.blob_s3_prefix,
        )

    @model_validator(mode="after")
    def _check_blob_s3(self) -> AdminSettings:
        if not self.blob_s3_endpoint:
            return self
        if not self.blob_s3_endpoint.startswith(("http://", "https://")):
            raise ValueError("BLOB_S3_ENDPOINT: an http:// or https:// URL")
        missing = [
            name
            for name, value in (
                ("BLOB_S3_BUCKET", self.blob_s3_bucket),
                ("BLOB_S3_REGION", self.blob_s3_region),
                ("BLOB_S3_ACCESS_KEY_ID", self.blob_s3_access_key_id),
                ("BLOB_S3_SECRET_ACCESS_KEY", self._blob_s3_secret()),
            )
            if not value.strip()
        ]
        if missing:
            raise ValueError(f"BLOB_S3_ENDPOINT is set, so set {', '.join(missing)}")
        return self

    def _blob_s3_secret(self) -> str:
        secret = self.blob_s3_secret_access_key
        return secret.get_secret_value() if secret is not None else ""

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
