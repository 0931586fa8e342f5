"""Golden cases: every translator against outputs written from provider docs.

Each file under ``golden/<format>/`` names the function it exercises
(``kind``), its input and the exact expected output; ``about`` says what the
case is about. See ``golden_io`` for the compact stream notation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from omniroute.wire.tests.golden_io import GOLDEN, run

CASES = sorted(GOLDEN.glob("*/*.json"))


def test_every_format_has_golden_cases_of_every_kind() -> None:
    kinds = {
        "request_to_hub",
        "request_from_hub",
        "response_to_hub",
        "response_from_hub",
        "stream_to_hub",
        "stream_from_hub",
    }
    for fmt in ("openai_chat", "anthropic", "responses", "gemini", "ollama"):
        present = {p.stem.split("-", 1)[0] for p in (GOLDEN / fmt).glob("*.json")}
        assert present == kinds, fmt


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden(path: Path) -> None:
    actual, expected = run(path)
    assert actual == expected
