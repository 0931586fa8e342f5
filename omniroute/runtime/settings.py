"""Service settings: the only place the environment is read.

Each service defines one class on top of ``ServiceSettings``; it is built
once in the service's ``__main__`` and passed down. Validation happens at
start-up, so a bad value stops the process with a clear message instead of
failing the first request.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Used only in development; production refuses to start with it.
DEVELOPMENT_SECRET = "omniroute-development-secret-change-me"
_PLACEHOLDERS = {"", "changeme", "change-me", "CHANGEME", "secret", DEVELOPMENT_SECRET}


def env(*names: str) -> AliasChoices:
    """Environment variable names a field is read from, first match wins."""
    return AliasChoices(*names)


class ServiceSettings(BaseSettings):
    """Settings every service shares."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias=env("OMNIROUTE_ENV")
    )
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0", validation_alias=env("REDIS_URL")
    )
    # Lets several deployments (or test runs) share one Redis.
    key_prefix: str = Field("omniroute:", validation_alias=env("OMNIROUTE_KEY_PREFIX"))
    secret_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_SECRET), validation_alias=env("OMNIROUTE_SECRET_KEY")
    )
    log_level: str = Field("INFO", validation_alias=env("LOG_LEVEL"))
    log_format: Literal["json", "text"] = Field(
        "json", validation_alias=env("LOG_FORMAT")
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> ServiceSettings:
        if (
            self.environment == "production"
            and self.secret_key.get_secret_value() in _PLACEHOLDERS
        ):
            raise ValueError(
                "OMNIROUTE_SECRET_KEY is missing or a placeholder; set a long random "
                "value (e.g. `openssl rand -hex 32`) before running in production"
            )
        return self

    @property
    def secret(self) -> bytes:
        return self.secret_key.get_secret_value().encode()
