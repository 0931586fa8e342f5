"""API-key hashing and credential sealing.

Client API keys are never stored: only HMAC-SHA256(secret, key). Provider
credentials are sealed with AES-GCM under a key derived from the same server
secret, so a copied database or Redis dump reveals neither.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


def hash_api_key(secret: bytes, api_key: str) -> bytes:
    return hmac.new(secret, api_key.encode(), hashlib.sha256).digest()


def new_api_key() -> str:
    """A fresh client key: ``sk-or-`` and 40 random URL-safe characters."""
    return "sk-or-" + secrets.token_urlsafe(30)


def _sealing_key(secret: bytes) -> bytes:
    # A distinct key from the HMAC use of the same secret.
    return hashlib.sha256(b"omniroute-credential-sealing\x00" + secret).digest()


def seal(secret: bytes, plaintext: str) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(_sealing_key(secret)).encrypt(nonce, plaintext.encode(), None)


def unseal(secret: bytes, sealed: bytes) -> str:
    if not sealed:
        return ""
    nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    return AESGCM(_sealing_key(secret)).decrypt(nonce, ciphertext, None).decode()


def mask_secret(value: str) -> str:
    """What the API shows of a credential: enough to recognise, not to use."""
    if len(value) <= 8:
        return "****"
    return f"{value[:4]}…{value[-4:]}"


# The edge tells admin who its client is with these headers: admin believes
# the address only when the signature (keyed with the shared secret) holds,
# so nobody who reaches admin's port can claim an address of their choice.
CLIENT_HEADER = "X-OmniRoute-Client"
CLIENT_SIGNATURE_HEADER = "X-OmniRoute-Client-Signature"


def _signature(secret: bytes, purpose: bytes, value: str) -> str:
    return hmac.new(secret, purpose + b":" + value.encode(), hashlib.sha256).hexdigest()


def sign_client(secret: bytes, address: str) -> str:
    return _signature(secret, b"client", address)


def signed_client(secret: bytes, address: str, signature: str) -> bool:
    return hmac.compare_digest(sign_client(secret, address), signature)


# The edge tells admin which API key a ``/v1/files`` or ``/v1/batches``
# request belongs to; admin believes it only with the signature.
OWNER_HEADER = "X-OmniRoute-Owner"
OWNER_SIGNATURE_HEADER = "X-OmniRoute-Owner-Signature"


def sign_owner(secret: bytes, key_id: str) -> str:
    return _signature(secret, b"owner", key_id)


def signed_owner(secret: bytes, key_id: str, signature: str) -> bool:
    return hmac.compare_digest(sign_owner(secret, key_id), signature)


# Admin's batch runner sends a batch's lines through the edge as the key that
# made the batch: it holds no key, only the id and this signature, which
# carries its time so a copied header soon stops working.
ACT_AS_HEADER = "X-OmniRoute-Act-As"
ACT_AS_SIGNATURE_HEADER = "X-OmniRoute-Act-As-Signature"
ACT_AS_VALID_S = 300
# With an act-as caller only: "background" sends the request to the
# background dispatch stream, which executors serve with spare slots.
PRIORITY_HEADER = "X-OmniRoute-Priority"


def sign_act_as(secret: bytes, key_id: str, at: int) -> str:
    """``<unix seconds>.<signature>`` of acting as ``key_id`` at ``at``."""
    return f"{at}.{_signature(secret, b'act-as', f'{key_id}:{at}')}"


def signed_act_as(secret: bytes, key_id: str, token: str, now: float) -> bool:
    at, _, signature = token.partition(".")
    if not at.isdigit() or abs(now - int(at)) > ACT_AS_VALID_S:
        return False
    expected = _signature(secret, b"act-as", f"{key_id}:{at}")
    return hmac.compare_digest(expected, signature)


def new_device_token(secret: bytes) -> str:
    """A browser's proof that it logged in before (the login guard's device
    cookie): a random id and its signature, so nobody can make one up."""
    device = secrets.token_urlsafe(16)
    return f"{device}.{_signature(secret, b'device', device)}"


def device_of(secret: bytes, token: str | None) -> str | None:
    """The device id a token names, when its signature holds."""
    device, _, signature = (token or "").partition(".")
    if device and hmac.compare_digest(_signature(secret, b"device", device), signature):
        return device
    return None


# A provider's extra headers often carry credentials (``api-key``,
# ``x-api-key``): their values are stored and published sealed, marked so.
SEALED_PREFIX = "sealed:v1:"


def seal_text(secret: bytes, value: str) -> str:
    """``value`` sealed, as text that says it is (idempotent)."""
    if value.startswith(SEALED_PREFIX):
        return value
    return SEALED_PREFIX + base64.b64encode(seal(secret, value)).decode()


def unseal_text(secret: bytes, value: str) -> str:
    """The clear value of ``seal_text``'s output (other text as it is)."""
    if not value.startswith(SEALED_PREFIX):
        return value
    return unseal(secret, base64.b64decode(value[len(SEALED_PREFIX) :]))
