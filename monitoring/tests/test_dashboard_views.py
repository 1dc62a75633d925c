"""The monitoring dashboards: who reaches which dashboard (404 outside the jurisdiction), the empty
state before any snapshot, the JSON data (ECharts-ready, the same as the page), the filters, the
index charts of a published run, and the XLSX export (tables, formula escaping, audit)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from conftest import World, make_region
from monitoring.models import CoverageSnapshot
from monitoring.tests.dashboard_factories import (
    make_cell,
    make_index_run,
    make_snapshot,
)
from registry.models import Chain

pytestmark = pytest.mark.django_db


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


@pytest.fixture
def snapshot(world: World) -> CoverageSnapshot:
    """2025 and 2026 for the province, both cities and the three counties."""
    snapshot = make_snapshot(years=[2025, 2026])
    for year, bump in ((2025, 0), (2026, 10)):
        make_cell(snapshot, year=year, level="province", code="32", levels=(60, 40 + bump, 8, 3, 1))
        make_cell(snapshot, year=year, level="city", code="3201", levels=(50, 30 + bump, 12, 4, 2))
        make_cell(snapshot, year=year, level="city", code="3205", enterprises=200, assessed=10)
        make_cell(
            snapshot, year=year, level="county", code="320102", levels=(40, 20 + bump, 5, 0, 0)
        )
        make_cell(snapshot, year=year, level="county", code="320104", enterprises=50)
        make_cell(snapshot, year=year, level="county", code="320583", enterprises=80)
    return snapshot


def _data(client: Client, url: str, **query: str) -> dict[str, Any]:
    response = client.get(url, query)
    assert response.status_code == 200
    return response.json()


# --- Access -------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client: Client, world: World) -> None:
    response = client.get(reverse("monitoring:dashboard"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["enterprise", "expert", "provider", "admin"])
def test_non_officials_are_refused(world: World, role: str) -> None:
    client = _client(world, role)
    assert client.get(reverse("monitoring:dashboard")).status_code == 403
    url = reverse("monitoring:city-dashboard-data", kwargs={"code": "3201"})
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("role", "target"),
    [("city", "/monitoring/city/3201/"), ("county", "/monitoring/county/320102/")],
)
def test_officials_below_the_province_land_on_their_own_dashboard(
    world: World, role: str, target: str
) -> None:
    response = _client(world, role).get(reverse("monitoring:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == target


@pytest.mark.parametrize("suffix", ["", "-data", "-export"])
def test_a_city_official_gets_404_for_another_citys_dashboard(
    world: World, snapshot: CoverageSnapshot, suffix: str
) -> None:
    client = _client(world, "city")
    other = reverse(f"monitoring:city-dashboard{suffix}", kwargs={"code": "3205"})
    own = reverse(f"monitoring:city-dashboard{suffix}", kwargs={"code": "3201"})
    other_county = reverse(f"monitoring:county-dashboard{suffix}", kwargs={"code": "320583"})
    own_county = reverse(f"monitoring:county-dashboard{suffix}", kwargs={"code": "320104"})
    assert client.get(other).status_code == 404
    assert client.get(other_county).status_code == 404
    assert client.get(own).status_code == 200
    assert client.get(own_county).status_code == 200


def test_a_city_official_cannot_read_the_provinces_data(world: World) -> None:
    client = _client(world, "city")
    assert client.get(reverse("monitoring:dashboard-data")).status_code == 403
    assert client.get(reverse("monitoring:dashboard-export")).status_code == 403


@pytest.mark.parametrize(
    ("route", "code", "status"),
    [
        ("monitoring:county-dashboard-data", "320102", 200),
        ("monitoring:county-dashboard-data", "320104", 404),
        ("monitoring:city-dashboard-data", "3201", 404),
        ("monitoring:city-dashboard", "3201", 404),
    ],
)
def test_a_county_official_sees_only_the_county(
    world: World, snapshot: CoverageSnapshot, route: str, code: str, status: int
) -> None:
    response = _client(world, "county").get(reverse(route, kwargs={"code": code}))
    assert response.status_code == status


def test_an_unknown_or_mislevelled_code_answers_404(world: World) -> None:
    client = _client(world, "province")
    assert client.get("/monitoring/city/9999/").status_code == 404
    assert client.get("/monitoring/city/320102/").status_code == 404  # a county as a city


# --- Empty state --------------------------------------------------------------------------------


def test_without_a_snapshot_the_page_says_one_must_be_computed(world: World) -> None:
    make_snapshot(status=CoverageSnapshot.Status.RUNNING)  # not finished: not shown
    response = _client(world, "province").get(reverse("monitoring:dashboard"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="dashboard-empty"' in text
    assert "尚无监测快照" in text
    assert "data-dashboard-chart" not in text
    assert f'href="{reverse("monitoring:snapshots")}"' in text


def test_the_empty_state_of_a_city_official_has_no_link_to_the_provinces_snapshot_page(
    world: World,
) -> None:
    text = _client(world, "city").get("/monitoring/city/3201/").content.decode()
    assert 'data-testid="dashboard-empty"' in text
    assert reverse("monitoring:snapshots") not in text


def test_without_a_snapshot_the_json_view_is_empty(world: World) -> None:
    data = _data(_client(world, "province"), reverse("monitoring:dashboard-data"))
    assert data["empty"] is True
    assert data["charts"] == {}


def test_without_a_snapshot_the_export_says_so(world: World) -> None:
    response = _client(world, "province").get(reverse("monitoring:dashboard-export"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["说明"]
    values = [c.value for row in book["说明"].iter_rows() for c in row]
    assert "尚无监测快照，请先计算快照。" in values


# --- Data ---------------------------------------------------------------------------------------


def test_the_province_map_holds_each_city_with_its_share_and_target(
    world: World, snapshot: CoverageSnapshot
) -> None:
    data = _data(_client(world, "province"), reverse("monitoring:dashboard-data"))
    chart = data["charts"]["map"]
    assert chart["map"] == "jiangsu"
    assert chart["url"].endswith("vendor/maps/jiangsu.json")
    by_code = {r["name"]: r for r in chart["regions"]}
    assert set(by_code) == {"3201", "3205"}
    assert by_code["3201"]["value"] == 40.0  # 2026 (latest year): 40 of 100 at ≥ 基础级
    assert (by_code["3201"]["num"], by_code["3201"]["den"]) == (40, 100)
    assert by_code["3205"]["value"] == 20.0  # 40 of 200
    assert by_code["3201"]["drill"] == "/monitoring/city/3201/data.json"
    assert chart["target"] == pytest.approx(100 * 0.5 * 2 / 3, abs=0.01)  # 2026 of 2025–2027


def test_the_targets_chart_compares_the_unit_with_the_plans_targets(
    world: World, snapshot: CoverageSnapshot
) -> None:
    data = _data(_client(world, "province"), reverse("monitoring:dashboard-data"))
    chart = data["charts"]["targets"]
    actual, expected, final = (s["data"] for s in chart["series"])
    finals = dict(zip(chart["categories"], final, strict=True))
    assert finals["规上工业企业 · 基础级及以上智能工厂"] == 50.0
    assert finals["规上工业企业 · 先进级及以上智能工厂"] == 10.0
    assert finals["规上工业企业 · 卓越级及以上智能工厂"] == 5.0
    assert finals["规上工业企业 · 领航级智能工厂"] == 1.0
    assert finals["规上工业企业 · 当年开展自评估"] == 10.0
    assert finals["创新型中小企业 · 初始级及以上数字化转型"] == 100.0
    values = dict(zip(chart["categories"], actual, strict=True))
    assert values["规上工业企业 · 基础级及以上智能工厂"] == 50.0  # province 2026: 50 of 100
    assert values["创新型中小企业 · 初始级及以上数字化转型"] == 80.0
    assert chart["table"]["rows"][0][0] == chart["categories"][0]
    assert len(chart["table"]["rows"]) == len(chart["categories"])
    assert all(e is not None for e in expected)


def test_the_ranking_sorts_cities_best_first(world: World, snapshot: CoverageSnapshot) -> None:
    data = _data(_client(world, "province"), reverse("monitoring:dashboard-data"))
    ranking = data["charts"]["ranking"]
    assert ranking["categories"] == ["南京市", "苏州市"]
    assert ranking["series"][0]["data"] == [40.0, 20.0]
    assert [row[0] for row in ranking["table"]["rows"]] == [1, 2]


def test_the_trend_follows_the_years_of_the_snapshot(
    world: World, snapshot: CoverageSnapshot
) -> None:
    data = _data(_client(world, "province"), reverse("monitoring:dashboard-data"))
    trend = data["charts"]["trend"]
    assert trend["categories"] == ["2025", "2026"]
    assert trend["series"][0]["data"] == [40.0, 50.0]


def test_the_province_dashboard_counts_yearly_pushes_against_the_plan(
    world: World, snapshot: CoverageSnapshot
) -> None:
    data = _data(_client(world, "province"), reverse("monitoring:dashboard-data"))
    pushes = data["charts"]["pushes"]
    rows = {row[0]: row[1:] for row in pushes["table"]["rows"]}
    assert rows["全部企业 · 当年新达到基础级及以上"] == [30, 10000, 0.3, "已核实"]
    assert rows["全部企业 · 当年新达到领航级"] == [1, 200, 0.5, "未核实"]
    assert pushes["series"][0]["data"][0] == 0.3


@pytest.mark.parametrize(
    ("metric", "population", "expected"),
    [
        ("sf_ge_ADVANCED", "above_scale", 12.0),
        ("assessed", "above_scale", 12.0),
        ("sme_required", "above_scale", 70.59),  # (8 + 3 + 1) / (10 + 5 + 2)
        ("sme_required", "specialised_sme", 60.0),  # 3 / 5
    ],
)
def test_the_map_metric_follows_the_selector(
    world: World, snapshot: CoverageSnapshot, metric: str, population: str, expected: float
) -> None:
    data = _data(
        _client(world, "province"),
        reverse("monitoring:dashboard-data"),
        metric=metric,
        population=population,
    )
    regions = {r["name"]: r["value"] for r in data["charts"]["map"]["regions"]}
    assert regions["3201"] == expected


def test_the_year_filter_reads_that_years_cells(world: World, snapshot: CoverageSnapshot) -> None:
    data = _data(_client(world, "province"), reverse("monitoring:dashboard-data"), year="2025")
    assert data["filters"]["year"] == 2025
    regions = {r["name"]: r["value"] for r in data["charts"]["map"]["regions"]}
    assert regions["3201"] == 30.0


def test_a_chain_filter_reads_the_chains_cells(world: World, snapshot: CoverageSnapshot) -> None:
    Chain.objects.create(code="ic", name="集成电路")
    make_cell(
        snapshot,
        year=2026,
        level="city",
        code="3201",
        group_kind="chain",
        group_code="ic",
        enterprises=10,
        levels=(9, 9, 1, 0, 0),
    )
    data = _data(_client(world, "province"), reverse("monitoring:dashboard-data"), group="chain:ic")
    assert data["filters"]["group_kind"] == "chain"
    regions = {r["name"]: r["value"] for r in data["charts"]["map"]["regions"]}
    assert regions == {"3201": 90.0, "3205": None}


def test_unknown_filter_values_fall_back_to_the_defaults(
    world: World, snapshot: CoverageSnapshot
) -> None:
    data = _data(
        _client(world, "province"),
        reverse("monitoring:dashboard-data"),
        year="1999",
        group="chain:nope",
        population="x",
        metric="x",
    )
    assert data["filters"] == {
        "year": 2026,
        "group_kind": "all",
        "group_code": "",
        "population": "above_scale",
        "metric": "sf_ge_BASIC",
    }


def test_the_city_dashboard_maps_its_counties(world: World, snapshot: CoverageSnapshot) -> None:
    url = reverse("monitoring:city-dashboard-data", kwargs={"code": "3201"})
    data = _data(_client(world, "city"), url)
    chart = data["charts"]["map"]
    assert chart["map"] == "jiangsu-3201"
    assert {r["name"]: r["value"] for r in chart["regions"]} == {"320102": 30.0, "320104": 80.0}
    assert "pushes" not in data["charts"]


def test_a_city_official_does_not_see_the_provinces_line_in_the_trend(
    world: World, snapshot: CoverageSnapshot
) -> None:
    url = reverse("monitoring:city-dashboard-data", kwargs={"code": "3201"})
    city = _data(_client(world, "city"), url)["charts"]["trend"]
    province = _data(_client(world, "province"), url)["charts"]["trend"]
    assert [s["name"] for s in city["series"] if not s.get("dashed")] == ["南京市"]
    assert [s["name"] for s in province["series"] if not s.get("dashed")] == ["南京市", "江苏省"]


def test_the_county_dashboard_draws_the_city_map_with_the_county_alone(
    world: World, snapshot: CoverageSnapshot
) -> None:
    url = reverse("monitoring:county-dashboard-data", kwargs={"code": "320102"})
    data = _data(_client(world, "county"), url)
    chart = data["charts"]["map"]
    assert chart["map"] == "jiangsu-3201"
    assert chart["highlight"] == "320102"
    assert [r["name"] for r in chart["regions"]] == ["320102"]
    assert "ranking" not in data["charts"]


def test_the_page_embeds_the_same_data_as_the_json_view(
    world: World, snapshot: CoverageSnapshot
) -> None:
    client = _client(world, "province")
    page = client.get(reverse("monitoring:dashboard"), {"year": "2025"})
    assert page.context["payload"] == _data(
        client, reverse("monitoring:dashboard-data"), year="2025"
    )
    text = page.content.decode()
    assert 'id="dashboard-data"' in text
    assert "<table" in text
    assert "export.xlsx?chart=map&amp;year=2025" in text


def test_an_htmx_filter_change_renders_only_the_dashboard_body(
    world: World, snapshot: CoverageSnapshot
) -> None:
    response = _client(world, "province").get(
        reverse("monitoring:dashboard"), {"year": "2025"}, headers={"HX-Request": "true"}
    )
    text = response.content.decode()
    assert "<html" not in text
    assert 'id="dashboard-data"' in text
    assert 'data-dashboard-chart="map"' in text


def test_the_page_reads_a_bounded_number_of_queries(
    world: World, snapshot: CoverageSnapshot, django_assert_max_num_queries
) -> None:
    client = _client(world, "province")
    with django_assert_max_num_queries(20):
        client.get(reverse("monitoring:dashboard"))


# --- Index --------------------------------------------------------------------------------------


@pytest.fixture
def index_run(snapshot: CoverageSnapshot):
    return make_index_run(
        snapshot,
        year=2026,
        values={
            "city": {"3201": 62.5, "3205": 48.0},
            "county": {"320102": 55.0, "320104": 41.0, "320583": 70.0},
        },
        offsets={("3201", "SF_BASIC"): 20.0, ("3201", "NET_GRADED"): -30.0},
    )


def test_without_a_published_run_there_is_no_index_chart(
    world: World, snapshot: CoverageSnapshot
) -> None:
    make_index_run(snapshot, published=False, values={"city": {"3201": 62.5, "3205": 48.0}})
    client = _client(world, "province")
    data = _data(client, reverse("monitoring:dashboard-data"))
    assert "index" not in data["charts"]
    choices = client.get(reverse("monitoring:dashboard")).context["dashboard"].choices
    assert "index" not in {code for code, _name in choices.metrics}


def test_the_index_chart_shows_ranks_with_their_uncertainty_and_tiers(
    world: World, index_run
) -> None:
    data = _data(_client(world, "province"), reverse("monitoring:dashboard-data"))
    chart = data["charts"]["index"]
    assert chart["categories"] == ["南京市", "苏州市"]
    assert chart["score"] == [62.5, 48.0]
    assert chart["rank"] == [1, 2]
    assert (chart["p05"], chart["p95"]) == ([1, 1], [2, 2])
    assert chart["tier"] == [1, 2]
    assert chart["run"]["provisional"] is True
    assert chart["table"]["rows"][0][4] == "第一梯队"


def test_the_index_score_can_colour_the_map(world: World, index_run) -> None:
    data = _data(_client(world, "province"), reverse("monitoring:dashboard-data"), metric="index")
    assert {r["name"]: r["value"] for r in data["charts"]["map"]["regions"]} == {
        "3201": 62.5,
        "3205": 48.0,
    }


def test_strengths_and_weaknesses_compare_nodes_with_the_median(world: World, index_run) -> None:
    data = _data(_client(world, "province"), reverse("monitoring:dashboard-data"))
    nanjing = data["charts"]["strengths"]["units"][0]
    assert nanjing["name"] == "南京市"
    # median of SF_BASIC over the two cities = (82.5 + 48) / 2; 南京 is 17.25 above it
    assert nanjing["strengths"][0] == {
        "node": "SF_BASIC",
        "name": "基础级及以上智能工厂覆盖率",
        "score": 82.5,
        "median": 65.25,
        "diff": 17.25,
    }
    assert nanjing["weaknesses"][0]["node"] == "NET_GRADED"
    assert nanjing["weaknesses"][0]["diff"] == pytest.approx(-7.75)


def test_the_city_dashboard_ranks_its_counties_among_all_counties(world: World, index_run) -> None:
    url = reverse("monitoring:city-dashboard-data", kwargs={"code": "3201"})
    chart = _data(_client(world, "city"), url)["charts"]["index"]
    assert chart["categories"] == ["玄武区", "秦淮区"]
    assert chart["rank"] == [2, 3]
    assert chart["units"] == 3


# --- Export -------------------------------------------------------------------------------------


def _workbook(response) -> Any:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_export_of_one_chart_holds_its_table(world: World, snapshot: CoverageSnapshot) -> None:
    client = _client(world, "province")
    table = _data(client, reverse("monitoring:dashboard-data"))["charts"]["ranking"]["table"]
    book = _workbook(client.get(reverse("monitoring:dashboard-export"), {"chart": "ranking"}))
    assert len(book.sheetnames) == 2
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert list(rows[1]) == table["columns"]
    assert [list(r) for r in rows[2:]] == table["rows"]


def test_the_export_without_a_chart_holds_every_chart(
    world: World, snapshot: CoverageSnapshot
) -> None:
    url = reverse("monitoring:city-dashboard-export", kwargs={"code": "3201"})
    book = _workbook(_client(world, "city").get(url))
    assert [name.split()[0] for name in book.sheetnames[1:]] == [
        "map",
        "targets",
        "ranking",
        "trend",
    ]


def test_the_export_escapes_text_a_spreadsheet_would_run(
    world: World, snapshot: CoverageSnapshot
) -> None:
    make_region("320199", "=HYPERLINK(1)", "county", world.p)
    url = reverse("monitoring:city-dashboard-export", kwargs={"code": "3201"})
    book = _workbook(_client(world, "city").get(url, {"chart": "map"}))
    names = [row[1] for row in book.worksheets[1].iter_rows(min_row=3, values_only=True)]
    assert "'=HYPERLINK(1)" in names


def test_every_export_is_audited(world: World, snapshot: CoverageSnapshot) -> None:
    url = reverse("monitoring:city-dashboard-export", kwargs={"code": "3201"})
    _client(world, "city").get(url, {"chart": "trend", "year": "2025"})
    event = AuditEvent.objects.get(action="monitoring.export")
    assert event.actor_username == "city_p"
    assert event.object_id == str(snapshot.pk)
    assert event.after["scope"] == "city:3201"
    assert event.after["charts"] == ["trend"]
    assert event.after["filters"]["year"] == 2025


def test_the_population_choices_come_from_the_coverage_definition(
    world: World, snapshot: CoverageSnapshot
) -> None:
    page = _client(world, "province").get(reverse("monitoring:dashboard"))
    populations = [code for code, _name in page.context["dashboard"].choices.populations]
    assert populations == [
        "all",
        "above_scale",
        "innovative_sme",
        "specialised_sme",
        "little_giant",
    ]
