"""Second reading of the resource pool's search, public pages and API: one test per defect found,
plus the hostile queries that were tried and must keep working."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from catalog import browse, search
from catalog.models import Status
from catalog.tests.factories import make_entry, make_provider, make_scenario

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"', '""', "*", "(", ")", "(质检", '"质检', "质检*", "seg:质检", "-质检", "NOT 质检", "AND",
    "OR", "NEAR(质检 排产)", "^质检", "质检 OR 排产", "{seg}:x", "'", "x' | 'y", "\\", "a & b",
    "!a", "a:*", "<->", "%", "_", "\x00", "质\x00检", "١٢٣", "𠀀", "한국어", "ａｎｄ", "e\u0301",
    "x²", "1e5", "0x1f", "a" * 3000, "质检" * 600, "v2.0", "\u200b", "\ufeff质检",
    "\u3000质检\u3000",
]  # fmt: skip


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_query_text_never_fails_a_page_or_the_api(q) -> None:
    make_entry("视觉质检系统", summary="MES 与 5G 集成 and or near")
    client = Client()
    assert client.get(reverse("catalog:search"), {"q": q}).status_code == 200
    assert client.get(reverse("catalog:providers"), {"q": q}).status_code == 200
    assert client.get("/api/v1/catalog/search", {"q": q}).status_code in (200, 422)


RECALL = [
    "1e5", "0x1f", "MES5G", "v2", "ISO9001", "x²", "İstanbul", "straße", "café", "한국어",
    "カタカナ", "ΑΒΓ", "𠀀𠀁", "12345678901234567890", "e\u0301", "ﬁle", "abc123def", "3d打印",
    "a" * 150, "١٢٣",
]  # fmt: skip


def test_words_in_any_script_are_found_by_themselves() -> None:
    for n, word in enumerate(RECALL):
        make_entry(f"条目{n}", summary=f"{word} 说明")
    missed = [
        word
        for n, word in enumerate(RECALL)
        if f"条目{n}" not in {e.title for e in search.entry_search(user=None, q=word).rows}
    ]
    assert missed == []


@pytest.fixture
def hidden_provider():
    """A provider the province took down, with an entry still marked published."""
    provider = make_provider("隐藏科技有限公司")
    make_entry("视觉质检系统", provider=provider, scenarios=(make_scenario("qc"),))
    provider.status = Status.REJECTED
    provider.save()
    search.provider_reindex(provider)
    return provider


def test_entries_of_a_provider_taken_down_are_out_of_search_counts_and_the_scenario_map(
    hidden_provider,
) -> None:
    assert search.entry_search(user=None, q="质检").total == 0
    assert search.entry_search(user=None).kind_counts == {}
    assert search.entry_search(user=None, provider=hidden_provider.pk).rows == []
    assert browse.scenario_map().totals == {}
    assert browse.scenario_map().cells == []
    body = Client().get("/api/v1/catalog/search", {"q": "质检"}).json()
    assert (body["total"], body["results"]) == (0, [])
    assert "视觉质检系统" not in Client().get(reverse("catalog:home")).content.decode()


def test_postgresql_reads_a_common_word_through_the_gin_index_not_the_table() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    for n in range(300):
        make_entry(f"智能制造方案{n}", body="制造 " * 400)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_entry")
    plans: list[str] = []

    def explain(execute, sql, params, many, context):
        if "@@" in sql:
            raw = context["cursor"].cursor  # the driver's cursor: not wrapped again
            raw.execute("EXPLAIN " + sql, params)
            plans.append("\n".join(row[0] for row in raw.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        assert search.entry_search(user=None, q="制造").total == 300
    assert plans
    assert all("Seq Scan on catalog_entry" not in plan for plan in plans)
