"""The target tracker's pages (targets/views.py): who sees them (anonymous → login, other roles 403,
another city's scorecard 404), the plan overview with its status counts and htmx year switch, a
task's and a target's page with their chart data, the province's adjustment of a target (a reason
is required, errors stay in the form), splitting a target over cities and counties, and a city's
scorecard with its ranks, within a bounded number of queries.

The world: conftest's province with cities P (南京 3201) and Q (苏州 3205), the whole plan
(targets.services.plan_load) and a coverage snapshot finished on 2026-07-01 with 2025 and 2026
figures for the province, both cities and the three counties; the date is 2026-08-01."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent
from conftest import World
from monitoring.models import CoverageSnapshot
from monitoring.tests.dashboard_factories import make_figures
from monitoring.tests.factories import make_snapshot
from targets import display, services
from targets.models import Allocation, Target, TargetRevision

pytestmark = pytest.mark.django_db

COVERAGE = "basic_factory_coverage"  # computed share, about 50 % by 2027 (task 1)
FACTORIES = "provincial_advanced_factories"  # computed count, 1,000 by 2027 (task 2)
EACH_CITY = "above_scale_self_assessed_per_city"  # each city at least 10 % (task 20)

# Region → (above-scale enterprises, {year: (% at ≥ workshop, % at ≥ basic level)}).
CELLS = {
    ("province", "32"): (400, {2025: (50, 20), 2026: (60, 30)}),
    ("city", "3201"): (100, {2025: (40, 10), 2026: (70, 35)}),
    ("city", "3205"): (300, {2025: (20, 5), 2026: (30, 8)}),
    ("county", "320102"): (60, {2025: (40, 10), 2026: (70, 40)}),
    ("county", "320104"): (40, {2025: (40, 10), 2026: (70, 30)}),
    ("county", "320583"): (300, {2025: (20, 5), 2026: (30, 8)}),
}


def _levels(n: int, workshop: int, basic: int) -> tuple[int, int, int, int, int]:
    """Enterprises at ≥ 车间/基础/先进/卓越/领航 from percentages of `n`."""
    return (n * workshop // 100, n * basic // 100, n * basic // 500, 1, 0)


def make_plan_snapshot() -> CoverageSnapshot:
    """The plan and a snapshot with figures for every region of the world (see CELLS)."""
    services.plan_load()
    cells = [
        {
            "year": year,
            "region_level": level,
            "region_code": code,
            "figures": make_figures(enterprises=n, levels=_levels(n, workshop, basic)),
        }
        for (level, code), (n, years) in CELLS.items()
        for year, (workshop, basic) in years.items()
    ]
    return make_snapshot(cells=cells, finished_at=datetime(2026, 7, 1, tzinfo=UTC))


@pytest.fixture
def plan(world: World, time_machine) -> CoverageSnapshot:
    """The plan and its snapshot; the test runs on 2026-08-01 (noon in Jiangsu)."""
    time_machine.move_to(datetime(2026, 8, 1, 4, tzinfo=UTC), tick=False)
    return make_plan_snapshot()


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _chart(response: Any, element_id: str) -> dict[str, Any]:
    """The data of a json_script element of the page."""
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.text
    )
    assert match, element_id
    return json.loads(match.group(1))


def _overview_rows(response: Any) -> dict[str, Any]:
    parts = response.context["parts"]
    return {r.target.code: r for part in parts for t in part["tasks"] for r in t.rows}


def _target(code: str) -> Target:
    return Target.objects.get(code=code)


def _url(name: str, **kwargs: Any) -> str:
    return reverse(f"targets:{name}", kwargs=kwargs)


# --- How a row reads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "whole_range", "expected"),
    [
        (COVERAGE, 50.0, True, "约 50%"),
        ("basic_factory_builds_per_year", 10000.0, True, "每年不少于 10,000 家"),
        (FACTORIES, 250.0, True, "250 家"),
        ("intelligent_computing", 25.0, True, "不少于 25 EFLOPS"),
        ("industry_large_models", 2.0, True, "2–3 个"),
        ("industry_large_models", 1.0, False, "1 个"),  # a city's share of the lower end
        (COVERAGE, None, True, "未设定"),
    ],
)
def test_a_target_value_reads_as_the_plan_states_it(
    plan, code: str, value: float | None, whole_range: bool, expected: str
) -> None:
    assert display.goal(_target(code), value, whole_range=whole_range) == expected


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/targets/", "/targets/tasks/1/", f"/targets/targets/{COVERAGE}/", "/targets/cities/3201/"],
)
def test_anonymous_visitors_are_sent_to_log_in(client: Client, plan, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["enterprise", "expert", "provider", "admin"])
@pytest.mark.parametrize(
    "url",
    ["/targets/", "/targets/tasks/1/", f"/targets/targets/{COVERAGE}/", "/targets/cities/3201/"],
)
def test_non_officials_are_refused(world: World, plan, role: str, url: str) -> None:
    assert _client(world, role).get(url).status_code == 403


@pytest.mark.parametrize(
    ("role", "code", "status"),
    [
        ("province", "3201", 200),
        ("province", "3205", 200),
        ("city", "3201", 200),
        ("city", "3205", 404),
        ("county", "3201", 200),  # the county official's own city
        ("county", "3205", 404),
        ("city", "320102", 404),  # a county is not a city
    ],
)
def test_a_scorecard_is_seen_by_the_province_and_the_citys_own_officials(
    world: World, plan, role: str, code: str, status: int
) -> None:
    assert _client(world, role).get(_url("city", code=code)).status_code == status


def test_unknown_tasks_and_targets_are_not_found(world: World, plan) -> None:
    client = _client(world, "province")
    assert client.get(_url("task", number=99)).status_code == 404
    assert client.get(_url("target", code="no_such_target")).status_code == 404


@pytest.mark.parametrize("role", ["city", "county"])
def test_only_the_province_adjusts_targets(world: World, plan, role: str) -> None:
    data = {"value_2027": "60", "bound": "about", "reason": "试图调整"}
    response = _client(world, role).post(_url("target-edit", code=COVERAGE), data)
    assert response.status_code == 403
    assert _target(COVERAGE).value_2027 == 50
    assert not TargetRevision.objects.exists()


def test_county_officials_may_not_split_targets(world: World, plan) -> None:
    client = _client(world, "county")
    assert client.post(_url("allocate-default", code=FACTORIES)).status_code == 403
    data = {"region": "320102", "year": "0", "value": "5", "reason": "试图分解"}
    assert client.post(_url("allocate", code=FACTORIES), data).status_code == 403
    assert not Allocation.objects.exists()


# --- The overview -------------------------------------------------------------------------------


def test_the_overview_shows_the_plan_with_status_counts(world: World, plan) -> None:
    response = _client(world, "province").get(_url("overview"))
    assert response.status_code == 200
    assert response.context["year"] == 2026
    cards = {card["status"]: card["count"] for card in response.context["cards"]}
    assert sum(cards.values()) == Target.objects.count() == 40
    assert cards["no_data"] > 0  # reported targets without reports
    assert [part["code"] for part in response.context["parts"]] == list("一二三四五六")
    rows = {
        r.target.code: r
        for part in response.context["parts"]
        for t in part["tasks"]
        for r in t.rows
    }
    coverage = rows[COVERAGE]
    assert (coverage.goal, coverage.actual, coverage.source) == ("约 50%", "30%", "平台计算")
    assert coverage.completion == 60.0  # 30 of 50
    assert coverage.status == "on_track"  # 60 % done, 52.8 % of the time gone
    assert coverage.forecast.startswith("预计 ")
    text = response.text
    assert 'data-testid="status-basic_factory_coverage"' in text
    assert "未核实" in text  # smart_workshop_retrofit reads 基本完成 as 100 %
    assert "规划未对该任务设定量化目标" in text  # tasks 13, 16, 17
    assert 'href="/targets/tasks/1/?year=2026"' in text


def test_the_province_figure_of_an_each_city_target_is_the_lowest_citys(world: World, plan) -> None:
    response = _client(world, "province").get(_url("overview"))
    rows = {
        r.target.code: r
        for part in response.context["parts"]
        for t in part["tasks"]
        for r in t.rows
    }
    each_city = rows[EACH_CITY]
    assert each_city.source == "最低市"
    assert each_city.source_detail == "最低市：苏州市，1/2 市达标"  # 苏州 4 %, 南京 12 % assessed


def test_the_year_switch_refreshes_only_the_plan_body(world: World, plan) -> None:
    response = _client(world, "province").get(
        _url("overview"), {"year": "2025"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="plan-body"')
    assert '<span class="current" aria-current="page">2025</span>' in response.text


@pytest.mark.parametrize("year", ["", "2024", "abc"])
def test_a_missing_or_unknown_year_falls_back_to_the_current_plan_year(
    world: World, plan, year: str
) -> None:
    response = _client(world, "province").get(_url("overview"), {"year": year})
    assert response.context["year"] == 2026


@pytest.mark.parametrize(("role", "link"), [("city", True), ("county", True), ("province", False)])
def test_city_and_county_officials_get_a_link_to_their_citys_scorecard(
    world: World, plan, role: str, link: bool
) -> None:
    response = _client(world, role).get(_url("overview"))
    assert ('href="/targets/cities/3201/?year=' in response.text) is link


def test_officials_see_the_targets_link_in_the_navigation(world: World, plan) -> None:
    assert 'data-testid="nav-targets"' in _client(world, "county").get("/").text
    assert 'data-testid="nav-targets"' not in _client(world, "enterprise").get("/").text


def test_the_overview_reads_a_bounded_number_of_queries(
    world: World, plan, django_assert_max_num_queries
) -> None:
    client = _client(world, "province")
    # Each table is read once for all 40 targets (selectors.Context): 17 queries when measured.
    with django_assert_max_num_queries(22):
        assert client.get(_url("overview")).status_code == 200


# --- Task and target pages ----------------------------------------------------------------------


def test_the_task_page_shows_departments_trend_and_cities(world: World, plan) -> None:
    response = _client(world, "city").get(_url("task", number=1))
    assert response.status_code == 200
    assert "省工业和信息化厅、省发展改革委、省财政厅" in response.text  # departments_text verbatim
    assert [e["target"].code for e in response.context["entries"]] == [
        "basic_factory_builds_per_year",
        COVERAGE,
        "smart_workshop_retrofit",
    ]
    trend = _chart(response, f"trend-{COVERAGE}")
    assert trend["observations"] == [["2025-12-31", 20.0], ["2026-07-01", 30.0]]
    assert trend["target"] == 50.0
    assert trend["forecast"]["at"] == "2027-12-31"
    assert trend["forecast"]["low"] <= trend["forecast"]["value"] <= trend["forecast"]["high"]
    cities = _chart(response, f"cities-{COVERAGE}")  # not split yet: the cities' actuals
    assert (cities["categories"], cities["values"]) == (["南京市", "苏州市"], [35.0, 8.0])
    assert cities["elapsed"] is None


def test_a_per_year_targets_trend_shows_the_year_only(world: World, plan) -> None:
    response = _client(world, "province").get(_url("task", number=1))
    trend = _chart(response, "trend-basic_factory_builds_per_year")
    assert (trend["start"], trend["end"]) == ("2026-01-01", "2026-12-31")
    assert [o[0] for o in trend["observations"]] == ["2026-07-01"]


@pytest.mark.parametrize("number", [13, 16, 17])
def test_a_task_without_quantified_targets_says_so(world: World, plan, number: int) -> None:
    response = _client(world, "province").get(_url("task", number=number))
    assert response.status_code == 200
    assert 'data-testid="no-targets"' in response.text
    assert response.context["task"].departments_text in response.text


def test_the_target_page_shows_the_plan_quote_and_the_cities_ranked(world: World, plan) -> None:
    target = _target(COVERAGE)
    services.allocation_default(
        target=target,
        parent=world.province,
        base={"3201": 100, "3205": 300},
        by=world.users["province"],
    )
    response = _client(world, "province").get(_url("target", code=COVERAGE))
    assert response.status_code == 200
    assert target.quote in response.text
    cities = response.context["entry"]["cities"]
    assert [(r.row.region.code, r.rank, r.completion) for r in cities] == [
        ("3201", 1, 70.0),
        ("3205", 2, 16.0),
    ]
    assert cities[0].origin == "按规上企业数分解（规上企业 100 家）"
    chart = _chart(response, f"cities-{COVERAGE}")
    assert (chart["values"], chart["unit"], chart["elapsed"]) == ([70.0, 16.0], "%", 52.8)
    assert 'data-testid="edit-form"' in response.text
    assert 'data-testid="allocate-form"' in response.text


def test_a_city_official_sees_its_counties_and_no_edit_form(world: World, plan) -> None:
    response = _client(world, "city").get(_url("target", code=COVERAGE))
    assert response.status_code == 200
    assert [r.row.region.code for r in response.context["counties"]] == ["320102", "320104"]
    assert 'data-testid="edit-form"' not in response.text
    assert 'data-testid="allocate-form"' in response.text  # for its own counties
    assert response.context["allocation_form"].fields["region"].choices == [
        ("320102", "玄武区"),
        ("320104", "秦淮区"),
    ]


def test_a_county_official_sees_neither_counties_nor_controls(world: World, plan) -> None:
    response = _client(world, "county").get(_url("target", code=COVERAGE))
    assert response.status_code == 200
    assert response.context["counties"] == []
    assert 'data-testid="allocate-form"' not in response.text


# --- Adjusting a target -------------------------------------------------------------------------


def _edit(target: Target, **changes: str) -> dict[str, str]:
    """The edit form as the page fills it, with `changes`."""
    data = {"bound": target.bound, "value_2027": str(target.value_2027), "note": target.note}
    data |= {f"year_{year}": str(value) for year, value in target.values.items()}
    return data | changes


def test_the_province_adjusts_a_target_with_a_reason(world: World, plan) -> None:
    target = _target(COVERAGE)
    data = _edit(target, value_2027="55", reason="省政府常务会议决定提高目标")
    response = _client(world, "province").post(_url("target-edit", code=COVERAGE), data)
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.value_2027, target.version) == (55.0, 2)
    revision = TargetRevision.objects.get(target=target)
    assert revision.changes == {"value_2027": [50.0, 55.0]}
    assert revision.reason == "省政府常务会议决定提高目标"
    assert AuditEvent.objects.filter(action="target.update").count() == 1
    page = _client(world, "province").get(response["Location"])
    assert "省政府常务会议决定提高目标" in page.text
    assert "50.0 → 55.0" in page.text


def test_an_adjustment_without_a_reason_changes_nothing(world: World, plan) -> None:
    target = _target(COVERAGE)
    data = _edit(target, value_2027="55", reason="  ")
    response = _client(world, "province").post(_url("target-edit", code=COVERAGE), data)
    assert response.status_code == 200
    assert services.REASON_REQUIRED in response.text
    target.refresh_from_db()
    assert (target.value_2027, target.version) == (50.0, 1)
    assert not TargetRevision.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value_2027": "-5"}, services.BAD_VALUE),
        ({"value_2027": "120"}, services.SHARE_OVER_100),
        ({"bound": "range"}, services.BAD_RANGE),
        ({}, services.NOTHING_CHANGED),
        ({"value_2027": "abc"}, "输入一个数字"),
        ({"bound": "roughly"}, "选择一个有效的选项"),
    ],
)
def test_a_bad_adjustment_is_shown_in_the_form(
    world: World, plan, changes: dict[str, str], message: str
) -> None:
    data = _edit(_target(COVERAGE), reason="测试") | changes
    response = _client(world, "province").post(_url("target-edit", code=COVERAGE), data)
    assert response.status_code == 200
    assert escape(message) in response.text
    assert _target(COVERAGE).version == 1


# --- Splitting a target -------------------------------------------------------------------------


def test_the_province_splits_a_target_over_the_cities_by_enterprise_counts(
    world: World, plan
) -> None:
    client = _client(world, "province")
    response = client.post(_url("allocate-default", code=FACTORIES))
    assert response.status_code == 302
    shares = dict(Allocation.objects.filter(target_id=FACTORIES).values_list("region_id", "value"))
    assert shares == {"3201": 250.0, "3205": 750.0}  # 1,000 by 100 : 300 above-scale
    page = client.get(response["Location"])
    assert "已按规上企业数分解到 2 个地区" in page.text
    assert page.context["entry"]["breakdown"].allocated == 1000.0
    assert "各市分解目标合计 1,000 家，全省目标 1,000 家" in page.text
    assert 'data-testid="allocated-differs"' not in page.text


def test_the_province_sets_one_citys_share_by_hand(world: World, plan) -> None:
    data = {"region": "3201", "year": "0", "value": "300", "reason": "南京承担更多"}
    response = _client(world, "province").post(_url("allocate", code=FACTORIES), data)
    assert response.status_code == 302
    allocation = Allocation.objects.get(target_id=FACTORIES, region_id="3201")
    assert (allocation.value, allocation.method, allocation.reason) == (
        300.0,
        "set",
        "南京承担更多",
    )
    page = _client(world, "province").get(response["Location"])
    rows = {r.row.region.code: r for r in page.context["entry"]["cities"]}
    assert rows["3201"].origin == "人工设定（南京承担更多）"
    assert rows["3205"].origin == "未分解"
    assert 'data-testid="allocated-differs"' in page.text  # 300 of 1,000 split so far


def test_a_city_official_splits_its_share_over_its_counties(world: World, plan) -> None:
    services.allocation_default(
        target=_target(FACTORIES),
        parent=world.province,
        base={"3201": 100, "3205": 300},
        by=world.users["province"],
    )
    response = _client(world, "city").post(_url("allocate-default", code=FACTORIES))
    assert response.status_code == 302
    counties = dict(
        Allocation.objects.filter(target_id=FACTORIES, region__level="county").values_list(
            "region_id", "value"
        )
    )
    assert counties == {"320102": 150.0, "320104": 100.0}  # 250 by 60 : 40 above-scale
    page = _client(world, "city").get(response["Location"])
    assert [r.goal for r in page.context["counties"]] == ["150 家", "100 家"]


def test_a_city_without_its_own_share_is_told_so(world: World, plan) -> None:
    response = _client(world, "city").post(_url("allocate-default", code=FACTORIES), follow=True)
    assert "南京市尚无该目标的分解值，未写入" in response.text
    assert not Allocation.objects.exists()


def test_a_city_official_may_not_set_another_citys_share(world: World, plan) -> None:
    data = {"region": "3205", "year": "0", "value": "5", "reason": "越权"}
    response = _client(world, "city").post(_url("allocate", code=FACTORIES), data, follow=True)
    assert response.status_code == 200
    assert "地区" in str(next(iter(response.context["messages"])))
    assert not Allocation.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"region": "3201", "year": "0", "value": "5"}, "设定理由"),
        ({"region": "3201", "year": "2026", "value": "5", "reason": "x"}, "年度"),
        ({"region": "3201", "year": "0", "value": "-1", "reason": "x"}, "分解目标值"),
    ],
)
def test_a_bad_split_is_reported_on_the_page(
    world: World, plan, data: dict[str, str], message: str
) -> None:
    response = _client(world, "province").post(_url("allocate", code=FACTORIES), data, follow=True)
    assert response.status_code == 200
    assert message in str(next(iter(response.context["messages"])))
    assert not Allocation.objects.exists()


def test_an_each_city_target_is_not_split(world: World, plan) -> None:
    client = _client(world, "province")
    response = client.post(_url("allocate-default", code=EACH_CITY), follow=True)
    assert services.NOT_ALLOCATABLE in response.text
    assert not Allocation.objects.exists()
    assert 'data-testid="allocate-form"' not in client.get(_url("target", code=EACH_CITY)).text


# --- City scorecard -----------------------------------------------------------------------------


def test_the_scorecard_ranks_the_city_among_the_cities(world: World, plan) -> None:
    services.allocation_default(
        target=_target(COVERAGE),
        parent=world.province,
        base={"3201": 100, "3205": 300},
        by=world.users["province"],
    )
    response = _client(world, "city").get(_url("city", code="3201"))
    suzhou = _client(world, "province").get(_url("city", code="3205"))
    nanjing = {r.target.code: r for g in response.context["groups"] for r in g["rows"]}
    assert (nanjing[COVERAGE].rank, nanjing[COVERAGE].completion) == (1, 70.0)
    assert nanjing[COVERAGE].goal == "约 50%"
    assert nanjing["standard_racks"].rank is None  # reported, no report: no rank
    assert response.context["cities_total"] == 2
    rows = {r.target.code: r for g in suzhou.context["groups"] for r in g["rows"]}
    assert rows[COVERAGE].rank == 2
    assert 'data-testid="rank-basic_factory_coverage">2 / 2<' in suzhou.text
    cards = {c["status"]: c["count"] for c in suzhou.context["cards"]}
    assert sum(cards.values()) == 40


def test_the_scorecard_charts_completion_by_part_with_a_table(world: World, plan) -> None:
    response = _client(world, "province").get(_url("city", code="3201"))
    chart = _chart(response, "parts-data")
    assert len(chart["categories"]) == 6
    assert [s.get("marker", False) for s in chart["series"]] == [False, True]
    assert 'data-testid="parts-table"' in response.text


def test_the_scorecard_reads_a_bounded_number_of_queries(
    world: World, plan, django_assert_max_num_queries
) -> None:
    client = _client(world, "province")
    # Every target's breakdown from one set of reads (selectors.target_breakdowns): 18 queries
    # when measured (446 before, one breakdown per target).
    with django_assert_max_num_queries(23):
        assert client.get(_url("city", code="3201")).status_code == 200
