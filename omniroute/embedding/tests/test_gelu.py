"""GELU against its definition with the standard library's exact erf."""

from __future__ import annotations

import math

import numpy as np

from omniroute.embedding.gelu import gelu


def test_gelu_matches_the_erf_definition_to_float32_precision() -> None:
    grid = np.linspace(-10.0, 10.0, 40001, dtype=np.float32)
    exact = np.array(
        [0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0))) for x in grid.tolist()]
    )
    approximate = gelu(grid)
    assert approximate.dtype == np.float32
    # GELU(x) ~ x for large x, so the error bound grows with |x| like an ulp.
    tolerance = 2e-7 * np.maximum(1.0, np.abs(grid.astype(np.float64)))
    assert np.all(np.abs(approximate - exact) <= tolerance)


def test_gelu_of_2d_activations_keeps_shape_and_float32() -> None:
    activations = np.arange(-6, 6, dtype=np.float32).reshape(3, 4)
    result = gelu(activations)
    assert result.dtype == np.float32
    assert result.shape == (3, 4)
