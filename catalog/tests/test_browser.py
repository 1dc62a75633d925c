"""The closed loop in a real browser (Debian's chromium through Playwright against a live server;
skipped where chromium is absent, like tests/test_browser.py, whose fixtures this shares): an
enterprise opens its result, follows the link to the recommended solutions, adopts one for its
weak dimension, re-assesses through the pages with a better answer there, and sees the change."""

from __future__ import annotations

import pytest

from catalog.models import Adoption
from catalog.tests.factories import make_entry, make_provider, make_scenario
from catalog.tests.matching_world import load_sf_js, submit
from conftest import World
from tests.test_browser import _login, expect, page  # noqa: F401 — `page` is a fixture
from tests.test_browser import pytestmark as browser_marks

pytestmark = browser_marks
QUESTION = "production.online_inspection"


def _prepare(world: World) -> int:
    """E1's SF-JS result with every production scene at level 1 (25 %), and a published
    solution for in-line inspection."""
    version = load_sf_js()
    scenario = make_scenario(
        "online-inspection", name_zh="智能在线检测", nodes=[f"SF-JS:{QUESTION}"]
    )
    make_entry(
        "机器视觉在线检测方案", provider=make_provider("检测科技有限公司"),
        industries=["3911"], scenarios=(scenario,),
    )  # fmt: skip
    return submit(world.e1, world.users["enterprise"], version, {"production": 1}).pk


@pytest.mark.django_db(transaction=True)
def test_result_to_solution_to_adoption_to_reassessment_shows_the_change(
    page,  # noqa: F811
    world: World,
    settings,
) -> None:
    settings.CATALOG_EMBEDDER = "keyword"
    pk = _prepare(world)
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, "ent_e1")

    # Result page → recommended solutions, with the reason in words and the chart.
    page.goto(f"/assessments/{pk}/result/")
    page.locator("[data-testid=matches-link]").click()
    page.wait_for_url(f"**/catalog/matches/{pk}/")
    solution = page.locator("[data-testid=solution]").first
    expect(solution).to_contain_text("机器视觉在线检测方案")
    expect(solution.locator("[data-testid=solution-reason]")).to_contain_text("生产作业 得分 25%")
    expect(page.locator("#match-dimension-chart canvas")).to_have_count(1)

    # Adopt it for 生产作业 (checked by default in its group).
    solution.locator("[data-testid=adopt-open]").click()
    solution.locator("[data-testid=adopt-submit]").click()
    page.wait_for_url("**/catalog/adoptions/")
    expect(page.locator("[data-testid=awaiting]")).to_have_count(1)
    assert Adoption.objects.get().dimensions == ["production"]

    # Re-assess through the pages: the answers carry over; in-line inspection is now level 4.
    page.goto(f"/assessments/{pk}/result/")
    page.locator("[data-testid=reassess]").click()
    page.wait_for_url("**/edit/**")
    draft_url = page.url.split("?")[0]
    page.goto(f"{draft_url}?section=production")
    question = page.locator(f'[data-question="{QUESTION}"]')
    question.locator('input[type=radio][value="4"]').check()
    expect(page.locator("[data-testid=save-status]")).to_contain_text("已自动保存")
    page.locator("[data-testid=submit]").click()
    page.wait_for_url("**/result/")

    # The adoptions page shows the change on the targeted dimension: 25 % → 43.75 %.
    page.goto("/catalog/adoptions/")
    change = page.locator('[data-testid=change][data-dimension="production"]')
    expect(change).to_contain_text("25% → 44%")
    expect(change.locator("[data-testid=change-value]")).to_have_text("+18.8")
    expect(page.locator("[data-testid=follow-up]")).to_have_count(1)
    assert page.csp_errors == []
