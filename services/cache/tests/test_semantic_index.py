"""The semantic cache's in-process vector index."""

from __future__ import annotations

import numpy as np
import pytest

from services.cache.semantic_index import SemanticIndex

_DIM = 8


def _unit(*components: float) -> np.ndarray:
    vector = np.zeros(_DIM, dtype=np.float32)
    vector[: len(components)] = components
    return vector / np.linalg.norm(vector)


def _random_unit(rng: np.random.Generator, count: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal((count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_finds_the_most_similar_entry_with_its_cosine() -> None:
    index = SemanticIndex(dimension=_DIM, max_entries=100)
    index.add("scope:model", "paris", _unit(1.0, 0.1))
    index.add("scope:model", "python", _unit(0.0, 1.0))

    found = index.search("scope:model", _unit(1.0, 0.0), threshold=0.9)

    assert found is not None
    entry_id, similarity = found
    assert entry_id == "paris"
    assert isinstance(similarity, float)
    assert similarity == pytest.approx(float(_unit(1.0, 0.1) @ _unit(1.0, 0.0)))


def test_below_threshold_is_a_miss_and_at_threshold_is_a_hit() -> None:
    index = SemanticIndex(dimension=_DIM, max_entries=100)
    index.add("p", "a", _unit(1.0, 1.0))
    similarity = float(_unit(1.0, 1.0) @ _unit(1.0, 0.0))

    assert index.search("p", _unit(1.0, 0.0), threshold=similarity + 1e-4) is None
    assert index.search("p", _unit(1.0, 0.0), threshold=similarity - 1e-6) is not None


def test_partitions_never_see_each_other() -> None:
    index = SemanticIndex(dimension=_DIM, max_entries=100)
    index.add("key-a:gpt", "a", _unit(1.0))

    assert index.search("key-b:gpt", _unit(1.0), threshold=0.0) is None
    assert index.search("key-a:claude", _unit(1.0), threshold=0.0) is None
    assert index.search("key-a:gpt", _unit(1.0), threshold=0.99) == (
        "a",
        pytest.approx(1.0),
    )


def test_vectors_are_normalised_on_the_way_in() -> None:
    index = SemanticIndex(dimension=_DIM, max_entries=10)
    index.add("p", "long", _unit(1.0, 2.0) * 40.0)

    found = index.search("p", _unit(1.0, 2.0) * 0.01, threshold=0.999)

    assert found is not None
    assert found[1] == pytest.approx(1.0, abs=1e-6)


def test_remove_and_len() -> None:
    index = SemanticIndex(dimension=_DIM, max_entries=10)
    index.add("p", "a", _unit(1.0))
    index.add("p", "b", _unit(0.0, 1.0))
    index.add("q", "c", _unit(0.0, 0.0, 1.0))
    assert len(index) == 3

    assert index.remove("a") is True
    assert index.remove("a") is False
    assert len(index) == 2
    assert "a" not in index
    assert index.search("p", _unit(1.0), threshold=0.5) is None
    assert index.search("p", _unit(0.0, 1.0), threshold=0.5) == (
        "b",
        pytest.approx(1.0),
    )


def test_re_adding_an_id_replaces_its_vector_and_partition() -> None:
    index = SemanticIndex(dimension=_DIM, max_entries=10)
    index.add("p", "a", _unit(1.0))
    index.add("q", "a", _unit(0.0, 1.0))

    assert len(index) == 1
    assert index.search("p", _unit(1.0), threshold=-1.0) is None
    assert index.search("q", _unit(0.0, 1.0), threshold=0.99) is not None


def test_oldest_entry_overall_is_evicted_past_max_entries() -> None:
    index = SemanticIndex(dimension=_DIM, max_entries=3)
    assert index.add("p", "first", _unit(1.0)) == []
    index.add("q", "second", _unit(0.0, 1.0))
    index.add("p", "third", _unit(0.0, 0.0, 1.0))

    evicted = index.add("q", "fourth", _unit(0.0, 0.0, 0.0, 1.0))

    assert evicted == ["first"]
    assert len(index) == 3
    assert "first" not in index
    assert index.search("p", _unit(1.0), threshold=0.5) is None
    assert {"second", "third", "fourth"} == {
        entry for entry in ("first", "second", "third", "fourth") if entry in index
    }


def test_grows_and_shrinks_without_losing_entries() -> None:
    rng = np.random.default_rng(7)
    vectors = _random_unit(rng, 1000, 32)
    index = SemanticIndex(dimension=32, max_entries=10_000)
    for number, vector in enumerate(vectors):
        index.add("p", f"e{number}", vector)
    # Remove most entries (forcing the matrix to shrink) in an order that
    # moves rows around, then check every survivor is still found exactly.
    for number in rng.permutation(1000)[:900]:
        index.remove(f"e{number}")
    survivors = [number for number in range(1000) if f"e{number}" in index]
    assert len(survivors) == len(index) == 100
    assert index.partition_size("p") == 100
    for number in survivors:
        found = index.search("p", vectors[number], threshold=0.999)
        assert found is not None
        assert found[0] == f"e{number}"


def test_matches_a_brute_force_reference() -> None:
    rng = np.random.default_rng(11)
    vectors = _random_unit(rng, 500, 64)
    index = SemanticIndex(dimension=64, max_entries=1000)
    for number, vector in enumerate(vectors):
        index.add("p", str(number), vector)
    for query in _random_unit(rng, 20, 64):
        similarities = vectors @ query
        expected = int(np.argmax(similarities))
        assert index.search("p", query, threshold=-1.0) == (
            str(expected),
            pytest.approx(float(similarities[expected]), abs=1e-5),
        )


def test_empty_partition_is_dropped() -> None:
    index = SemanticIndex(dimension=_DIM, max_entries=10)
    index.add("p", "a", _unit(1.0))
    index.remove("a")
    assert index.partition_size("p") == 0
    assert index.search("p", _unit(1.0), threshold=-1.0) is None


@pytest.mark.parametrize(
    "vector",
    [
        np.zeros(_DIM, dtype=np.float32),
        np.full(_DIM, np.nan, dtype=np.float32),
        np.ones(_DIM + 1, dtype=np.float32),
    ],
    ids=["zero", "nan", "wrong-width"],
)
def test_invalid_vectors_are_refused(vector: np.ndarray) -> None:
    index = SemanticIndex(dimension=_DIM, max_entries=10)
    with pytest.raises(ValueError):
        index.add("p", "a", vector)
    with pytest.raises(ValueError):
        index.search("p", vector, threshold=0.5)
    assert len(index) == 0


def test_bad_construction_is_refused() -> None:
    with pytest.raises(ValueError):
        SemanticIndex(dimension=0, max_entries=10)
    with pytest.raises(ValueError):
        SemanticIndex(dimension=_DIM, max_entries=0)
