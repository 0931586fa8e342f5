"""Client authentication against the key snapshot (HMACs only, in memory)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from starlette.requests import HTTPConnection

from omniroute.common.v1 import config_pb2
from omniroute.errors import Forbidden, Unauthorized
from omniroute.runtime.crypto import (
    ACT_AS_HEADER,
    ACT_AS_SIGNATURE_HEADER,
    PRIORITY_HEADER,
    hash_api_key,
    signed_act_as,
)


@dataclass(frozen=True, slots=True)
class Caller:
    key_id: str
    name: str
    scopes: frozenset[str]
    allowed_models: frozenset[str]
    rpm_limit: int = 0
    tpm_limit: int = 0
    # A batch line sent by admin's runner: dispatched as background work.
    background: bool = False

    def check_model(self, model: str, meaning: str = "") -> None:
        """403 unless the key may use ``model``: it names it, or ``meaning``,
        the name the model string resolved to (``combo/smart`` means the
        combo ``smart``; a wrapper never widens what a key may use)."""
        allowed = self.allowed_models
        if allowed and model not in allowed and (meaning or model) not in allowed:
            raise Forbidden(
                f"this API key may not use the model '{model}'; allowed: "
                + ", ".join(sorted(self.allowed_models)),
                code="model_not_allowed",
            )


ANONYMOUS = Caller("anonymous", "anonymous", frozenset(), frozenset())


def presented_key(request: HTTPConnection) -> str | None:
    """The key a client sent, in any of the ways the SDKs send one.

    A key in the URL (``/key/<key>/``, ``?key=``, ``?token=``...) is one of
    these headers by now: ``key_path.py`` moved it there before anything
    could log it.
    """
    headers = request.headers
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    for header in ("x-api-key", "x-goog-api-key"):
        value = headers.get(header)
        if value:
            return value.strip()
    return None


class KeyRing:
    def __init__(self, secret: bytes, require_key: bool) -> None:
        self._secret = secret
        self._require_key = require_key
        self._by_hmac: dict[bytes, Caller] = {}
        self._by_id: dict[str, Caller] = {}

    def load(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        self._by_hmac = {
            key.key_hmac: Caller(
                key_id=key.id,
                name=key.name,
                scopes=frozenset(key.scopes),
                rpm_limit=key.rpm_limit,
                tpm_limit=int(key.tpm_limit),
                allowed_models=frozenset(key.allowed_models),
            )
            for key in snapshot.api_keys
            if not key.revoked
        }
        self._by_id = {caller.key_id: caller for caller in self._by_hmac.values()}

    def authenticate(self, request: HTTPConnection) -> Caller:
        if ACT_AS_HEADER in request.headers:
            return self._acting_as(request)
        key = presented_key(request)
        if key is None:
            if self._require_key:
                raise Unauthorized(
                    "missing API key: send it as 'Authorization: Bearer <key>'",
                    code="missing_api_key",
                )
            return ANONYMOUS
        # A dict lookup on the HMAC is safe from timing attacks: an attacker
        # cannot steer the digest of a guess byte by byte without the secret.
        caller = self._by_hmac.get(hash_api_key(self._secret, key))
        if caller is not None:
            return caller
        if not self._require_key:
            # Clients that insist on sending some key still work on an open gateway.
            return ANONYMOUS
        raise Unauthorized("invalid API key", code="invalid_api_key")

    def _acting_as(self, request: HTTPConnection) -> Caller:
        """The key admin's batch runner sends a batch's line as: believed
        only with a fresh signature of the shared secret."""
        key_id = request.headers.get(ACT_AS_HEADER, "")
        token = request.headers.get(ACT_AS_SIGNATURE_HEADER, "")
        if not signed_act_as(self._secret, key_id, token, time.time()):
            raise Unauthorized(
                "the act-as signature is not valid (or has expired)",
                code="invalid_api_key",
            )
        caller = self._by_id.get(key_id)
        if caller is None:
            raise Unauthorized(
                f"the API key {key_id} is revoked or no longer exists",
                code="invalid_api_key",
            )
        background = request.headers.get(PRIORITY_HEADER, "") == "background"
        return replace(caller, background=background)
