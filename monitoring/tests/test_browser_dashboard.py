"""The monitoring dashboards in a real browser (Debian's chromium through Playwright, live server):
the province's Jiangsu map draws the 13 cities, a click on a city draws its counties in place and
"back" returns; the filters redraw the charts; a city official reaches its own city's dashboard
but gets 404 for another city's page and data; no Content Security Policy errors.

Screenshots go to $ZHIGAI_SCREENSHOTS (when set) for a look at the page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from conftest import World
from monitoring.models import CoverageSnapshot
from monitoring.tests.dashboard_factories import make_cell, make_snapshot
from registry.models import Region
from registry.reference import reference_data_load
from tests.test_browser import _login, page  # noqa: F401 — `page` is a fixture
from tests.test_browser import pytestmark as browser_marks

pytestmark = browser_marks

NANJING_INSIDE = [118.80, 32.06]  # a point inside 南京市 (玄武区)
MAP = "[data-dashboard-chart=map]"
MAP_STATE = """() => {
  const el = document.querySelector('[data-dashboard-chart=map]');
  const chart = echarts.getInstanceByDom(el);
  const series = chart.getOption().series[0];
  const model = chart.getModel().getSeriesByIndex(0);
  return {
    map: series.map,
    codes: series.data.map((d) => d.name),
    values: Object.fromEntries(series.data.map((d) => [d.name, d.raw])),
    drawn: model.coordinateSystem.regions.map((r) => r.name).sort(),
    canvas: el.querySelectorAll('canvas').length,
  };
}"""


def _screenshot(page, name: str) -> None:  # noqa: F811 — `page` is the fixture's object
    folder = os.environ.get("ZHIGAI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def _province_snapshot() -> CoverageSnapshot:
    """Every city and county of the reference data, with shares that differ by unit and year."""
    snapshot = make_snapshot(years=[2025, 2026])
    regions = Region.objects.exclude(level="zone").order_by("code")
    for year, bump in ((2025, 0), (2026, 8)):
        for i, region in enumerate(regions):
            basic = min(95, 15 + (i * 7) % 50 + bump)
            make_cell(
                snapshot,
                year=year,
                level=region.level,
                code=region.code,
                levels=(min(100, basic + 10), basic, basic // 4, basic // 10, basic // 40),
                assessed=5 + i % 12,
            )
    return snapshot


def _ready(page, *, drilled: str | None = None) -> dict[str, Any]:  # noqa: F811
    selector = f'{MAP}[data-ready="1"]' + (f'[data-drilled="{drilled}"]' if drilled else "")
    page.wait_for_selector(selector)
    return page.evaluate(MAP_STATE)


def _click_map_at(page, lon_lat: list[float]) -> None:  # noqa: F811
    x, y = page.evaluate(
        """(point) => {
          const el = document.querySelector('[data-dashboard-chart=map]');
          const [px, py] = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, point);
          const box = el.getBoundingClientRect();
          return [box.left + px, box.top + py];
        }""",
        lon_lat,
    )
    page.mouse.click(x, y)


@pytest.mark.django_db(transaction=True)
def test_the_province_map_drills_into_a_citys_counties(page, world: World) -> None:  # noqa: F811
    reference_data_load()
    _province_snapshot()
    _login(page, "province")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/monitoring/")

    state = _ready(page)
    cities = sorted(Region.objects.filter(level="city").values_list("code", flat=True))
    assert state["map"] == "jiangsu"
    assert sorted(state["codes"]) == cities
    assert state["drawn"] == cities  # the 13 regions of the vendored GeoJSON
    assert state["canvas"] >= 1
    assert all(state["values"][code] is not None for code in cities)
    _screenshot(page, "province-dashboard.png")

    _click_map_at(page, NANJING_INSIDE)
    state = _ready(page, drilled="3201")
    counties = sorted(Region.objects.filter(parent_id="3201").values_list("code", flat=True))
    assert state["map"] == "jiangsu-3201"
    assert sorted(state["codes"]) == counties
    assert state["drawn"] == counties
    assert page.locator("[data-testid=map-where]").inner_text().endswith("南京市")
    assert page.locator("[data-testid=map-open]").get_attribute("href") == "/monitoring/city/3201/"
    page.locator(f"{MAP}").scroll_into_view_if_needed()
    _screenshot(page, "province-dashboard-drilled.png")

    page.click("[data-testid=map-back]")
    page.wait_for_function(
        "() => document.querySelector('[data-dashboard-chart=map]').dataset.drilled === undefined"
    )
    assert _ready(page)["map"] == "jiangsu"
    assert page.csp_errors == []


@pytest.mark.django_db(transaction=True)
def test_the_filters_redraw_the_charts(page, world: World) -> None:  # noqa: F811
    reference_data_load()
    _province_snapshot()
    _login(page, "province")
    page.goto("/monitoring/")
    before = _ready(page)["values"]["3201"]
    page.select_option("select[name=year]", "2025")
    page.wait_for_url("**/monitoring/?year=2025*")
    after = _ready(page)["values"]["3201"]
    assert after == before - 8
    page.locator("[data-testid=table-ranking] summary").click()
    assert page.locator("[data-testid=table-ranking] tbody tr").count() == 13
    assert page.csp_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_city_official_sees_only_the_own_city(page, world: World) -> None:  # noqa: F811
    reference_data_load()
    _province_snapshot()
    _login(page, "city_p")
    page.click("[data-testid=nav-monitoring]")
    page.wait_for_url("**/monitoring/city/3201/")
    state = _ready(page)
    assert state["map"] == "jiangsu-3201"
    assert sorted(state["codes"]) == sorted(
        Region.objects.filter(parent_id="3201").values_list("code", flat=True)
    )
    _screenshot(page, "city-dashboard.png")

    for url in ("/monitoring/city/3205/", "/monitoring/city/3205/data.json"):
        response = page.goto(url)
        assert response is not None
        assert response.status == 404, url
    response = page.request.get("/monitoring/city/3205/export.xlsx")
    assert response.status == 404
    assert page.csp_errors == []


@pytest.mark.django_db(transaction=True)
def test_hovering_every_chart_keeps_the_content_security_policy(page, world: World) -> None:  # noqa: F811
    """ECharts' default tooltips are HTML with style attributes, which style-src refuses: charts
    without their own tooltip formatter draw the tooltip on the canvas instead
    (static/js/charts/echarts_csp.js)."""
    reference_data_load()
    _province_snapshot()
    _login(page, "province")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/monitoring/")
    _ready(page)
    charts = page.locator("[data-dashboard-chart]")
    assert charts.count() >= 4
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        if box is None or box["height"] < 20:
            continue
        for x, y in ((0.3, 0.3), (0.5, 0.5), (0.7, 0.6), (0.5, 0.8)):
            page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
            page.wait_for_timeout(120)
    assert page.csp_errors == []
