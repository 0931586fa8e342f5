"""Each SDK's way of writing a base URL becomes the one the executor uses."""

from __future__ import annotations

import pytest

from omniroute.base_urls import normalize_base_url
from omniroute.wire.formats import WireFormat

A, G, OL, C, R = (
    WireFormat.ANTHROPIC,
    WireFormat.GEMINI,
    WireFormat.OLLAMA,
    WireFormat.OPENAI_CHAT,
    WireFormat.RESPONSES,
)


@pytest.mark.parametrize(
    ("fmt", "given", "stored"),
    [
        # ANTHROPIC_BASE_URL as the Anthropic SDK and Claude Code take it.
        (A, "http://127.0.0.1:4000", "http://127.0.0.1:4000/v1"),
        (A, "http://127.0.0.1:4000/", "http://127.0.0.1:4000/v1"),
        (A, "http://127.0.0.1:4000/v1", "http://127.0.0.1:4000/v1"),
        (A, "http://127.0.0.1:4000/v1/messages", "http://127.0.0.1:4000/v1"),
        (
            A,
            "https://api.deepseek.com/anthropic",
            "https://api.deepseek.com/anthropic/v1",
        ),
        # GEMINI_BASE_URL as google-genai takes it (no version), or with one.
        (G, "http://h:9", "http://h:9/v1beta"),
        (G, "http://h:9/v1beta", "http://h:9/v1beta"),
        (G, "http://h:9/v1", "http://h:9/v1"),
        (G, "http://h:9/v1alpha/", "http://h:9/v1alpha"),
        (G, "http://h:9/v1beta/models", "http://h:9/v1beta"),
        # OLLAMA_HOST forms, and OpenAI-compatible or API paths pasted whole.
        (OL, "127.0.0.1", "http://127.0.0.1:11434"),
        (OL, "localhost:11500", "http://localhost:11500"),
        (OL, ":11434", "http://127.0.0.1:11434"),
        (OL, "0.0.0.0", "http://127.0.0.1:11434"),
        (OL, "http://h:11434/v1", "http://h:11434"),
        (OL, "http://h:11434/api", "http://h:11434"),
        (OL, "http://h:11434/api/chat", "http://h:11434"),
        (OL, "https://ollama.example.com", "https://ollama.example.com"),
        # OpenAI's convention keeps its version segment; a full endpoint is cut.
        (C, "http://h/v1/", "http://h/v1"),
        (C, "http://h/v1/chat/completions", "http://h/v1"),
        (C, "https://api.groq.com/openai/v1", "https://api.groq.com/openai/v1"),
        (R, "http://h/v1/responses", "http://h/v1"),
        (A, "", ""),
    ],
)
def test_base_url_forms(fmt: WireFormat, given: str, stored: str) -> None:
    assert normalize_base_url(fmt, given) == stored


def test_normalising_twice_changes_nothing() -> None:
    for fmt in WireFormat:
        once = normalize_base_url(fmt, "http://h:1")
        assert normalize_base_url(fmt, once) == once
