"""What the dashboard's browser tests share: the stack, Chromium's switches, pages."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from playwright.sync_api import Browser, BrowserContext, Page

from omniroute.stack import Process, Stack, wait_until
from tests.conftest import start_stack

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking switches Chromium keeps calling Google
# services, which on a closed network only floods the logs and slows it down.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INITIAL_PASSWORD = "initial-dashboard-pass"
# A laptop screen.
VIEWPORT = {"width": 1366, "height": 860}
# Generous for a 2-core machine running five services and a browser.
UI_TIMEOUT_MS = 10_000


def dashboard_served(stack: Stack) -> bool:
    response = httpx.get(stack.edge_url + "/dashboard", timeout=5)
    return response.status_code == 200


def restart_admin(stack: Stack, args: list[str] | None = None) -> None:
    """Starts admin again (same environment and log), with ``args`` if given."""
    old = stack.processes["admin"]
    old.stop()
    admin = Process("admin", args or old.args, old.env, old.log_path)
    stack.processes["admin"] = admin
    admin.start()
    wait_until(lambda: dashboard_served(stack), 60, f"admin (see {old.log_path})")


def start_dashboard_stack(tmp: Path) -> Stack:
    return start_stack(tmp, env={"INITIAL_PASSWORD": INITIAL_PASSWORD})


def set_password(stack: Stack, password: str) -> None:
    """Sets the dashboard password with the admin key (no first-run screen)."""
    response = httpx.put(
        stack.edge_url + "/api/auth/password",
        json={"new": password},
        headers={"Authorization": f"Bearer {stack.admin_key}"},
        timeout=10,
    )
    response.raise_for_status()


class PageErrors:
    """JavaScript errors of a page: a test fails on any it did not expect."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, error: Exception) -> None:
        self.messages.append(str(error))


def new_page(
    browser: Browser, base_url: str, password: str | None = None
) -> tuple[BrowserContext, Page, PageErrors]:
    """A fresh browser context and page; signed in when ``password`` is given
    (the login call stores the auth_token cookie in the context)."""
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT)  # type: ignore[arg-type]
    context.set_default_timeout(UI_TIMEOUT_MS)
    if password is not None:
        answer = context.request.post("/api/auth/login", data={"password": password})
        assert answer.ok, answer.text()
    page = context.new_page()
    errors = PageErrors()
    page.on("pageerror", errors)
    return context, page, errors
