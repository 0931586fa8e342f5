"""Model prices: a built-in table for common models, overridable by operators.

USD per million tokens, from the providers' public price pages (2025-2026).
Admin serves and edits them (``/api/pricing``); the router uses them for the
cost-optimized strategy; every usage record is costed with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from omniroute.common.v1 import common_pb2, config_pb2


@dataclass(frozen=True, slots=True)
class Price:
    input: float
    output: float
    cached_input: float = 0.0
    # Image models: USD per image generated.
    per_image: float = 0.0
    # Transcription models: USD per minute of audio.
    per_minute: float = 0.0
    # Speech models: USD per million characters of input.
    per_million_chars: float = 0.0
    # Rerank models: USD per search unit (a query over up to 100 documents).
    per_search: float = 0.0
    # Prompt-cache writes with a five-minute and a one-hour lifetime
    # (Anthropic charges 1.25x and 2x the input price); 0: the input price.
    cache_write: float = 0.0
    cache_write_1h: float = 0.0

    @property
    def blended(self) -> float:
        """One number to compare models by: prompts are usually longer than answers."""
        return (3 * self.input + self.output) / 4

    @property
    def cache_read(self) -> float:
        return self.cached_input or self.input

    def cost(
        self, usage: common_pb2.Usage, units: float = 0.0, kind: str = "chat"
    ) -> float:
        cached = min(usage.cached_tokens, usage.prompt_tokens)
        fresh = usage.prompt_tokens - cached
        long_writes = min(usage.cache_creation_1h_tokens, usage.cache_creation_tokens)
        short_writes = usage.cache_creation_tokens - long_writes
        tokens = (
            fresh * self.input
            + cached * self.cache_read
            + short_writes * (self.cache_write or self.input)
            + long_writes * (self.cache_write_1h or self.input)
            + usage.completion_tokens * self.output
        ) / 1_000_000
        if kind == "images":
            return tokens + units * self.per_image
        if kind == "audio":
            return tokens + units / 60 * self.per_minute
        if kind == "speech":
            return tokens + units * self.per_million_chars / 1_000_000
        if kind == "rerank":
            return tokens + units * self.per_search
        return tokens

    def cache_saved(self, usage: common_pb2.Usage) -> float:
        """USD the provider's cache saved: its reads at the input price less
        what they cost. Write premiums are not subtracted; they are in
        ``cost`` and reported apart by the cache-health view."""
        cached = min(usage.cached_tokens, usage.prompt_tokens)
        return cached * max(self.input - self.cache_read, 0.0) / 1_000_000


def _claude(input: float, output: float) -> Price:
    """Anthropic's published ratios: reads 0.1x, 5-minute writes 1.25x and
    one-hour writes 2x the input price."""
    return Price(
        input,
        output,
        input / 10,
        cache_write=input * 1.25,
        cache_write_1h=input * 2,
    )


BUILT_IN: dict[str, Price] = {
    "gpt-4o": Price(2.50, 10.00, 1.25),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "gpt-4.1": Price(2.00, 8.00, 0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025),
    "gpt-5": Price(1.25, 10.00, 0.125),
    "gpt-5-mini": Price(0.25, 2.00, 0.025),
    "o3": Price(2.00, 8.00, 0.50),
    "o4-mini": Price(1.10, 4.40, 0.275),
    "claude-opus-4-5": _claude(5.00, 25.00),
    "claude-opus-4-1": _claude(15.00, 75.00),
    "claude-opus-4": _claude(15.00, 75.00),
    "claude-sonnet-4": _claude(3.00, 15.00),
    "claude-sonnet-4-5": _claude(3.00, 15.00),
    "claude-sonnet-4-5-20250929": _claude(3.00, 15.00),
    "claude-haiku-4-5": _claude(1.00, 5.00),
    "claude-haiku-4-5-20251001": _claude(1.00, 5.00),
    "gemini-2.5-pro": Price(1.25, 10.00, 0.31),
    "gemini-2.5-flash": Price(0.30, 2.50, 0.075),
    "gemini-2.0-flash": Price(0.10, 0.40, 0.025),
    "deepseek-chat": Price(0.27, 1.10, 0.07),
    "deepseek-reasoner": Price(0.55, 2.19, 0.14),
    "llama-3.3-70b-versatile": Price(0.59, 0.79),
    "llama-3.1-8b-instant": Price(0.05, 0.08),
    "mistral-large-latest": Price(2.00, 6.00),
    "mistral-small-latest": Price(0.20, 0.60),
    "grok-4": Price(3.00, 15.00, 0.75),
    "text-embedding-3-small": Price(0.02, 0.0),
    "text-embedding-3-large": Price(0.13, 0.0),
    # The bundled local model costs nothing but CPU.
    "all-minilm-l6-v2": Price(0.0, 0.0),
    "dall-e-3": Price(0.0, 0.0, per_image=0.04),
    "gpt-image-1": Price(5.00, 40.00, per_image=0.042),
    "whisper-1": Price(0.0, 0.0, per_minute=0.006),
    "gpt-4o-transcribe": Price(2.50, 10.00, per_minute=0.006),
    "nova-3": Price(0.0, 0.0, per_minute=0.0043),
    "nova-2": Price(0.0, 0.0, per_minute=0.0043),
    "best": Price(0.0, 0.0, per_minute=0.0062),
    "universal": Price(0.0, 0.0, per_minute=0.0025),
    "nano": Price(0.0, 0.0, per_minute=0.002),
    "tts-1": Price(0.0, 0.0, per_million_chars=15.0),
    "tts-1-hd": Price(0.0, 0.0, per_million_chars=30.0),
    # Billed per token of text and of audio; about $0.015 a minute of speech,
    # some 900 characters.
    "gpt-4o-mini-tts": Price(0.0, 0.0, per_million_chars=16.7),
    "eleven_multilingual_v2": Price(0.0, 0.0, per_million_chars=300.0),
    "eleven_flash_v2_5": Price(0.0, 0.0, per_million_chars=150.0),
    "rerank-v3.5": Price(0.0, 0.0, per_search=0.002),
    "rerank-english-v3.0": Price(0.0, 0.0, per_search=0.002),
    "jina-reranker-v2-base-multilingual": Price(0.02, 0.0),
    "rerank-2": Price(0.05, 0.0),
    "rerank-2-lite": Price(0.02, 0.0),
    # OpenAI's moderation models are free.
    "omni-moderation-latest": Price(0.0, 0.0),
    "text-moderation-latest": Price(0.0, 0.0),
}


class PriceBook:
    """Prices for (provider, model): operator entries first, then built-ins."""

    def __init__(self, overrides: Iterable[config_pb2.ModelPrice] = ()) -> None:
        self._exact: dict[tuple[str, str], Price] = {}
        self._any_provider: dict[str, Price] = dict(BUILT_IN)
        for entry in overrides:
            price = Price(
                entry.input,
                entry.output,
                entry.cached_input,
                cache_write=entry.cache_write,
                cache_write_1h=entry.cache_write_1h,
            )
            if entry.provider:
                self._exact[(entry.provider, entry.model)] = price
            else:
                self._any_provider[entry.model] = price

    def lookup(self, provider: str, model: str) -> Price | None:
        price = self._exact.get((provider, model)) or self._any_provider.get(model)
        if price is None and "/" in model:
            # OpenRouter-style ids ("openai/gpt-4o") carry the model after the slash.
            price = self._any_provider.get(model.rsplit("/", 1)[1])
        return price

    def cost(
        self,
        provider: str,
        model: str,
        usage: common_pb2.Usage,
        units: float = 0.0,
        kind: str = "chat",
    ) -> float | None:
        price = self.lookup(provider, model)
        return None if price is None else price.cost(usage, units, kind)
