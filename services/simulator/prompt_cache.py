"""Providers' prompt caches, modelled: prefixes written by one request and
read back by later requests of the same account and model.

Anthropic's rules (``use``), from its prompt-caching guide:

* A prompt is a sequence of blocks (tools, then system, then messages); a
  block carrying ``cache_control`` is a breakpoint with a TTL of 5 minutes
  (the default) or 1 hour. Each ``Block`` holds the digest of the whole
  prefix ending at it, so equal digests mean byte-equal prefixes.
* Scope: one cache per (credential, model); another account never reads it.
* Minimum: a prefix of fewer than ``minimum_tokens(model)`` tokens is never
  written (so never read either), silently.
* Read: for every breakpoint, the prefix ending at it and those ending at
  each of the ``LOOKBACK_BLOCKS`` blocks before it are looked up; the
  longest live entry found is read and its TTL starts again.
* Write: every breakpoint after the read point whose prefix reaches the
  minimum becomes an entry with its TTL; the tokens from the previous
  written breakpoint (or the read point) up to it are written at that TTL.
  A breakpoint below the minimum writes nothing, so its tokens fall to the
  next breakpoint that does.
* Everything else (past the last write) is plain input.

OpenAI's automatic caching (``use_automatic``) has no breakpoints: a prompt
of 1024 tokens or more may be cached at every 128-token mark; the longest
live mark is read, and every mark is written (or kept warm).

Entries expire lazily on the injected clock (``time.monotonic`` unless a
test passes its own) and the least recently used are forgotten past
``ENTRY_LIMIT``.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# "Up to approximately 20 blocks before your explicit breakpoint."
LOOKBACK_BLOCKS = 20
MIN_TOKENS = 1024
MIN_TOKENS_HAIKU = 2048
# Enough for every test of a session (an OpenAI prompt of 10k tokens is 70
# marks); a benchmark's churn evicts the oldest.
ENTRY_LIMIT = 16_384
EMPTY_PREFIX = b""

Clock = Callable[[], float]
Scope = tuple[str, str]


class Ttl(StrEnum):
    FIVE_MINUTES = "5m"
    ONE_HOUR = "1h"
    # OpenAI's extended retention (prompt_cache_retention "24h").
    ONE_DAY = "24h"

    @property
    def seconds(self) -> float:
        return _TTL_SECONDS[self]


_TTL_SECONDS = {Ttl.FIVE_MINUTES: 300.0, Ttl.ONE_HOUR: 3600.0, Ttl.ONE_DAY: 86400.0}


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a prompt: the digest of the prefix ending with it, its
    own tokens and, on a breakpoint, the TTL asked for."""

    prefix: bytes
    tokens: int
    ttl: Ttl | None = None


def extend(prefix: bytes, content: bytes) -> bytes:
    """The digest of ``prefix`` followed by a block whose canonical bytes
    are ``content``."""
    return hashlib.blake2b(prefix + content, digest_size=16).digest()


@dataclass(frozen=True, slots=True)
class CacheUsage:
    """How one request's input tokens split; the four parts sum to the
    prompt's tokens."""

    input_tokens: int
    read_tokens: int = 0
    written_5m: int = 0
    written_1h: int = 0

    @property
    def written_tokens(self) -> int:
        return self.written_5m + self.written_1h

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.read_tokens + self.written_tokens


@dataclass(slots=True)
class _Entry:
    tokens: int
    ttl: Ttl
    expires_at: float


@dataclass(slots=True)
class _Counters:
    reads: int = 0
    writes: int = 0
    tokens_read: int = 0
    tokens_written: int = 0


def minimum_tokens(model: str) -> int:
    """The shortest prefix the model caches (Haiku models need twice as
    much)."""
    return MIN_TOKENS_HAIKU if "haiku" in model.lower() else MIN_TOKENS


def fingerprint(credential: str | None) -> str | None:
    """How the control API names a credential without showing it."""
    if credential is None:
        return None
    return "sha256:" + hashlib.sha256(credential.encode()).hexdigest()[:12]


class PromptCache:
    """Every account's cached prefixes, with read and write counters."""

    def __init__(self, now: Clock = time.monotonic, limit: int = ENTRY_LIMIT) -> None:
        self._now = now
        self._limit = limit
        self._entries: OrderedDict[tuple[Scope, bytes], _Entry] = OrderedDict()
        self._counters: dict[Scope, _Counters] = {}

    def use(
        self, credential: str | None, model: str, blocks: Sequence[Block]
    ) -> CacheUsage:
        """Reads and writes the cache for one request (rules in the module
        docstring) and says how its tokens split."""
        ends = _running_totals(blocks)
        breakpoints = [i for i, block in enumerate(blocks) if block.ttl is not None]
        if not breakpoints:
            return CacheUsage(input_tokens=ends[-1] if ends else 0)
        scope = (credential or "", model)
        read_at = self._read(scope, blocks, breakpoints)
        read_tokens = ends[read_at] if read_at >= 0 else 0
        written = {Ttl.FIVE_MINUTES: 0, Ttl.ONE_HOUR: 0}
        start_tokens = read_tokens
        writes = 0
        for index in breakpoints:
            ttl = blocks[index].ttl
            if index <= read_at or ttl is None or ends[index] < minimum_tokens(model):
                continue
            written[ttl] += ends[index] - start_tokens
            start_tokens = ends[index]
            self._store(scope, blocks[index].prefix, ends[index], ttl)
            writes += 1
        self._count(scope, read_tokens, sum(written.values()), writes)
        return CacheUsage(
            input_tokens=ends[-1] - start_tokens,
            read_tokens=read_tokens,
            written_5m=written[Ttl.FIVE_MINUTES],
            written_1h=written[Ttl.ONE_HOUR],
        )

    def _read(
        self, scope: Scope, blocks: Sequence[Block], breakpoints: list[int]
    ) -> int:
        """The index of the last block of the longest live cached prefix the
        lookback reaches (refreshing that entry), or -1."""
        best = -1
        for index in breakpoints:
            for position in range(index, max(index - LOOKBACK_BLOCKS, 0) - 1, -1):
                if position <= best:
                    break
                if self._live(scope, blocks[position].prefix) is not None:
                    best = position
                    break
        if best >= 0:
            self._refresh(scope, blocks[best].prefix)
        return best

    def use_automatic(
        self,
        credential: str | None,
        model: str,
        marks: Sequence[tuple[bytes, int]],
        ttl: Ttl = Ttl.FIVE_MINUTES,
    ) -> int:
        """OpenAI's automatic caching: ``marks`` are (prefix digest, tokens)
        of every place the prompt may be cached, shortest first. Reads the
        longest live one, writes the longer ones and keeps the shorter ones
        warm (they are part of what was read); returns the tokens read."""
        if not marks:
            return 0
        scope = (credential or "", model)
        read_tokens = 0
        for prefix, tokens in reversed(marks):
            if self._live(scope, prefix) is not None:
                read_tokens = tokens
                break
        writes = 0
        for prefix, tokens in marks:
            if tokens <= read_tokens and self._live(scope, prefix) is not None:
                self._refresh(scope, prefix)
                continue
            self._store(scope, prefix, tokens, ttl)
            if tokens > read_tokens:
                writes += 1
        self._count(scope, read_tokens, marks[-1][1] - read_tokens, writes)
        return read_tokens

    def _live(self, scope: Scope, prefix: bytes) -> _Entry | None:
        key = (scope, prefix)
        entry = self._entries.get(key)
        if entry is not None and entry.expires_at <= self._now():
            del self._entries[key]
            return None
        return entry

    def _refresh(self, scope: Scope, prefix: bytes) -> None:
        """Starts a read entry's TTL again (and makes it the most recent)."""
        key = (scope, prefix)
        entry = self._entries.get(key)
        if entry is not None:
            entry.expires_at = self._now() + entry.ttl.seconds
            self._entries.move_to_end(key)

    def _store(self, scope: Scope, prefix: bytes, tokens: int, ttl: Ttl) -> None:
        key = (scope, prefix)
        self._entries[key] = _Entry(tokens, ttl, self._now() + ttl.seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)

    def _count(
        self, scope: Scope, read_tokens: int, written_tokens: int, writes: int
    ) -> None:
        counters = self._counters.setdefault(scope, _Counters())
        counters.writes += writes
        if read_tokens:
            counters.reads += 1
            counters.tokens_read += read_tokens
        counters.tokens_written += written_tokens

    def snapshot(self) -> dict[str, Any]:
        """Per credential (as its fingerprint) and model: live entries,
        reads, writes and the tokens read and written."""
        now = self._now()
        live: dict[Scope, int] = {}
        for (scope, _), entry in self._entries.items():
            if entry.expires_at > now:
                live[scope] = live.get(scope, 0) + 1
        scopes = [
            {
                "credential": fingerprint(scope[0] or None),
                "model": scope[1],
                "entries": live.get(scope, 0),
                "reads": counters.reads,
                "writes": counters.writes,
                "tokens_read": counters.tokens_read,
                "tokens_written": counters.tokens_written,
            }
            for scope, counters in sorted(self._counters.items())
        ]
        return {"scopes": scopes}

    def clear(self) -> None:
        self._entries.clear()
        self._counters.clear()


def _running_totals(blocks: Sequence[Block]) -> list[int]:
    """Tokens of the prefix ending at each block."""
    totals: list[int] = []
    running = 0
    for block in blocks:
        running += block.tokens
        totals.append(running)
    return totals
