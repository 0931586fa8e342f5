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
from tests.helpers import install_when_selected

HERE = Path(__file__).resolve().parent
_INSTALLED = pytest.StashKey[Path | InstallError]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Installs the original (about five minutes the first time) before the
    first test of this suite."""
    installed = install_when_selected(
        session, HERE, "compat", reference.ensure_installed, InstallError
    )
    if installed is not None:
        session.config.stash[_INSTALLED] = installed


@pytest.fixture(scope="session")
def original_package(pytestconfig: pytest.Config) -> Path:
    installed = pytestconfig.stash.get(_INSTALLED, None)
    if installed is None:
        try:
            installed = reference.ensure_installed()
        except InstallError as exc:
            installed = exc
    if isinstance(installed, InstallError):
        if "unreachable" in str(installed):
            pytest.skip(f"the original OmniRoute cannot be installed: {installed}")
        pytest.fail(f"the original OmniRoute could not be installed: {installed}")
    return installed


@pytest.fixture(scope="module")
def original(
    original_package: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[reference.Original]:
    """A fresh original with its own data dir, logged in as its admin."""
    with reference.running_original(tmp_path_factory.mktemp("original")) as running:
        yield running
