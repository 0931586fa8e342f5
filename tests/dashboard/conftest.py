"""Browser tests of the dashboard: Playwright driving Debian's headless Chromium
against the whole stack (every service a process, the provider simulator).

Chromium comes from the system (``tests/dashboard/ensure_chromium.sh``), never
from Playwright's downloader; the browser tests are skipped when it or the
``playwright`` package is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for the dashboard tests; tests get fresh contexts.

    Package scope, not session: Playwright's sync API keeps an event loop
    running in this thread while it lives, which would stop later tests
    from using ``asyncio.run``.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.dashboard.harness import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run tests/dashboard/ensure_chromium.sh")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (git-ignored; CI keeps them as artefacts)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
