"""Fixtures that start OmniRoute for real: every service its own process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omniroute.stack import Stack, StackConfig
from tests.helpers import Simulator


def start_stack(tmp: Path, **kwargs: object) -> Stack:
    config = StackConfig.on_free_ports(tmp, simulator=True, **kwargs)
    return Stack(config).start()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One shared stack per test module (starting one takes a few seconds)."""
    running = start_stack(tmp_path_factory.mktemp("stack"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def sim(stack: Stack) -> Iterator[Simulator]:
    simulator = Simulator(stack.simulator_url)
    simulator.clear()
    yield simulator
    simulator.clear()
    simulator.http.close()
