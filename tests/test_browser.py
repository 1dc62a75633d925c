"""Key pages in a real browser: Debian's chromium driven by Playwright, against a live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from conftest import PASSWORD, World

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("ZHIGAI_REQUIRE_BROWSER") == "True"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None and not REQUIRED,
        reason="chromium is not installed (.ci/run installs it)",
    ),
]

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(live_server) -> Iterator[object]:
    if CHROMIUM is None:
        pytest.fail("ZHIGAI_REQUIRE_BROWSER=True but chromium is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are ordinary blocking calls, which Django allows once told so.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", base_url=live_server.url)
        page = context.new_page()
        page.csp_errors = []  # type: ignore[attr-defined]
        page.on(
            "console",
            lambda msg: "Content Security Policy" in msg.text and page.csp_errors.append(msg.text),
        )
        yield page
        browser.close()


def expect(locator):  # imported lazily: playwright is only needed when chromium is there
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, "login failed"


@pytest.mark.django_db(transaction=True)
def test_home_page_is_chinese_for_anonymous_visitors(page, world: World) -> None:
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "智改数转网联" in page.locator("h1").inner_text()
    assert page.csp_errors == []


@pytest.mark.django_db(transaction=True)
def test_city_official_sees_only_the_citys_enterprises(page, world: World) -> None:
    _login(page, "city_p")
    page.goto("/registry/enterprises/")
    names = page.locator("[data-testid=enterprise-table] tbody td:first-child").all_inner_texts()
    assert sorted(names) == sorted([world.e1.name, world.e2.name])
    assert world.e3.name not in page.content()

    page.fill("input[name=q]", "秦淮")
    expect(page.locator("[data-testid=enterprise-table] tbody tr")).to_have_count(1)
    assert (
        page.locator("[data-testid=enterprise-table] tbody").inner_text().startswith(world.e2.name)
    )

    response = page.goto(f"/registry/enterprises/{world.e3.pk}/")
    assert response is not None
    assert response.status == 404
    response = page.goto(f"/registry/enterprises/{world.e1.pk}/")
    assert response is not None
    assert response.status == 200
    assert page.csp_errors == []


@pytest.mark.django_db(transaction=True)
def test_language_switch_shows_english(page, world: World) -> None:
    _login(page, "city_p")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Enterprise registry" in page.locator("nav.main-nav").inner_text()
