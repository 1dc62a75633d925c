"""Public pages of the resource pool (catalog/views.py): anyone reads the published pool; a draft
is its provider's and the province's only."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Entry, Status
from catalog.tests.factories import make_entry, make_provider, make_scenario
from registry.models import Industry

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(world):
    """V1 (the world's provider account is a member) with a published and a draft entry; V2
    (another provider) with an entry in review; a scenario mapped to a model node."""
    Industry.objects.create(code="34", name="通用设备制造业", level="division")
    scenario = make_scenario(
        "quality-inspection", name_zh="在线质量检测", stage="production",
        nodes=["SF-JS:production.quality"], description="基于机器视觉的在线检测",
    )  # fmt: skip
    v1 = make_provider("金陵智造科技有限公司", members=(world.users["provider"],),
                       regions_served=(world.p,), industries=["34"], summary="视觉质检集成",
                       qualifications=["ISO 9001", {"名称": "系统集成二级"}])  # fmt: skip
    v2 = make_provider("姑苏数字有限公司", status=Status.IN_REVIEW)
    published = make_entry(
        "视觉质检系统", provider=v1, scenarios=(scenario,), kind=Entry.Kind.SOFTWARE,
        software_category="control", first_version=True, recognised_year=2025,
        industries=["34"], regions=["3201"], verified=False, summary="缺陷检测",
        attributes={"部署方式": "私有云"}, source="2025 年首版次软件名单",
    )  # fmt: skip
    draft = make_entry("排产草稿", provider=v1, status=Status.DRAFT)
    others = make_entry("他人待审核", provider=v2, status=Status.IN_REVIEW)
    return {"v1": v1, "v2": v2, "published": published, "draft": draft, "others": others,
            "scenario": scenario}  # fmt: skip


def _unmarked(response) -> str:
    return re.sub(r"</?mark>", "", response.content.decode())


def _client(world, role: str | None = None) -> Client:
    client = Client()
    if role:
        client.force_login(world.users[role])
    return client


def test_home_shows_counts_featured_entries_and_links_without_login(world, pool) -> None:
    response = Client().get(reverse("catalog:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "视觉质检系统" in html
    assert "排产草稿" not in html
    assert re.search(r'data-kind="software">1<', html)
    assert reverse("catalog:scenario-map") in html
    assert reverse("catalog:providers") in html
    assert 'data-testid="nav-catalog"' in html


def test_search_finds_two_character_words_for_anonymous(world, pool) -> None:
    response = Client().get(reverse("catalog:search"), {"q": "质检"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>质检</mark>" in html
    assert "排产草稿" not in html
    assert "他人待审核" not in html
    assert "<html" in html


def test_search_fragment_for_htmx_is_the_results_only(world, pool) -> None:
    response = Client().get(
        reverse("catalog:search"), {"q": "视觉", "flag": "first_version"}, HTTP_HX_REQUEST="true"
    )
    html = _unmarked(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="results"' in html
    assert "视觉质检系统" in html


def test_search_with_no_match_says_so(world, pool) -> None:
    html = Client().get(reverse("catalog:search"), {"q": "冶炼"}).content.decode()
    assert 'data-testid="search-empty"' in html


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "unknown"},
        {"page": "abc"},
        {"page": "-3"},
        {"page": "9" * 40},
        {"q": "质" * 10_000},
        {"q": "质检\x00"},
        {"industry": "34\x00", "region": "3201'--", "scenario": "\x00", "stage": "x"},
        {"dimension": "SF-JS:" + "a" * 5000, "provider": "abc", "flag": "nope"},
        {"software_category": "\x00", "provider": "99999999999"},
    ],
)
@pytest.mark.parametrize("route", ["search", "providers", "home", "scenario-map", "scenario"])
def test_bad_query_parameters_never_fail(world, pool, params, route) -> None:
    args = [pool["scenario"].code] if route == "scenario" else []
    assert Client().get(reverse(f"catalog:{route}", args=args), params).status_code == 200


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"industry": "3411"}, "视觉质检系统", "苏州专用方案"),
        ({"region": "320102"}, "视觉质检系统", "苏州专用方案"),
        ({"region": "320583"}, "苏州专用方案", "视觉质检系统"),
        ({"scenario": "quality-inspection"}, "视觉质检系统", "苏州专用方案"),
        ({"dimension": "SF-JS:production"}, "视觉质检系统", "苏州专用方案"),
        ({"stage": "production"}, "视觉质检系统", "苏州专用方案"),
        ({"kind": "software", "software_category": "control"}, "视觉质检系统", "苏州专用方案"),
    ],
)
def test_search_page_filters(world, pool, params, shown, hidden) -> None:
    make_entry("苏州专用方案", regions=["3205"], industries=["39"])
    html = _unmarked(Client().get(reverse("catalog:search"), params))
    assert shown in html
    assert hidden not in html


def test_search_page_takes_a_bounded_number_of_queries(
    world, pool, django_assert_max_num_queries
) -> None:
    for n in range(30):
        make_entry(f"质检方案{n}", provider=pool["v1"])
    with django_assert_max_num_queries(12):
        response = Client().get(reverse("catalog:search"), {"q": "质检", "industry": "34"})
    assert response.status_code == 200
    with django_assert_max_num_queries(6):
        Client().get(reverse("catalog:search"), {"q": "质检", "page": "2"}, HTTP_HX_REQUEST="1")


def test_entry_detail_shows_every_field_to_anonymous(world, pool) -> None:
    response = Client().get(reverse("catalog:entry", args=[pool["published"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("视觉质检系统", "生产控制", "首版次", "2025 年认定", "34 通用设备制造业",
                 "南京市", "在线质量检测", "金陵智造科技有限公司", "私有云",
                 "2025 年首版次软件名单", 'data-testid="unverified"'):  # fmt: skip
        assert text in html, text
    assert reverse("catalog:provider", args=[pool["v1"].pk]) in html
    assert 'data-testid="entry-status-badge"' not in html


@pytest.mark.parametrize(
    ("role", "key", "status"),
    [
        (None, "draft", 404),
        (None, "others", 404),
        ("provider", "others", 404),
        ("enterprise", "draft", 404),
        ("city", "others", 404),
        ("provider", "draft", 200),
        ("province", "others", 200),
        (None, "published", 200),
    ],
)
def test_entries_that_are_not_published_are_the_providers_and_the_provinces(
    world, pool, role, key, status
) -> None:
    response = _client(world, role).get(reverse("catalog:entry", args=[pool[key].pk]))
    assert response.status_code == status
    if status == 200 and key != "published":
        assert 'data-testid="entry-status-badge"' in response.content.decode()


def test_provider_list_filters_by_region_served_industry_and_keyword(world, pool) -> None:
    make_provider("苏州排产服务有限公司", regions_served=(world.q,), summary="智能排产")
    url = reverse("catalog:providers")
    assert "金陵智造" in Client().get(url, {"region": "320102"}).content.decode()
    assert "苏州排产" not in Client().get(url, {"region": "320102"}).content.decode()
    html = _unmarked(Client().get(url, {"q": "排产"}, HTTP_HX_REQUEST="true"))
    assert "苏州排产" in html
    assert "金陵智造" not in html
    assert "<html" not in html
    assert "姑苏数字" not in Client().get(url).content.decode()
    html = Client().get(url, {"industry": "39"}).content.decode()
    assert "苏州排产" in html
    assert "金陵智造" not in html


def test_provider_detail_shows_profile_and_published_entries_only(world, pool) -> None:
    response = Client().get(reverse("catalog:provider", args=[pool["v1"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "视觉质检系统" in html
    assert "排产草稿" not in html
    assert "南京市" in html
    assert "ISO 9001" in html
    assert "系统集成二级" in html
    assert "34 通用设备制造业" in html


@pytest.mark.parametrize(("role", "status"), [(None, 404), ("provider", 404), ("province", 200)])
def test_a_provider_in_review_is_seen_by_the_province_only(world, pool, role, status) -> None:
    url = reverse("catalog:provider", args=[pool["v2"].pk])
    assert _client(world, role).get(url).status_code == status


def test_scenario_map_holds_the_heatmap_data_and_loads_its_scripts_in_order(world, pool) -> None:
    make_entry("通用方案", scenarios=(pool["scenario"],))
    html = Client().get(reverse("catalog:scenario-map")).content.decode()
    data = json.loads(re.search(r'id="scenario-map-data"[^>]*>(.*?)</script>', html, re.S)[1])
    assert [i["code"] for i in data["industries"]] == ["34", "*"]
    assert data["scenarios"][0]["code"] == "quality-inspection"
    assert sorted(data["cells"]) == [[0, 0, 1], [0, 1, 1]]
    assert data["search_url"] == reverse("catalog:search")
    scripts = re.findall(r'<script src="[^"]*/(echarts-[^"/]*|[a-z_]+\.js)"', html)
    assert scripts[-4:] == [
        "echarts-6.1.0.min.js", "echarts_csp.js", "scenario_heatmap.js", "scenario_map.js"
    ]  # fmt: skip
    assert "<script>" not in html


def test_scenario_detail_shows_nodes_and_published_entries(world, pool) -> None:
    response = Client().get(reverse("catalog:scenario", args=["quality-inspection"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "SF-JS:production.quality" in html
    assert "视觉质检系统" in html
    assert "基于机器视觉的在线检测" in html
    assert Client().get(reverse("catalog:scenario", args=["no-such"])).status_code == 404
