"""The executor's view of the configuration: providers, with credentials
unsealed once per snapshot rather than on every request."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from omniroute.common.v1 import config_pb2
from omniroute.presets import Preset, preset_for
from omniroute.resilience.cooldown import fingerprint
from omniroute.runtime.crypto import unseal, unseal_text

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AccountView:
    id: str
    credential: str
    priority: int
    # Names the credential in invalid-account marks (computed once, here).
    fingerprint: str = ""


@dataclass(frozen=True, slots=True)
class ProviderView:
    id: str
    preset: Preset
    base_url: str
    headers: dict[str, str]
    accounts: tuple[AccountView, ...]


class ConfigView:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self.providers: dict[str, ProviderView] = {}
        self.version = 0

    def load(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        self.providers = {
            p.id: self._provider(p) for p in snapshot.providers if p.enabled
        }
        self.version = snapshot.version

    def _provider(self, provider: config_pb2.Provider) -> ProviderView:
        preset = preset_for(provider.kind)
        accounts = sorted(
            (
                _account(a.id, self._unseal(provider.id, a), a.priority)
                for a in provider.accounts
                if a.enabled
            ),
            key=lambda a: a.priority,
        )
        return ProviderView(
            id=provider.id,
            preset=preset,
            base_url=(provider.base_url or preset.base_url).rstrip("/"),
            headers={**preset.headers, **self._headers(provider)},
            accounts=tuple(accounts),
        )

    def _headers(self, provider: config_pb2.Provider) -> dict[str, str]:
        """The provider's extra headers, unsealed (they are published sealed:
        their values are often credentials)."""
        try:
            return {
                k: unseal_text(self._secret, v) for k, v in provider.headers.items()
            }
        except (InvalidTag, ValueError):
            log.error(
                "cannot decrypt a provider's headers: OMNIROUTE_SECRET_KEY differs "
                "from the one admin used",
                extra={"provider": provider.id},
            )
            return {}

    def _unseal(self, provider_id: str, account: config_pb2.Account) -> str:
        try:
            return unseal(self._secret, account.sealed_credential)
        except (InvalidTag, ValueError):
            # Wrong OMNIROUTE_SECRET_KEY: say so once, clearly, and treat the
            # account as keyless (the provider will answer 401 and we fall back).
            log.error(
                "cannot decrypt a credential: OMNIROUTE_SECRET_KEY differs from the "
                "one admin used",
                extra={"provider": provider_id, "account": account.id},
            )
            return ""


def _account(account_id: str, credential: str, priority: int) -> AccountView:
    return AccountView(account_id, credential, priority, fingerprint(credential))
