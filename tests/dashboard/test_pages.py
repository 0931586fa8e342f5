"""Every dashboard page, signed in, on the running stack: each one shows a
visible message when its API fails, and the editing flows not covered by the
operator flow (combos and aliases, key limits and budget, revocation)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Browser, Page, Route, expect

from omniroute.stack import Stack
from tests.dashboard.harness import (
    PageErrors,
    new_page,
    restart_admin,
    set_password,
    start_dashboard_stack,
)
from tests.helpers import poll_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

PASSWORD = "pages-test-password"
FAILURE = "simulated failure of the management API"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_dashboard_stack(tmp_path_factory.mktemp("dashboard-pages"))
    try:
        set_password(running, PASSWORD)
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[tuple[Page, PageErrors]]:
    context, opened, errors = new_page(browser, stack.edge_url, PASSWORD)
    try:
        yield opened, errors
    finally:
        context.close()


def fail_with_500(route: Route) -> None:
    route.fulfill(
        status=500,
        content_type="application/json",
        body=json.dumps({"error": {"message": FAILURE, "type": "server_error"}}),
    )


# page, the API call it cannot do without, what the page says when it fails
BROKEN_CALLS = [
    ("providers", r"/api/providers$", "Could not load providers"),
    ("keys", r"/api/keys$", "Could not load API keys"),
    ("routing", r"/api/combos$", "Could not load combos"),
    ("usage", r"/api/usage/history\?", "Could not load usage history"),
    ("usage", r"/api/usage/logs\?", "Could not load the request log"),
    ("usage", r"/api/telemetry/summary\?", "Could not load latency percentiles"),
    ("usage", r"/api/usage/cache-health\?", "Could not load prompt-cache health"),
    ("health", r"/api/monitoring/health$", "Could not load service health"),
    ("health", r"/api/resilience$", "Could not load breakers and cooldowns"),
    ("settings", r"/api/settings$", "Could not load settings"),
    ("settings", r"/api/db-backups$", "Could not load backups"),
]


@pytest.mark.parametrize(
    ("name", "call", "message"),
    BROKEN_CALLS,
    ids=[f"{name}:{call.split('/api/')[1]}" for name, call, _ in BROKEN_CALLS],
)
def test_a_failing_api_call_shows_a_visible_error(
    page: tuple[Page, PageErrors], name: str, call: str, message: str
) -> None:
    tab, errors = page
    tab.route(re.compile(call), fail_with_500)
    tab.goto(f"/dashboard#/{name}")
    alert = tab.get_by_role("alert").filter(has_text=message)
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(f"{FAILURE} (HTTP 500)")
    expect(tab.locator("h1")).to_be_visible()

    # Retrying once the API is back shows the content instead.
    tab.unroute(re.compile(call))
    alert.get_by_role("button", name="Try again").click()
    expect(tab.get_by_role("alert").filter(has_text=message)).to_have_count(0)
    assert errors.messages == []


def test_an_unreachable_gateway_is_said_so(page: tuple[Page, PageErrors]) -> None:
    tab, _ = page
    tab.route(re.compile(r"/api/keys$"), lambda route: route.abort())
    tab.goto("/dashboard#/keys")
    expect(tab.get_by_role("alert")).to_contain_text("The gateway did not answer")


def test_the_sign_in_screen_says_when_admin_cannot_be_asked(
    browser: Browser, stack: Stack
) -> None:
    context, tab, _ = new_page(browser, stack.edge_url)
    try:
        tab.route(re.compile(r"/api/auth/status$"), fail_with_500)
        tab.goto("/dashboard")
        alert = tab.get_by_role("alert")
        expect(alert).to_contain_text("cannot reach the management API")
        tab.unroute(re.compile(r"/api/auth/status$"))
        alert.get_by_role("button", name="Try again").click()
        expect(tab.get_by_role("heading", name="Sign in to OmniRoute")).to_be_visible()
    finally:
        context.close()


def test_an_expired_session_returns_to_sign_in(page: tuple[Page, PageErrors]) -> None:
    tab, _ = page
    tab.goto("/dashboard#/providers")
    expect(tab.get_by_role("heading", name="Providers", exact=True)).to_be_visible()
    tab.route(
        re.compile(r"/api/keys$"),
        lambda route: route.fulfill(
            status=401,
            content_type="application/json",
            body='{"error": {"message": "sign in"}}',
        ),
    )
    tab.get_by_role("link", name="API keys").click()
    expect(tab.get_by_role("heading", name="Sign in to OmniRoute")).to_be_visible()
    expect(tab.get_by_text("Your session has ended")).to_be_visible()


def test_combos_keep_their_target_order_and_aliases_can_go(
    page: tuple[Page, PageErrors],
) -> None:
    tab, errors = page
    tab.goto("/dashboard#/routing")
    tab.get_by_role("button", name="New combo").click()
    tab.get_by_label("Combo name").fill("dash-combo")
    tab.get_by_label("Strategy").select_option("priority")
    tab.get_by_label("Target 1 model").fill("demo/gpt-4o-mini")
    tab.get_by_role("button", name="Add target").click()
    tab.get_by_label("Target 2 model").fill("demo/gpt-4o")
    tab.get_by_role("button", name="Move target 2 up").click()
    expect(tab.get_by_label("Target 1 model")).to_have_value("demo/gpt-4o")
    tab.get_by_role("button", name="Create combo").click()
    row = tab.locator("tbody tr", has_text="dash-combo")
    expect(row.locator("ol li")).to_have_text(["demo/gpt-4o", "demo/gpt-4o-mini"])

    tab.get_by_role("button", name="Edit combo dash-combo").click()
    tab.get_by_label("Strategy").select_option("weighted")
    tab.get_by_label("Target 2 weight").fill("3")
    tab.get_by_role("button", name="Save combo").click()
    expect(row).to_contain_text("weighted")
    expect(row.locator("ol li").last).to_have_text("demo/gpt-4o-mini \u00d73")

    tab.get_by_label("Alias", exact=True).fill("fast")
    tab.get_by_label("Target", exact=True).fill("demo/gpt-4o-mini")
    tab.get_by_role("button", name="Save alias").click()
    alias_row = tab.locator("tbody tr", has_text="fast")
    expect(alias_row).to_contain_text("demo/gpt-4o-mini")
    tab.get_by_role("button", name="Delete alias fast").click()
    dialog = tab.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete alias fast?")
    dialog.get_by_role("button", name="Delete").click()
    expect(tab.get_by_text("No aliases yet.")).to_be_visible()
    assert errors.messages == []


def test_key_limits_budget_and_revocation(
    page: tuple[Page, PageErrors], stack: Stack
) -> None:
    tab, errors = page
    created = httpx.post(
        stack.edge_url + "/api/keys",
        json={"name": "budgeted"},
        headers={"Authorization": f"Bearer {stack.admin_key}"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    tab.goto("/dashboard#/keys")
    tab.get_by_role("button", name="Edit key budgeted").click()
    tab.get_by_label("Tokens per minute").fill("50000")
    tab.get_by_label("Allowed models").fill("demo/gpt-4o-mini")
    tab.get_by_label("Limit (USD)").fill("5")
    tab.get_by_label("Period").select_option("weekly")
    tab.get_by_role("button", name="Save", exact=True).click()
    row = tab.locator("tbody tr", has_text="budgeted")
    expect(row).to_contain_text("$0.00 of $5.00 weekly")
    expect(row).to_contain_text("50,000")
    expect(row).to_contain_text("demo/gpt-4o-mini")

    # Cancelling the confirmation changes nothing.
    tab.get_by_role("button", name="Revoke key budgeted").click()
    tab.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(row).to_contain_text("Active")
    tab.get_by_role("button", name="Revoke key budgeted").click()
    tab.get_by_role("dialog").get_by_role("button", name="Revoke").click()
    expect(row).to_contain_text("Revoked")
    assert errors.messages == []


def admin_api(stack: Stack) -> httpx.Client:
    return httpx.Client(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.admin_key}"},
        timeout=10,
    )


def test_provider_edit_and_delete(page: tuple[Page, PageErrors], stack: Stack) -> None:
    tab, errors = page
    with admin_api(stack) as api:
        created = api.post(
            "/api/providers",
            json={
                "id": "extra",
                "base_url": stack.simulator_url + "/v1",
                "models": ["x-model"],
                "headers": {"X-Org": "team-7"},
            },
        )
        assert created.status_code == 201, created.text
    tab.goto("/dashboard#/providers")
    tab.get_by_role("button", name="Edit extra").click()
    expect(tab.get_by_label("Provider id")).to_have_attribute("readonly", "")
    tab.get_by_label("Display name").fill("Extra provider")
    tab.get_by_label("Models", exact=True).fill("x-model\ny-model")
    tab.get_by_role("button", name="Save changes").click()
    row = tab.locator("tr[data-provider='extra']")
    expect(row).to_contain_text("Extra provider")
    expect(row.locator("td").nth(2)).to_have_text("2")
    # The headers field was left empty: the stored header still goes upstream
    # (asking admin for the provider's model list makes an upstream call).
    with admin_api(stack) as api:
        assert api.get("/api/providers/extra/models").status_code == 200
    sent = httpx.get(stack.simulator_url + "/_sim/calls").json()["recent"][-1]
    assert sent["path"].endswith("/models")
    assert {k.lower(): v for k, v in sent["headers"].items()}["x-org"] == "team-7"

    tab.get_by_role("button", name="Delete extra").click()
    tab.get_by_role("dialog").get_by_role("button", name="Delete provider").click()
    expect(row).to_have_count(0)
    assert errors.messages == []


def test_usage_log_filters_pages_and_groups(
    page: tuple[Page, PageErrors], stack: Stack
) -> None:
    tab, errors = page
    models = ["gpt-4o-mini"] * 11 + ["gpt-4o"]
    with httpx.Client(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=30,
    ) as client:
        for model in models:
            answer = client.post(
                "/v1/chat/completions",
                json={
                    "model": f"demo/{model}",
                    "messages": [{"role": "user", "content": "count me"}],
                },
            )
            assert answer.status_code == 200, answer.text
    with admin_api(stack) as api:
        poll_until(
            lambda: api.get("/api/usage/logs").json()["total"] == len(models),
            timeout=15,
            interval=0.2,
        )

    tab.goto("/dashboard#/usage")
    log = tab.get_by_role("form", name="Request log filters")
    status = tab.locator(".pager [role=status]")
    expect(status).to_have_text("Showing 1 to 12 of 12 requests")
    log.get_by_label("Rows per page").select_option("10")
    log.get_by_role("button", name="Apply filters").click()
    expect(status).to_have_text("Showing 1 to 10 of 12 requests")
    tab.get_by_role("button", name="Next page").click()
    expect(status).to_have_text("Showing 11 to 12 of 12 requests")
    expect(tab.get_by_role("button", name="Next page")).to_be_disabled()

    log.get_by_label("Model").fill("gpt-4o")
    log.get_by_role("button", name="Apply filters").click()
    expect(status).to_have_text("Showing 1 to 1 of 1 request")
    log.get_by_role("button", name="Clear").click()
    expect(status).to_have_text("Showing 1 to 12 of 12 requests")
    expect(log.get_by_label("Rows per page")).to_have_value("25")

    tab.get_by_label("Group by").select_option("model")
    legend = tab.locator("figure[data-chart='requests'] .legend li")
    expect(legend).to_have_text(["gpt-4o", "gpt-4o-mini"])
    assert errors.messages == []


def test_latency_percentiles_over_time_from_real_traffic(
    page: tuple[Page, PageErrors], stack: Stack
) -> None:
    """Admin reports p50/p95/p99 per history bucket and group; the usage page
    charts them over all traffic and per provider."""
    tab, errors = page
    with admin_api(stack) as api:
        before = api.get("/api/usage/logs").json()["total"]
    with httpx.Client(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=30,
    ) as client:
        for _ in range(3):
            answer = client.post(
                "/v1/chat/completions",
                json={
                    "model": "demo/gpt-4o-mini",
                    "messages": [{"role": "user", "content": "time me"}],
                },
            )
            assert answer.status_code == 200, answer.text
    with admin_api(stack) as api:
        poll_until(
            lambda: api.get("/api/usage/logs").json()["total"] == before + 3,
            timeout=15,
            interval=0.2,
        )
        history = api.get("/api/usage/history", params={"bucket": "hour"}).json()
    assert all("p95Ms" in row for row in history["series"])

    tab.goto("/dashboard#/usage")
    chart = tab.locator("figure[data-chart='percentiles-over-time']")
    expect(chart.locator(".legend li")).to_have_text(["p50", "p95", "p99"])
    points = chart.locator("svg circle")
    expect(points.first).to_be_attached()
    assert points.count() % 3 == 0  # one point per percentile per bucket
    # And per group (provider by default): p95 and p99 lines per provider.
    for key in ("latency-p95", "latency-p99"):
        by_group = tab.locator(f"figure[data-chart='{key}']")
        expect(by_group.locator(".legend")).to_contain_text("demo")
        expect(by_group.locator("svg circle").first).to_be_attached()
    assert errors.messages == []


def test_prompt_cache_health_from_real_traffic(
    page: tuple[Page, PageErrors], stack: Stack
) -> None:
    """A two-turn conversation from an OpenAI client reaches the demo
    Anthropic provider (automatic breakpoints): the usage page shows the
    account's cache reads and writes as the API counts them."""
    tab, errors = page
    system = " ".join(f"rule-{i}" for i in range(1500))
    history = [{"role": "user", "content": "first"}]
    with httpx.Client(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=30,
    ) as client:
        for turn in ("second", None):
            answer = client.post(
                "/v1/chat/completions",
                json={
                    "model": "demo-anthropic/claude-sonnet-4-6",
                    "messages": [{"role": "system", "content": system}, *history],
                },
            )
            assert answer.status_code == 200, answer.text
            reply = answer.json()["choices"][0]["message"]["content"]
            if turn:
                history += [
                    {"role": "assistant", "content": reply},
                    {"role": "user", "content": turn},
                ]
    account = answer.headers["x-omniroute-decision"].split("account=")[1].split(";")[0]

    def health() -> dict[str, object] | None:
        with admin_api(stack) as api:
            groups = api.get(
                "/api/usage/cache-health", params={"group_by": "account"}
            ).json()["groups"]
        found = [g for g in groups if g["account"] == account]
        return found[0] if found and found[0]["cacheReadTokens"] else None

    group = poll_until(health, timeout=15, interval=0.2)
    assert group is not None
    tab.goto("/dashboard#/usage")
    region = tab.get_by_role("region", name="Provider prompt cache")
    row = region.locator(f"tr[data-account='{account}']")
    expect(row).to_contain_text(f"{group['cacheReadTokens']:,}")
    expect(row).to_contain_text(f"{group['cacheWriteTokens']:,}")
    labels = {"healthy": "Healthy", "rewriting": "Re-writing", "uncached": "Not cached"}
    expect(row.locator(".badge")).to_have_text(labels[str(group["verdict"])])
    assert errors.messages == []


def test_settings_are_saved_and_backups_made_downloaded_and_restored(
    page: tuple[Page, PageErrors],
) -> None:
    tab, errors = page
    tab.goto("/dashboard#/settings")
    prompt = tab.get_by_role("region", name="Global system prompt")
    prompt.get_by_label("Add this text to every chat request").check()
    prompt.get_by_label("Before the system prompt").fill("Be brief.")
    prompt.get_by_role("button", name="Save").click()
    expect(prompt.get_by_role("status")).to_have_text("System prompt saved.")

    thinking = tab.get_by_role("region", name="Thinking budget")
    thinking.get_by_label("Mode").select_option("custom")
    thinking.get_by_label("Custom budget (tokens)").fill("2048")
    thinking.get_by_role("button", name="Save").click()
    expect(thinking.get_by_role("status")).to_have_text("Thinking budget saved.")

    tab.reload()
    prompt = tab.get_by_role("region", name="Global system prompt")
    expect(prompt.get_by_label("Before the system prompt")).to_have_value("Be brief.")
    expect(prompt.get_by_label("Add this text to every chat request")).to_be_checked()
    expect(tab.get_by_label("Custom budget (tokens)")).to_have_value("2048")

    backups = tab.get_by_role("region", name="Backups")
    backups.get_by_role("button", name="Create backup").click()
    expect(backups.get_by_role("status")).to_contain_text("created")
    with tab.expect_download() as download:
        backups.get_by_role("link", name="Download database").click()
    assert download.value.suggested_filename.endswith(".sqlite")

    backup_id = backups.locator("tbody tr td").first.inner_text()
    backups.get_by_role("button", name=f"Restore backup {backup_id}").click()
    tab.get_by_role("dialog").get_by_role("button", name="Restore").click()
    expect(backups.get_by_role("status")).to_contain_text(f"Restored {backup_id}")
    assert errors.messages == []


def test_health_clears_the_cache_and_resets_breakers(
    page: tuple[Page, PageErrors],
) -> None:
    tab, errors = page
    tab.goto("/dashboard#/health")
    tab.get_by_role("button", name="Clear the cache").click()
    tab.get_by_role("dialog").get_by_role("button", name="Clear").click()
    expect(tab.locator("#toasts")).to_contain_text("Cache cleared")
    tab.get_by_role("button", name="Reset all breakers and cooldowns").click()
    tab.get_by_role("dialog").get_by_role("button", name="Reset").click()
    expect(tab.locator("#toasts")).to_contain_text("Reset 0 breakers")
    assert errors.messages == []


def test_keyboard_use(page: tuple[Page, PageErrors]) -> None:
    tab, errors = page
    tab.goto("/dashboard#/keys")
    heading = tab.get_by_role("heading", name="API keys", exact=True)
    expect(heading).to_be_focused()
    expect(tab.get_by_role("link", name="API keys")).to_have_attribute(
        "aria-current", "page"
    )
    # The skip link moves focus to the content without changing the route.
    tab.locator(".skip-link").focus()
    tab.keyboard.press("Enter")
    expect(tab.locator("main")).to_be_focused()
    expect(tab).to_have_url(re.compile(r"#/keys$"))

    # Escape cancels a confirmation; focus goes back to the button.
    row = tab.locator("tbody tr[data-key]").first
    revoke = row.get_by_role("button", name=re.compile("^Revoke key"))
    revoke.focus()
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("dialog")).to_be_visible()
    dialog = tab.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    tab.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(revoke).to_be_focused()
    expect(row).to_contain_text("Active")
    assert errors.messages == []


def test_a_stopped_admin_is_a_visible_error(
    page: tuple[Page, PageErrors], stack: Stack
) -> None:
    tab, _ = page
    tab.goto("/dashboard#/providers")
    expect(tab.locator("tbody tr").first).to_be_visible()
    stack.processes["admin"].stop()
    try:
        tab.get_by_role("button", name="Refresh").click()
        alert = tab.get_by_role("alert")
        expect(alert).to_contain_text("Could not load providers")
        expect(alert).to_contain_text("HTTP 503")
    finally:
        restart_admin(stack)
