"""What the simulator was asked: counters and the most recent requests."""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

RECENT_LIMIT = 200
SECRET_HEADERS = frozenset(
    {"authorization", "x-api-key", "x-goog-api-key", "api-key", "xi-api-key"}
)


@dataclass(slots=True)
class CallLog:
    """Counts by credential, model and path, plus the last requests.

    ``fast_calls`` is the one counter the ``--fast`` path bumps; ``held`` is
    the number of calls a ``hang`` fault is holding right now; ``streaming``
    the streams being written now and ``streams_abandoned`` those whose
    client went away before the end (a gateway that cancels upstream work).
    """

    total: int = 0
    fast_calls: int = 0
    held: int = 0
    # Streams being written right now, and those whose client left mid-way.
    streaming: int = 0
    streams_abandoned: int = 0
    by_key: Counter[str] = field(default_factory=Counter)
    by_model: Counter[str] = field(default_factory=Counter)
    by_path: Counter[str] = field(default_factory=Counter)
    recent: deque[dict[str, Any]] = field(
        default_factory=lambda: deque(maxlen=RECENT_LIMIT)
    )

    def record(
        self,
        *,
        method: str,
        path: str,
        query: str,
        key: str | None,
        model: str | None,
        headers: dict[str, str],
        body: Any,
    ) -> None:
        self.total += 1
        self.by_key[key or ""] += 1
        self.by_model[model or ""] += 1
        self.by_path[path] += 1
        shown = {
            name: "[redacted]" if name.lower() in SECRET_HEADERS else value
            for name, value in headers.items()
        }
        self.recent.append(
            {
                "at": time.time(),
                "method": method,
                "path": path,
                "query": query,
                "key": key,
                "model": model,
                "headers": shown,
                "body": body,
            }
        )

    def reset(self) -> None:
        self.total = self.fast_calls = self.streams_abandoned = 0
        self.by_key.clear()
        self.by_model.clear()
        self.by_path.clear()
        self.recent.clear()

    def snapshot(self) -> dict[str, Any]:
        return {
            "total": self.total + self.fast_calls,
            "fast": self.fast_calls,
            "held": self.held,
            "streaming": self.streaming,
            "streams_abandoned": self.streams_abandoned,
            "by_key": dict(self.by_key),
            "by_model": dict(self.by_model),
            "by_path": dict(self.by_path),
            "recent": list(self.recent),
        }
