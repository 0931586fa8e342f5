"""Fixtures of the wire tests: deterministic ids and clock, golden helpers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from omniroute.wire import hub

CLOCK = 1_700_000_000


@pytest.fixture(autouse=True)
def deterministic_ids(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Generated ids become ``<prefix>0001``, ``<prefix>0002``... and time stands still.

    Golden files can then spell out every id a translator invents.
    """
    counter = itertools.count(1)
    monkeypatch.setattr(hub, "_token", lambda: f"{next(counter):04d}")
    monkeypatch.setattr(hub, "now", lambda: CLOCK)
    yield
