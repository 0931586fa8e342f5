"""One simulator process for the whole session (chunk delay 0 so streams are
quick); every test starts with no fault rules and an empty call log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.simulator.harness import SimControl, SimulatorProcess


@pytest.fixture(scope="session")
def sim_process() -> Iterator[SimulatorProcess]:
    with SimulatorProcess("--chunk-delay-ms", "0") as process:
        yield process


@pytest.fixture
def control(sim_process: SimulatorProcess) -> SimControl:
    sim = SimControl(sim_process.url)
    sim.reset()
    return sim


@pytest.fixture
def url(control: SimControl) -> str:
    return control.base_url
