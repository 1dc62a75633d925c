"""The target tracker in a real browser (Debian's chromium through Playwright, live server): the
plan overview shows every target's status badge and switches the year through htmx; a task page
draws each target's trend and its cities' completion with ECharts; a city official reaches the
own city's scorecard (its chart drawn) but gets 404 for another city's; no Content Security Policy
errors anywhere.

Screenshots go to $ZHIGAI_SCREENSHOTS (when set) for a look at the pages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import World
from targets.models import Target
from targets.tests.test_views import make_plan_snapshot
from tests.test_browser import _login, expect, page  # noqa: F401 — `page` is a fixture
from tests.test_browser import pytestmark as browser_marks

pytestmark = browser_marks

STATUS_LABELS = {"达成", "正常推进", "有风险", "滞后", "暂无数据"}
CHART_STATE = """(selector) => {
  const el = document.querySelector(selector);
  const chart = echarts.getInstanceByDom(el);
  return {
    canvas: el.querySelectorAll('canvas').length,
    series: chart.getOption().series.map((s) => s.name),
    points: chart.getOption().series[0].data.length,
  };
}"""


def _screenshot(page, name: str) -> None:  # noqa: F811 — `page` is the fixture's object
    folder = os.environ.get("ZHIGAI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_the_overview_shows_badges_and_a_task_draws_its_charts(page, world: World) -> None:  # noqa: F811
    make_plan_snapshot()
    _login(page, "province")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("[data-testid=nav-targets]")
    page.wait_for_url("**/targets/")

    badges = page.locator("span.target-status[data-testid^=status-]")
    expect(badges).to_have_count(Target.objects.count())
    assert set(badges.all_inner_texts()) <= STATUS_LABELS
    coverage = page.locator("[data-testid=status-basic_factory_coverage]")
    assert "预计" in (coverage.get_attribute("title") or "")  # the reason (forecast), on hover
    assert page.locator("[data-testid=count-no_data] .value").inner_text() != "0"
    _screenshot(page, "targets-overview.png")

    page.click("[data-testid=task-1] h3 a")
    page.wait_for_url("**/targets/tasks/1/?year=*")
    trend = "[data-testid=trend-basic_factory_coverage]"
    page.wait_for_selector(f'{trend}[data-ready="1"]')
    state = page.evaluate(CHART_STATE, trend)
    assert state["canvas"] >= 1
    assert state["points"] == 2  # 2025 and 2026 from the snapshot
    assert state["series"][:2] == ["实际值", "预测"]
    cities = "[data-testid=cities-chart-basic_factory_coverage]"
    page.wait_for_selector(f'{cities}[data-ready="1"]')
    assert page.evaluate(CHART_STATE, cities)["points"] == 2  # 南京, 苏州

    page.locator("[data-testid=trend-table-basic_factory_coverage] summary").click()
    expect(page.locator("[data-testid=trend-table-basic_factory_coverage] tbody tr")).to_have_count(
        3  # two observations and the forecast
    )
    _screenshot(page, "targets-task-1.png")
    assert page.csp_errors == []


@pytest.mark.django_db(transaction=True)
def test_the_year_switch_refreshes_the_overview_in_place(page, world: World) -> None:  # noqa: F811
    make_plan_snapshot()
    _login(page, "county_x")
    page.goto("/targets/?year=2026")
    page.evaluate("() => { window.notReloaded = true; }")
    page.click("[data-testid=year-switch] a:text('2025')")
    page.wait_for_url("**/targets/?year=2025")
    expect(page.locator("[data-testid=year-switch] .current")).to_have_text("2025")
    assert page.evaluate("() => window.notReloaded") is True  # htmx swapped the body only
    assert page.csp_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_city_official_opens_the_own_scorecard_only(page, world: World) -> None:  # noqa: F811
    make_plan_snapshot()
    _login(page, "city_p")
    page.click("[data-testid=nav-targets]")
    page.click("[data-testid=own-city-link]")
    page.wait_for_url("**/targets/cities/3201/?year=*")
    expect(page.locator("[data-testid=city-title]")).to_contain_text("南京市")
    page.wait_for_selector('[data-testid=parts-chart][data-ready="1"]')
    assert page.evaluate(CHART_STATE, "[data-testid=parts-chart]")["canvas"] >= 1
    _screenshot(page, "targets-city.png")

    response = page.goto("/targets/cities/3205/")
    assert response is not None
    assert response.status == 404
    assert page.csp_errors == []
