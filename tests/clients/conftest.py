"""The client conformance suite: real third-party clients, installed at pinned
versions (``install.py``), against one stack started the way ``make run``
starts it (no provider key in the environment: the provider simulator is
registered as the demo providers of every format)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omniroute.stack import PROVIDER_ENV, Stack, StackConfig
from tests.clients.harness import HERE, Gateway, Scripts
from tests.clients.install import Clients, InstallError, ensure_all
from tests.helpers import install_when_selected

_CLIENTS = pytest.StashKey[Clients | InstallError]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Installs the clients (about a minute or two the first time) before
    the first test of this suite."""
    installed = install_when_selected(
        session, HERE, "clients", ensure_all, InstallError
    )
    if installed is not None:
        session.config.stash[_CLIENTS] = installed


@pytest.fixture(scope="session")
def clients(pytestconfig: pytest.Config) -> Clients:
    installed = pytestconfig.stash.get(_CLIENTS, None)
    if installed is None:
        installed = ensure_all()
    if isinstance(installed, InstallError):
        pytest.fail(f"the pinned clients could not be installed: {installed}")
    return installed


@pytest.fixture(scope="package")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """One stack for the whole suite, as ``make run`` starts it (stopped when
    the suite's last test is done, not at the end of ``make test``)."""
    with pytest.MonkeyPatch.context() as patch:
        # The stack reads the environment when it starts: with a provider key
        # there, it would register that provider instead of the demo ones.
        for name in PROVIDER_ENV:
            patch.delenv(name, raising=False)
        config = StackConfig.on_free_ports(
            tmp_path_factory.mktemp("clients-stack"), simulator=None, log_format="text"
        )
        stack = Stack(config).start()
    try:
        assert stack.simulator_url, "the demo providers (the simulator) did not start"
        yield Gateway(stack)
    finally:
        stack.stop()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A throw-away HOME for one client run (its config, caches, sessions)."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def scripts(gateway: Gateway, clients: Clients, home: Path) -> Scripts:
    return Scripts(gateway, clients.python, home)
