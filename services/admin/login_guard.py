"""Brute-force guard of the dashboard login, per client address.

In memory: admin is a single writer, and a restart forgetting failures is
harmless next to the lockout window. Bounded so a flood of addresses cannot
grow it without limit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

_MAX_TRACKED = 10_000


@dataclass(slots=True)
class _Record:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0


class LoginGuard:
    def __init__(self, max_failures: int, lockout_s: float) -> None:
        self._max = max_failures
        self._window = lockout_s
        self._records: dict[str, _Record] = {}

    def retry_after(self, identifier: str) -> int | None:
        """Seconds until ``identifier`` may try again, or None if it may now."""
        record = self._records.get(identifier)
        if record is None:
            return None
        remaining = record.locked_until - time.monotonic()
        return math.ceil(remaining) if remaining > 0 else None

    def failed(self, identifier: str) -> int | None:
        """Counts a failure; returns the lockout in seconds if it starts now."""
        now = time.monotonic()
        if identifier not in self._records and len(self._records) >= _MAX_TRACKED:
            self._prune(now)
        record = self._records.setdefault(identifier, _Record())
        record.failures = [t for t in record.failures if now - t < self._window]
        record.failures.append(now)
        if len(record.failures) >= self._max:
            record.locked_until = now + self._window
            record.failures.clear()
            return math.ceil(self._window)
        return None

    def succeeded(self, identifier: str) -> None:
        self._records.pop(identifier, None)

    def unlock(self, identifier: str) -> bool:
        return self._records.pop(identifier, None) is not None

    def reset(self) -> None:
        self._records.clear()

    def locked(self) -> dict[str, int]:
        """Locked identifiers with the seconds left."""
        now = time.monotonic()
        return {
            key: math.ceil(record.locked_until - now)
            for key, record in self._records.items()
            if record.locked_until > now
        }

    def _prune(self, now: float) -> None:
        for key in [
            k
            for k, r in self._records.items()
            if r.locked_until <= now
            and not any(now - t < self._window for t in r.failures)
        ]:
            del self._records[key]
        while len(self._records) >= _MAX_TRACKED:
            self._records.pop(next(iter(self._records)))
