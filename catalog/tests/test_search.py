"""Chinese full-text search over the published resource pool (catalog/search.py, segment.py)."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.utils import timezone

from catalog import search, segment
from catalog.models import Entry, Provider, Status
from catalog.tests.factories import make_entry, make_provider, make_scenario

pytestmark = pytest.mark.django_db


def _titles(result: search.SearchResult) -> set[str]:
    return {e.title for e in result.rows}


def _search(**kwargs) -> search.SearchResult:
    return search.entry_search(user=None, **kwargs)


@pytest.fixture
def pool():
    make_entry("智能制造整体解决方案", summary="离散制造企业的数字化车间")
    make_entry("视觉质检系统", summary="基于深度学习的缺陷检测", kind=Entry.Kind.SOFTWARE)
    make_entry("智能排产APS", summary="MES 与 ERP 集成的高级计划排程")
    make_entry("设备预测性维护平台", summary="振动监测，故障预警")
    make_entry("能源管理系统", summary="能耗在线监测与碳排放核算")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("制造", {"智能制造整体解决方案"}),
        ("质检", {"视觉质检系统"}),
        ("排产", {"智能排产APS"}),
        ("预测", {"设备预测性维护平台"}),
        ("监测", {"设备预测性维护平台", "能源管理系统"}),
        ("视觉质检系统", {"视觉质检系统"}),
        ("MES 排产", {"智能排产APS"}),
        ("mes", {"智能排产APS"}),
        ("ＭＥＳ", {"智能排产APS"}),
        ("视觉，质检！", {"视觉质检系统"}),
        ("「排产」+ERP?", {"智能排产APS"}),
        ("检", {"视觉质检系统"}),
        ("测", {"视觉质检系统", "设备预测性维护平台", "能源管理系统"}),
    ],
)
def test_chinese_queries_find_words_that_contain_them(pool, q, expected) -> None:
    assert _titles(_search(q=q)) == expected


@pytest.mark.parametrize("q", ["视觉 排产", "MES 质检", "制造 能耗", "质检 zfindall"])
def test_every_query_word_must_match(pool, q) -> None:
    assert _search(q=q).total == 0


@pytest.mark.parametrize("q", ["zfindall", "zfregall", "zfind39", "zfrgu32"])
def test_a_query_never_matches_the_facet_tokens(pool, q) -> None:
    assert _search(q=q).rows == []


def test_a_query_of_punctuation_only_browses_everything(pool) -> None:
    assert _search(q="，。！？").total == 5


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.REJECTED])
def test_entries_that_are_not_published_are_never_found(status) -> None:
    make_entry("视觉质检工作站", status=status)
    assert _search(q="质检").total == 0
    assert _search().total == 0


def test_an_edit_changes_the_results_after_reindex(pool) -> None:
    entry = Entry.objects.get(title="能源管理系统")
    entry.title, entry.summary = "数字孪生工厂", "三维可视化"
    entry.save()
    search.entry_reindex(entry)
    assert _titles(_search(q="孪生")) == {"数字孪生工厂"}
    assert _search(q="能耗").total == 0


def test_unpublishing_removes_the_entry_from_the_index_without_reindex(pool) -> None:
    Entry.objects.filter(title="视觉质检系统").update(status=Status.IN_REVIEW)
    assert _search(q="质检").total == 0
    Entry.objects.filter(title="视觉质检系统").update(status=Status.PUBLISHED)
    assert _search(q="质检").total == 1


def test_deleting_an_entry_keeps_the_index_right(pool) -> None:
    Entry.objects.filter(title="视觉质检系统").delete()
    assert _search(q="质检").total == 0
    make_entry("视觉质检二代")
    assert _titles(_search(q="质检")) == {"视觉质检二代"}


@pytest.mark.parametrize(
    "q", ["金陵", "质量检测", "缺陷识别", "工业软件", "生产控制", "私有云", "opc", "首版次"]
)
def test_text_of_provider_scenarios_kind_and_attributes_is_searchable(q) -> None:
    provider = make_provider("金陵工业软件有限公司")
    scenario = make_scenario("quality-inspection", name_zh="在线质量检测", keywords=["缺陷识别"])
    make_entry(
        "方案甲", provider=provider, scenarios=(scenario,), kind=Entry.Kind.SOFTWARE,
        software_category="control", attributes={"部署方式": "私有云", "接口": ["OPC UA"]},
        first_version=True,
    )  # fmt: skip
    make_entry("方案乙")
    assert _titles(_search(q=q)) == {"方案甲"}


def test_a_title_match_ranks_above_a_body_match() -> None:
    make_entry("通用方案", body="本方案也可用于数字孪生场景")
    make_entry("数字孪生平台", body="通用")
    assert [e.title for e in _search(q="数字孪生").rows] == ["数字孪生平台", "通用方案"]


@pytest.mark.parametrize(
    ("tagged", "wanted", "found"),
    [
        (["3411"], "3411", True),
        (["34"], "3411", True),
        (["341"], "3411", True),
        ([], "3411", True),
        (["3412"], "3411", False),
        (["35"], "3411", False),
        (["3411"], "34", True),
        (["3411"], "341", True),
        (["3411"], "342", False),
        (["39", "3411"], "39", True),
    ],
)
def test_industry_filter_follows_the_gbt4754_hierarchy(tagged, wanted, found) -> None:
    make_entry("机床", industries=tagged)
    assert (_search(industry=wanted).total == 1) is found
    assert (_search(q="机床", industry=wanted).total == 1) is found


@pytest.mark.parametrize(
    ("tagged", "wanted", "found"),
    [
        (["3201"], "320102", True),
        (["3201"], "3201", True),
        (["320102"], "3201", True),
        (["320102"], "320104", False),
        (["3205"], "320102", False),
        ([], "320102", True),
        (["32"], "3205", True),
        (["320583"], "32", True),
    ],
)
def test_region_filter_covers_cities_and_their_counties(tagged, wanted, found) -> None:
    make_entry("机床", regions=tagged)
    assert (_search(region=wanted).total == 1) is found


def test_scenario_stage_and_dimension_filters_go_through_the_scenarios() -> None:
    inspect = make_scenario("quality", stage="production", nodes=["SF-JS:production.quality"])
    plan = make_scenario("planning", stage="prod_mgmt", nodes=["SF-JS:prod_mgmt"])
    make_entry("质检方案", scenarios=(inspect,))
    make_entry("排产方案", scenarios=(plan,))
    make_entry("两者", scenarios=(inspect, plan), summary="质检")
    assert _titles(_search(scenario="quality")) == {"质检方案", "两者"}
    assert _titles(_search(stage="prod_mgmt")) == {"排产方案", "两者"}
    assert _titles(_search(dimension="SF-JS:production")) == {"质检方案", "两者"}
    assert _titles(_search(dimension="SF-JS:production.quality")) == {"质检方案", "两者"}
    assert _search(dimension="SF-JS:prod").total == 0
    assert _search(scenario="unknown").total == 0
    assert _titles(_search(q="质检", stage="prod_mgmt")) == {"两者"}


def test_a_dimension_that_several_scenarios_map_to_finds_the_entries_of_each() -> None:
    a = make_scenario("a", nodes=["SF-JS:production.quality"])
    b = make_scenario("b", nodes=["SF-JS:production.equipment"])
    c = make_scenario("c", nodes=["SF-JS:rnd"])
    make_entry("甲", scenarios=(a,))
    make_entry("乙", scenarios=(b,))
    make_entry("丙", scenarios=(c,))
    assert _titles(_search(dimension="SF-JS:production")) == {"甲", "乙"}
    assert _titles(_search(q="乙", dimension="SF-JS:production")) == {"乙"}


@pytest.mark.parametrize("value", ["3411\n", "34 ", "３４", "34a"])
def test_a_malformed_industry_code_is_ignored(value) -> None:
    assert search.entry_filters({"industry": value}).industry is None


def test_flags_category_provider_and_kind_filters() -> None:
    provider = make_provider()
    make_entry("首版次软件", kind="software", software_category="rnd", first_version=True)
    make_entry("首台套装备", kind="equipment", first_set=True, provider=provider)
    make_entry("推荐方案", featured=True)
    assert _titles(_search(flags=["first_version"])) == {"首版次软件"}
    assert _titles(_search(flags=["first_set"])) == {"首台套装备"}
    assert _titles(_search(flags=["featured"])) == {"推荐方案"}
    assert _titles(_search(software_category="rnd")) == {"首版次软件"}
    assert _titles(_search(provider=provider.pk)) == {"首台套装备"}
    result = _search(kind="equipment")
    assert _titles(result) == {"首台套装备"}
    assert result.kind_counts == {"software": 1, "equipment": 1, "solution": 1}


def test_browsing_orders_featured_first_then_newest() -> None:
    now = timezone.now()
    make_entry("旧", published_at=now - datetime.timedelta(days=3))
    make_entry("新", published_at=now)
    make_entry("推荐但旧", published_at=now - datetime.timedelta(days=9), featured=True)
    assert [e.title for e in _search().rows] == ["推荐但旧", "新", "旧"]


def test_pages_and_a_page_past_the_end_shows_the_last(pool) -> None:
    first = _search(per_page=2)
    assert (first.total, first.pages, len(first.rows), first.has_next) == (5, 3, 2, True)
    last = _search(per_page=2, page=99)
    assert (last.page, len(last.rows), last.has_next) == (3, 1, False)


def test_a_search_takes_a_bounded_number_of_queries(pool, django_assert_max_num_queries) -> None:
    make_scenario("quality", nodes=["SF-JS:production"])
    with django_assert_max_num_queries(3):
        _search(q="质检", industry="3411", region="320102", flags=["first_set"])
    with django_assert_max_num_queries(4):
        _search(q="质检", dimension="SF-JS:production")


@pytest.mark.parametrize(
    "params",
    [
        {"q": "质" * 10_000},
        {"q": "质检\x00系统"},
        {"kind": "nope", "industry": "34';--", "region": "x", "provider": "abc"},
        {"scenario": "Bad Code", "dimension": "no-colon", "stage": "\x00", "provider": "9" * 30},
        {"q": ["a", "b"], "industry": 34},
    ],
)
def test_bad_parameters_are_ignored_not_failed(pool, params) -> None:
    filters = search.entry_filters(params)
    result = search.entry_search_filters(filters=filters)
    assert len(filters.q) <= segment.MAX_QUERY_CHARS
    assert result.total >= 0


def test_filters_keep_valid_values() -> None:
    filters = search.entry_filters(
        {"q": " 质检 ", "kind": "software", "industry": "3411", "region": "3201",
         "scenario": "quality", "stage": "rnd", "dimension": "SF-JS:rnd.design", "provider": "7"},
        flags=["first_set", "bogus"],
    )  # fmt: skip
    assert filters == search.EntryFilters(
        q="质检", kind="software", industry="3411", region="3201", scenario="quality",
        stage="rnd", dimension="SF-JS:rnd.design", flags=("first_set",), provider=7,
    )  # fmt: skip


def test_provider_search_by_keyword_region_served_and_industry(world) -> None:
    make_provider("南京数字科技", summary="视觉质检", regions_served=(world.p,), industries=["34"])
    make_provider("苏州排产软件", summary="智能排产", regions_served=(world.q,))
    make_provider("全省服务商", summary="咨询诊断")
    make_provider("草稿服务商", summary="视觉质检", status=Status.DRAFT)

    def names(**kw):
        return {p.name for p in search.provider_search(**kw).rows}

    assert names(q="质检") == {"南京数字科技"}
    assert names(region="320102") == {"南京数字科技", "全省服务商"}
    assert names(region="320583") == {"苏州排产软件", "全省服务商"}
    assert names(industry="3411") == {"南京数字科技", "苏州排产软件", "全省服务商"}
    assert names(industry="39") == {"苏州排产软件", "全省服务商"}
    assert names() == {"南京数字科技", "苏州排产软件", "全省服务商"}


def test_document_tokens_hold_words_bigrams_and_last_characters() -> None:
    tokens = segment.document_tokens("视觉质检系统，MES/ERP")
    assert {"视觉", "质检", "系统", "mes", "erp", "检"} <= set(tokens)


def test_jieba_keeps_its_cache_out_of_the_working_directory() -> None:
    segment.tokenizer()
    assert not (Path.cwd() / "jieba.cache").exists()
    assert Path(segment.tokenizer().tmp_dir) != Path.cwd()


def test_a_query_with_more_matches_than_the_rank_limit_lists_featured_then_newest(
    monkeypatch,
) -> None:
    now = timezone.now()
    make_entry("数字孪生平台", published_at=now - datetime.timedelta(days=5))
    make_entry("通用方案", body="数字孪生", published_at=now)
    make_entry("推荐方案", body="数字孪生", featured=True, published_at=now - datetime.timedelta(9))
    assert _search(q="孪生").rows[0].title == "数字孪生平台"
    monkeypatch.setattr(search, "RANK_LIMIT", 2)
    assert [e.title for e in _search(q="孪生").rows] == ["推荐方案", "通用方案", "数字孪生平台"]


def test_reindex_catalog_indexes_rows_written_without_the_services(world) -> None:
    from django.core.management import call_command

    by = world.users["provider"]
    Entry.objects.create(title="数字孪生工厂", kind="solution", status="published", created_by=by)
    provider = make_provider("孪生科技")
    Provider.objects.filter(pk=provider.pk).update(seg="")
    assert _search(q="孪生").total == 0
    call_command("reindex_catalog", stdout=StringIO())
    assert _titles(_search(q="孪生")) == {"数字孪生工厂"}
    assert [p.name for p in search.provider_search(q="孪生").rows] == ["孪生科技"]
