"""Fixtures of the compatibility suite: the original OmniRoute and ours, side
by side, both on loopback.

The original is installed once per machine (``tests/compat/original.py``).
When the npm registry cannot be reached the suite is skipped with the reason;
any other install failure fails it, so a broken install is never silent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients.install import InstallError
from tests.compat import original as reference

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def original_package() -> Path:
    try:
        return reference.ensure_installed()
    except InstallError as exc:
        if "unreachable" in str(exc):
            pytest.skip(f"the original OmniRoute cannot be installed: {exc}")
        raise


@pytest.fixture(scope="module")
def original(
    original_package: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[reference.Original]:
    """A fresh original with its own data dir, logged in as its admin."""
    with reference.running_original(tmp_path_factory.mktemp("original")) as running:
        yield running
