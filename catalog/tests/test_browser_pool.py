"""The public resource pool in a real browser (Debian's chromium through Playwright, live server):
an anonymous visitor searches with a two-character word and narrows the results through the
filter form (htmx swaps the results only); the scenario map draws its heatmap and a click on a cell
opens the search filtered by that industry and scenario; no Content Security Policy errors."""

from __future__ import annotations

import pytest

from catalog.models import Entry
from catalog.tests.factories import make_entry, make_scenario
from conftest import World
from registry.models import Industry
from tests.test_browser import expect, page  # noqa: F401 — `page` is a fixture
from tests.test_browser import pytestmark as browser_marks

pytestmark = browser_marks

CELL_CENTRE = """() => {
  const el = document.querySelector('[data-chart="scenario-map"]');
  const chart = echarts.getInstanceByDom(el);
  const [x, y] = chart.convertToPixel({seriesIndex: 0}, [0, 0]);
  const box = el.getBoundingClientRect();
  return {x: box.left + x, y: box.top + y, cells: chart.getOption().series[0].data.length};
}"""


@pytest.mark.django_db(transaction=True)
def test_anonymous_search_filters_and_scenario_map_click(page, world: World) -> None:  # noqa: F811
    Industry.objects.create(code="34", name="通用设备制造业", level="division")
    scenario = make_scenario("quality-inspection", name_zh="在线质量检测")
    make_entry("视觉质检系统", kind=Entry.Kind.SOFTWARE, industries=["34"], scenarios=(scenario,))
    make_entry("质检培训课程", kind=Entry.Kind.TRAINING, industries=["39"])
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/catalog/")
    page.fill("#home-q", "质检")
    page.press("#home-q", "Enter")
    page.wait_for_url("**/catalog/search/?q=*")
    expect(page.locator("[data-testid=entry-row]")).to_have_count(2)
    page.select_option("select[name=kind]", "software")
    expect(page.locator("[data-testid=entry-row]")).to_have_count(1)
    expect(page.locator("[data-testid=entry-row] h3")).to_have_text("视觉质检系统")
    assert "kind=software" in page.url

    assert page.csp_errors == []  # type: ignore[attr-defined]
    page.goto("/catalog/scenarios/")
    page.wait_for_selector('[data-chart="scenario-map"][data-ready="1"]')
    assert page.csp_errors == []  # type: ignore[attr-defined]
    where = page.evaluate(CELL_CENTRE)
    assert where["cells"] == 1
    page.mouse.click(where["x"], where["y"])
    page.wait_for_url("**/catalog/search/?*")
    assert "scenario=quality-inspection" in page.url
    assert "industry=34" in page.url
    expect(page.locator("[data-testid=entry-row] h3")).to_have_text("视觉质检系统")
    assert page.csp_errors == []  # type: ignore[attr-defined]
