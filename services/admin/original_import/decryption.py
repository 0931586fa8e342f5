"""The original's sealed credential columns (``enc:v1:<iv>:<ct>:<tag>``).

AES-256-GCM with a 16-byte IV, hex encoded, under a key derived from
``STORAGE_ENCRYPTION_KEY`` with scrypt (Node's defaults: N=16384, r=8, p=1)
and the salt ``omniroute-field-encryption-v1``; values written by older
releases used the first 16 bytes of SHA-256 of the secret as the salt, and
its repair code still tries that key, so this does too
(``.next/server/chunks/*.js`` of omniroute 3.7.9).
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc:v1:"
SALT = b"omniroute-field-encryption-v1"


def _derive(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=16384, r=8, p=1, dklen=32)


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


class FieldDecryptor:
    """Opens the original's sealed values with its storage key (if known)."""

    def __init__(self, storage_key: str = "") -> None:
        self._keys: list[bytes] = []
        if storage_key.strip():
            legacy_salt = hashlib.sha256(storage_key.encode()).digest()[:16]
            self._keys = [_derive(storage_key, SALT), _derive(storage_key, legacy_salt)]

    @property
    def has_key(self) -> bool:
        return bool(self._keys)

    def open(self, value: str) -> str | None:
        """The plaintext; ``None`` when the value is sealed and no key opens it.

        A value without the prefix is returned as it is: the original stores
        plaintext when it has no STORAGE_ENCRYPTION_KEY.
        """
        if not is_sealed(value):
            return value
        parts = value[len(PREFIX) :].split(":")
        if len(parts) != 3:
            return None
        try:
            iv, ciphertext, tag = (bytes.fromhex(p) for p in parts)
        except ValueError:
            return None
        for key in self._keys:
            try:
                return AESGCM(key).decrypt(iv, ciphertext + tag, None).decode()
            except (InvalidTag, ValueError, UnicodeDecodeError):
                continue
        return None


def seal_like_original(storage_key: str, plaintext: str, iv: bytes) -> str:
    """What the original writes for ``plaintext`` (tests build fixtures with it)."""
    sealed = AESGCM(_derive(storage_key, SALT)).encrypt(iv, plaintext.encode(), None)
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return f"{PREFIX}{iv.hex()}:{ciphertext.hex()}:{tag.hex()}"
