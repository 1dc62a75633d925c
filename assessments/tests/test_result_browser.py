"""The result page in a real browser: the charts draw under the strict CSP (Debian's chromium
driven by Playwright against a live server; skipped where chromium is absent, like
tests/test_browser.py, whose fixtures these tests share)."""

from __future__ import annotations

import pytest

from assessments.benchmarks import benchmarks_compute
from assessments.tests.factories import make_submitted
from assessments.tests.published import publish
from conftest import World, make_enterprise
from tests.test_browser import _login, expect, page  # noqa: F401 — `page` is a fixture
from tests.test_browser import pytestmark as browser_marks

pytestmark = browser_marks


def _results(world: World) -> int:
    """Two GEN-JS results of E1 and four peers in its county (benchmarks computed)."""
    version = publish("GEN-JS")["GEN-JS"]
    user = world.users["enterprise"]
    make_submitted(enterprise=world.e1, code="GEN-JS", by=user, quality=0.3, seed=1)
    latest = make_submitted(enterprise=world.e1, code="GEN-JS", by=user, quality=0.6, seed=2)
    for i in range(4):
        peer = make_enterprise(county=world.x, name=f"同行企业{i}", seq=300 + i)
        make_submitted(enterprise=peer, code="GEN-JS", by=user, quality=0.4 + 0.1 * i, seed=i)
    benchmarks_compute(version_id=version.pk)
    return latest.pk


@pytest.mark.django_db(transaction=True)
def test_the_result_charts_draw_without_csp_errors(page, world: World) -> None:  # noqa: F811
    pk = _results(world)
    _login(page, "ent_e1")

    page.goto(f"/assessments/{pk}/result/")

    for chart in ("#dimension-chart", '[data-source="chart-change"]', '[data-chart="timeline"]'):
        expect(page.locator(f"{chart} canvas")).to_have_count(1)
    page.select_option("#peer-group", "")
    page.select_option("#peer-group", "1")
    expect(page.locator("#dimension-chart canvas")).to_have_count(1)
    assert page.csp_errors == []


@pytest.mark.django_db(transaction=True)
def test_the_trail_filter_swaps_the_table_in_place(page, world: World) -> None:  # noqa: F811
    pk = _results(world)
    _login(page, "ent_e1")
    page.goto(f"/assessments/{pk}/result/trail/")
    expect(page.locator("[data-testid^=trail-]")).to_have_count(7)

    page.select_option("#trail-dimension", "rnd")

    expect(page.locator("[data-testid^=trail-]")).to_have_count(1)
    expect(page.locator('[data-testid="trail-rnd"]')).to_be_visible()
    assert "dimension=rnd" in page.url
    assert page.csp_errors == []
