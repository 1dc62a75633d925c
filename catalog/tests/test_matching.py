"""catalog.matching: an assessment's gaps → scenarios → solutions → providers, on real SF-JS results
(scored by the assessments services) and constructed scenarios and entries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from assessments.models import PeerBenchmark, ProviderAssignment
from catalog.matching import matches_for_assessment
from catalog.models import Adoption, Entry, Status
from catalog.tests.factories import make_entry, make_provider, make_scenario
from catalog.tests.matching_world import load_sf_js, submit


@pytest.fixture(autouse=True)
def _keyword_embedder(settings):
    settings.CATALOG_EMBEDDER = "keyword"


@pytest.fixture
def sf(world):
    return load_sf_js()


@pytest.fixture
def scenes(db):
    return {
        "production": make_scenario(
            "online-inspection", stage="production", name_zh="智能在线检测",
            keywords=["机器视觉", "在线检测"], nodes=["SF-JS:production.online_inspection"],
        ),
        "rnd": make_scenario(
            "product-design", stage="rnd", name_zh="产品数字化设计",
            keywords=["CAD", "仿真"], nodes=["SF-JS:rnd.product_design"],
        ),
        "other_model": make_scenario(
            "cmmm-only", stage="production", name_zh="其他模型场景", nodes=["CMMM:manufacturing"]
        ),
    }  # fmt: skip


def _result(world, sf, **levels):
    return submit(world.e1, world.users["enterprise"], sf, levels)


def _page(assessment, world):
    return matches_for_assessment(assessment=assessment, user=world.users["enterprise"])


def test_the_weakest_dimensions_scenario_solution_ranks_first(world, sf, scenes):
    rnd = make_entry("产品设计仿真平台", scenarios=(scenes["rnd"],))
    production = make_entry("机器视觉在线检测方案", scenarios=(scenes["production"],))
    page = _page(_result(world, sf, production=1, rnd=2), world)
    assert [row.entry for row in page.top] == [production, rnd]
    assert [g.gap.code for g in page.groups] == ["production", "rnd"]
    assert [r.entry for r in page.groups[0].solutions] == [production]
    assert page.groups[0].scenarios == (scenes["production"],)


def test_dimensions_at_or_above_sixty_percent_lead_to_no_match(world, sf, scenes):
    make_entry("机器视觉在线检测方案", scenarios=(scenes["production"],))
    page = _page(_result(world, sf), world)
    assert page.groups == []
    assert page.top == []
    assert {d.code for d in page.dimensions} == {
        "factory",
        "rnd",
        "production",
        "prod_mgmt",
        "operations",
    }


def test_exact_industry_ranks_above_division_and_other_industries_are_left_out(world, sf, scenes):
    common = {"scenarios": (scenes["production"],)}
    division = make_entry("电子行业检测方案", industries=["39"], **common)
    exact = make_entry("计算机整机检测方案", industries=["3911"], **common)
    make_entry("纺织检测方案", industries=["17"], **common)
    anywhere = make_entry("通用检测方案", **common)
    page = _page(_result(world, sf, production=1), world)
    assert [row.entry for row in page.top] == [exact, division, anywhere]


def test_the_enterprises_county_ranks_above_the_whole_province_and_other_cities_are_left_out(
    world, sf, scenes
):
    common = {"scenarios": (scenes["production"],)}
    province = make_entry("全省检测方案", **common)
    county = make_entry("玄武检测方案", regions=["320102"], **common)
    make_entry("苏州检测方案", regions=["3205"], **common)
    city = make_entry("南京检测方案", regions=["3201"], **common)
    page = _page(_result(world, sf, production=1), world)
    assert [row.entry for row in page.top] == [county, city, province]


def test_reason_names_the_score_the_county_median_the_scenario_industry_and_local_track_record(
    world, sf, scenes, settings
):
    settings.BENCHMARK_MIN_GROUP = 1  # small track records are hidden: test_review_matching.py
    provider = make_provider("南京智检科技有限公司")
    entry = make_entry(
        "机器视觉在线检测方案", provider=provider, industries=["3911"],
        scenarios=(scenes["production"],),
    )  # fmt: skip
    baseline = _result(world, sf, production=1)
    PeerBenchmark.objects.create(
        framework_version=sf, group="county", key="320102", label="玄武区", size=6,
        totals=[50, 60, 70, 80, 90, 95], dimension_medians={"production": 12.0},
        computed_at=timezone.now(),
    )  # fmt: skip
    _served(world, sf, provider)
    page = _page(baseline, world)
    [row] = page.top
    assert row.entry == entry
    text = str(row.reason)
    assert "生产作业 得分 25%，低于所在区县中位数 60%" in text
    assert "该方案覆盖“智能在线检测”" in text
    assert "适用于计算机整机制造" in text
    assert "服务商已为您所在城市 1 家企业提供服务" in text
    assert str(page.groups[0].reason) == "生产作业 得分 25%，低于所在区县中位数 60%"


def _served(world, sf, provider):
    """The provider served E2 (same city as E1) by an adoption and E3 (another city) by a
    diagnosis assignment of its member account."""
    from conftest import make_user

    e2_user = make_user("ent_e2", "enterprise", enterprise=world.e2)
    baseline = submit(world.e2, e2_user, sf, {})
    Adoption.objects.create(
        enterprise=world.e2, provider=provider, baseline=baseline, dimensions=["production"],
        adopted_on=datetime.date.today(), created_by=e2_user,
    )  # fmt: skip
    member = make_user("provider_member", "provider")
    provider.members.add(member)
    ProviderAssignment.objects.create(
        enterprise=world.e3, provider=member, framework_version=sf,
        assigned_by=world.users["province"],
    )  # fmt: skip


def test_the_reason_falls_back_to_the_province_track_record(world, sf, scenes, settings):
    settings.BENCHMARK_MIN_GROUP = 1  # small track records are hidden: test_review_matching.py
    provider = make_provider("苏州服务有限公司")
    make_entry("检测方案", provider=provider, scenarios=(scenes["production"],))
    from conftest import make_user

    account = make_user("provider_q", "provider")
    provider.members.add(account)
    ProviderAssignment.objects.create(
        enterprise=world.e3, provider=account, framework_version=sf,
        assigned_by=world.users["province"],
    )  # fmt: skip
    [row] = _page(_result(world, sf, production=1), world).top
    assert "服务商已为全省 1 家企业提供服务" in str(row.reason)
    assert "适用于各行业" in str(row.reason)


def test_cases_are_examples_and_unpublished_entries_or_providers_are_left_out(world, sf, scenes):
    common = {"scenarios": (scenes["production"],)}
    case = make_entry("某企业在线检测优秀案例", kind=Entry.Kind.CASE, **common)
    make_entry("草稿方案", status=Status.DRAFT, **common)
    hidden_provider = make_provider("待审核服务商", status=Status.IN_REVIEW)
    make_entry("待审核服务商的方案", provider=hidden_provider, **common)
    shown = make_entry("已发布方案", **common)
    page = _page(_result(world, sf, production=1), world)
    assert [row.entry for row in page.top] == [shown]
    assert page.groups[0].examples == (case,)


def test_a_scenario_of_another_model_never_matches(world, sf, scenes):
    make_entry("其他模型方案", scenarios=(scenes["other_model"],))
    assert _page(_result(world, sf, production=1), world).top == []


def test_failed_rules_of_the_next_level_are_named_in_the_gap_reason(world, sf, scenes):
    make_entry("检测方案", scenarios=(scenes["production"],))
    page = _page(_result(world, sf, production=0, prod_mgmt=0), world)
    group = next(g for g in page.groups if g.gap.code == "production")
    assert group.gap.failed_rules
    assert "未满足“智能车间”要求" in str(group.reason)
    assert "至少 2 个生产作业或生产管理场景已开展建设" in str(group.reason)


def test_a_scenario_of_a_dimension_covers_its_weak_nodes(world, sf, scenes):
    broad = make_scenario("production-all", name_zh="生产作业综合", nodes=["SF-JS:production"])
    entry = make_entry("生产作业整体方案", scenarios=(broad,))
    page = _page(_result(world, sf, production=1), world)
    [row] = page.top
    assert row.entry == entry
    assert "production" in row.match.covered
    assert "production.online_inspection" in row.match.covered


def test_matching_reads_each_table_once(world, sf, scenes, django_assert_max_num_queries):
    for i in range(8):
        provider = make_provider(f"服务商{i}号有限公司")
        make_entry(f"方案{i}", provider=provider, scenarios=(scenes["production"], scenes["rnd"]))
        make_entry(f"案例{i}", kind=Entry.Kind.CASE, scenarios=(scenes["production"],))
    assessment = _result(world, sf, production=1, rnd=2)
    _page(assessment, world)  # vectors computed and stored on the first call
    with django_assert_max_num_queries(12):
        page = _page(assessment, world)
    assert len(page.top) == 8
