"""Dashboard password hashing with scrypt (stdlib; memory-hard like argon2).

Encoded as ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>`` so the
parameters can be raised later without breaking stored hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# n=2^15, r=8: 32 MiB and ~0.1 s per check; slow enough to hurt guessing,
# fast enough for a login form.
_LOG_N, _R, _P = 15, 8, 1
_MAXMEM = 64 * 1024 * 1024


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, _LOG_N, _R, _P)
    return "$".join(("scrypt", str(_LOG_N), str(_R), str(_P), _b64(salt), _b64(digest)))


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, log_n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _derive(password, base64.b64decode(salt), int(log_n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _derive(password: str, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=2**log_n, r=r, p=p, maxmem=_MAXMEM, dklen=32
    )


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()
