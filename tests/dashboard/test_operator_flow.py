"""Issue 10 acceptance: an operator uses the dashboard in a real browser.

Sign in with the initial password, replace it, add a provider pointing at the
simulator, create a key, send a request with that key through the edge, and
see it in the usage chart and the request log. Screenshots of every page go
to ``test-artifacts/dashboard/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Browser, Page, expect

from omniroute.stack import Stack
from tests.dashboard.harness import (
    INITIAL_PASSWORD,
    PageErrors,
    new_page,
    start_dashboard_stack,
)
from tests.helpers import poll_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

NEW_PASSWORD = "operator-chosen-pass"
PROVIDER = "sim"
MODEL = "dash-model"
KEY_NAME = "dashboard-test"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_dashboard_stack(tmp_path_factory.mktemp("dashboard"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[tuple[Page, PageErrors]]:
    context, opened, errors = new_page(browser, stack.edge_url)
    try:
        yield opened, errors
    finally:
        context.close()


def shoot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def sign_in_first_time(page: Page, artifacts: Path) -> None:
    page.goto("/dashboard")
    expect(page.get_by_role("heading", name="Sign in to OmniRoute")).to_be_visible()
    shoot(page, artifacts, "01-login")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong password")

    page.get_by_label("Password").fill(INITIAL_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Choose your own password")).to_be_visible()
    shoot(page, artifacts, "02-first-run-password")
    page.get_by_label("Current password").fill(INITIAL_PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", name="Providers", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"#/providers$"))


def add_provider(page: Page, stack: Stack, artifacts: Path) -> None:
    page.get_by_role("button", name="Add provider").click()
    page.get_by_label("Provider id").fill(PROVIDER)
    page.get_by_label("Kind").select_option("openai-compatible")
    page.get_by_label("Base URL").fill(stack.simulator_url + "/v1")
    page.get_by_label("API key", exact=True).fill("sk-sim-anything")
    page.get_by_label("Models", exact=True).fill(MODEL)
    page.get_by_role("button", name="Add provider").last.click()
    row = page.locator(f"tr[data-provider='{PROVIDER}']")
    expect(row).to_contain_text("Healthy")
    expect(row).to_contain_text("closed")

    page.get_by_role("button", name=f"Test connection to {PROVIDER}").click()
    expect(page.get_by_text(f"Test of {PROVIDER}: OK")).to_be_visible()
    page.get_by_role("button", name=f"List models of {PROVIDER}").click()
    expect(page.get_by_role("heading", name=f"Models of {PROVIDER}")).to_be_visible()
    shoot(page, artifacts, "03-providers")


def create_key(page: Page, artifacts: Path) -> str:
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()
    page.get_by_role("button", name="Create key").click()
    page.get_by_label("Name").fill(KEY_NAME)
    page.get_by_label("Requests per minute").fill("600")
    page.get_by_role("button", name="Create key").last.click()
    secret = page.get_by_label("New API key")
    expect(secret).to_be_visible()
    key = secret.input_value()
    assert key.startswith("sk-"), key
    shoot(page, artifacts, "04-keys-created")
    page.get_by_role("button", name="I have saved it").click()
    expect(page.locator("tbody tr", has_text=KEY_NAME)).to_contain_text("Active")
    return key


def send_request(stack: Stack, key: str) -> None:
    body = {
        "model": f"{PROVIDER}/{MODEL}",
        "messages": [{"role": "user", "content": "Hello from the dashboard test"}],
    }

    def answered() -> httpx.Response | None:
        # The edges accept the new key once they load the new snapshot.
        response = httpx.post(
            stack.edge_url + "/v1/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )
        return response if response.status_code != 401 else None

    response = poll_until(answered, timeout=15, interval=0.25)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"]


def see_usage(page: Page, artifacts: Path) -> None:
    page.get_by_role("link", name="Usage").click()
    expect(page.get_by_role("heading", name="Usage", exact=True)).to_be_visible()
    log_row = page.locator("tbody tr", has_text=KEY_NAME)
    requests_chart = page.locator("figure[data-chart='requests']")

    def arrived() -> bool:
        # Usage is recorded asynchronously (edge → Redis → admin): refresh.
        if log_row.count() and requests_chart.locator(".legend li").count():
            return True
        page.get_by_role("button", name="Refresh", exact=True).click()
        page.wait_for_timeout(400)
        return False

    poll_until(arrived, timeout=15, interval=0.1)
    expect(log_row).to_contain_text(f"{PROVIDER}/{MODEL}")
    expect(log_row).to_contain_text("200")
    expect(requests_chart.locator(".legend")).to_contain_text(PROVIDER)
    # The chart's numbers, as its data table says them.
    requests_chart.get_by_text("Requests: data table").click()
    header = requests_chart.locator("thead th")
    column = header.all_inner_texts().index(PROVIDER)
    cells = requests_chart.locator(f"tbody tr td:nth-child({column + 1})")
    assert sum(int(text) for text in cells.all_inner_texts()) == 1
    expect(requests_chart.locator("svg rect")).to_have_count(1)
    expect(page.locator("figure[data-chart='percentiles']")).to_contain_text(PROVIDER)
    shoot(page, artifacts, "05-usage")


def visit_other_pages(page: Page, artifacts: Path) -> None:
    page.get_by_role("link", name="Combos & aliases").click()
    expect(page.get_by_role("heading", name="Combos & aliases")).to_be_visible()
    expect(page.get_by_text("No combos yet.")).to_be_visible()
    shoot(page, artifacts, "06-combos-aliases")

    page.get_by_role("link", name="Health").click()
    services = page.locator("tr[data-service]")
    expect(services).to_have_count(8)  # the edge as admin sees it, and this one
    expect(page.locator("tr[data-service='edge (this origin)'] .badge")).to_have_text(
        "OK"
    )
    expect(page.locator("tr[data-service='edge'] .badge")).to_have_text("OK")
    expect(page.locator("tr[data-service='redis'] .badge")).to_have_text("OK")
    expect(page.locator("tr[data-service='executor'] .badge")).to_have_text("OK")
    expect(page.get_by_text("Every breaker is closed.")).to_be_visible()
    expect(page.get_by_label("Cache statistics")).to_contain_text("Hit rate")
    shoot(page, artifacts, "07-health")

    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Outbound proxy")).to_be_visible()
    page.get_by_role("button", name="Create backup").click()
    expect(page.get_by_text(re.compile(r"Backup \S+-manual created"))).to_be_visible()
    shoot(page, artifacts, "08-settings")


def test_operator_signs_in_configures_and_sees_a_request(
    page: tuple[Page, PageErrors], stack: Stack, artifacts: Path
) -> None:
    tab, errors = page
    sign_in_first_time(tab, artifacts)
    add_provider(tab, stack, artifacts)
    key = create_key(tab, artifacts)
    send_request(stack, key)
    see_usage(tab, artifacts)
    visit_other_pages(tab, artifacts)

    tab.get_by_role("button", name="Sign out").click()
    expect(tab.get_by_role("heading", name="Sign in to OmniRoute")).to_be_visible()
    expect(tab.get_by_text("You are signed out.")).to_be_visible()
    assert errors.messages == []
