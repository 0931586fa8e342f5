"""Helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


def poll_until(
    check: Callable[[], T], timeout: float = 10.0, interval: float = 0.05
) -> T:
    """Calls ``check`` until it returns something truthy; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


class Simulator:
    """The provider simulator's control API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)

    def fault(
        self,
        key: str | None = None,
        model: str | None = None,
        path: str | None = None,
        **action: Any,
    ) -> None:
        """Adds a fault rule matching ``key``/``model``/``path`` (each optional)."""
        match = {k: v for k, v in (("key", key), ("model", model), ("path", path)) if v}
        response = self.http.post(
            "/_sim/faults", json={"rules": [{"match": match, **action}]}
        )
        assert response.status_code == 200, response.text

    def clear(self) -> None:
        self.http.delete("/_sim/faults").raise_for_status()
        self.http.delete("/_sim/calls").raise_for_status()

    def calls(self) -> dict[str, Any]:
        response = self.http.get("/_sim/calls")
        response.raise_for_status()
        return dict(response.json())


def admin_client(base_url: str, admin_key: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {admin_key}"}, timeout=10
    )


async def poll_until_async(
    check: Callable[[], T], within: float = 5.0, interval: float = 0.02
) -> T:
    """``poll_until`` for async tests: yields to the event loop between tries."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {within}s (last value: {last!r})")
