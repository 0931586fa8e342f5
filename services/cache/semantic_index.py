"""In-process nearest-neighbour index for the semantic cache.

Cached responses may only be reused within the same API-key scope, model and
sampling parameters, so the index is split into partitions keyed by a string the
cache service derives from those. Each partition holds a float32 matrix of
L2-normalised embeddings, one row per entry, and search is brute force: cosine
similarity is ``matrix @ query``, about a millisecond for 10,000 x 384 floats,
which beats an approximate index at this size and never misses a match.

The index is pure (no I/O) and not thread-safe: the cache service owns one per
process, rebuilds it from Redis at start and calls it from its event loop.
Entries are bounded by ``max_entries``; past that, the oldest entry overall is
evicted, whatever its partition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SemanticIndex"]

# Rows allocated for a partition's first entry; most partitions stay small
# (one per key scope and model), so start small and double on demand.
_INITIAL_CAPACITY = 16


@dataclass(slots=True)
class _Partition:
    """Rows ``[0, size)`` of ``matrix`` are live; ``ids[row]`` names each row."""

    matrix: NDArray[np.float32]
    ids: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.ids)

    def append(self, entry_id: str, vector: NDArray[np.float32]) -> None:
        if self.size == self.matrix.shape[0]:
            # Doubling keeps appends amortised O(1) while the cache warms up.
            self._resize(2 * self.matrix.shape[0])
        self.matrix[self.size] = vector
        self.rows[entry_id] = self.size
        self.ids.append(entry_id)

    def delete(self, entry_id: str) -> None:
        # Move the last row into the hole: O(1), and search does not care about
        # row order.
        row = self.rows.pop(entry_id)
        last = self.size - 1
        if row != last:
            moved = self.ids[last]
            self.matrix[row] = self.matrix[last]
            self.ids[row] = moved
            self.rows[moved] = row
        self.ids.pop()
        capacity = self.matrix.shape[0]
        # Give memory back after mass eviction; shrinking at a quarter (not a
        # half) avoids resizing back and forth around one boundary.
        if capacity > _INITIAL_CAPACITY and self.size <= capacity // 4:
            self._resize(max(_INITIAL_CAPACITY, capacity // 2))

    def best(self, query: NDArray[np.float32]) -> tuple[str, float]:
        similarities = self.matrix[: self.size] @ query
        row = int(np.argmax(similarities))
        return self.ids[row], float(similarities[row])

    def _resize(self, capacity: int) -> None:
        matrix = np.empty((capacity, self.matrix.shape[1]), dtype=np.float32)
        matrix[: self.size] = self.matrix[: self.size]
        self.matrix = matrix


class SemanticIndex:
    """Partitioned brute-force cosine index over L2-normalised float32 vectors."""

    def __init__(self, dimension: int, max_entries: int) -> None:
        """Create an empty index of ``dimension``-wide vectors.

        ``max_entries`` bounds the entries across all partitions; adding one more
        evicts the oldest.
        """
        if dimension <= 0:
            raise ValueError("dimension must be positive")
        if max_entries <= 0:
            raise ValueError("max_entries must be positive")
        self._dimension = dimension
        self._max_entries = max_entries
        self._partitions: dict[str, _Partition] = {}
        # Insertion-ordered: the first key is the oldest entry, for eviction.
        self._partition_of: dict[str, str] = {}

    @property
    def dimension(self) -> int:
        """Width of the vectors this index holds."""
        return self._dimension

    @property
    def max_entries(self) -> int:
        """Number of entries past which the oldest is evicted."""
        return self._max_entries

    def __len__(self) -> int:
        return len(self._partition_of)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._partition_of

    def partition_size(self, partition: str) -> int:
        """Number of entries in ``partition`` (0 if it does not exist)."""
        found = self._partitions.get(partition)
        return found.size if found is not None else 0

    def add(self, partition: str, entry_id: str, vector: ArrayLike) -> list[str]:
        """Index ``vector`` under ``entry_id`` in ``partition``.

        The vector is normalised here, so callers may pass raw embeddings. An
        existing ``entry_id`` is replaced and counts as new. Returns the ids
        evicted to stay within ``max_entries`` (usually none), so the caller can
        drop their payloads too.
        """
        normalised = self._normalise(vector)
        self.remove(entry_id)
        found = self._partitions.get(partition)
        if found is None:
            found = _Partition(
                np.empty((_INITIAL_CAPACITY, self._dimension), dtype=np.float32)
            )
            self._partitions[partition] = found
        found.append(entry_id, normalised)
        self._partition_of[entry_id] = partition
        evicted: list[str] = []
        while len(self._partition_of) > self._max_entries:
            oldest = next(iter(self._partition_of))
            self.remove(oldest)
            evicted.append(oldest)
        return evicted

    def remove(self, entry_id: str) -> bool:
        """Drop ``entry_id``; returns whether it was present."""
        partition = self._partition_of.pop(entry_id, None)
        if partition is None:
            return False
        found = self._partitions[partition]
        found.delete(entry_id)
        if found.size == 0:
            del self._partitions[partition]
        return True

    def search(
        self, partition: str, vector: ArrayLike, threshold: float
    ) -> tuple[str, float] | None:
        """Return the most similar entry of ``partition`` and its cosine similarity.

        ``None`` when the partition is empty or the best similarity is below
        ``threshold``. The query is normalised here, like added vectors.
        """
        query = self._normalise(vector)
        found = self._partitions.get(partition)
        if found is None:
            return None
        entry_id, similarity = found.best(query)
        return (entry_id, similarity) if similarity >= threshold else None

    def clear(self) -> None:
        """Forget every entry in every partition."""
        self._partitions.clear()
        self._partition_of.clear()

    def _normalise(self, vector: ArrayLike) -> NDArray[np.float32]:
        array = np.asarray(vector, dtype=np.float32)
        if array.shape != (self._dimension,):
            raise ValueError(
                f"expected a vector of shape ({self._dimension},), got {array.shape}"
            )
        norm = float(np.linalg.norm(array))
        if not math.isfinite(norm) or norm == 0.0:
            raise ValueError("vector must be finite and non-zero")
        return array / norm
