"""Registry selectors: scoping of every list, lookup and count; filters; query counts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from django.http import Http404
from pytest_django import DjangoAssertNumQueries

from audit.models import AuditEvent
from audit.services import audit_record
from conftest import World, make_enterprise, make_region
from registry.models import (
    Chain,
    Cluster,
    Contact,
    Enterprise,
    EnterpriseCategory,
    EnterpriseChain,
    EnterpriseYear,
    Industry,
)
from registry.selectors import (
    ENTERPRISE_ORDERINGS,
    EnterpriseFilters,
    chain_list_for_user,
    cluster_list_for_user,
    enterprise_categories,
    enterprise_chains,
    enterprise_counts_by_region_for_user,
    enterprise_get_for_user,
    enterprise_history,
    enterprise_list_for_user,
    enterprise_years,
    industry_list,
    industry_prefix,
    region_list_for_user,
)

VISIBLE = {
    "province": {"e1", "e2", "e3"},
    "city": {"e1", "e2"},
    "county": {"e1"},
    "enterprise": {"e1"},
    "expert": set(),
    "provider": set(),
    "admin": set(),
}


def _names(world: World, enterprises: Iterable[Enterprise]) -> set[str]:
    by_id = {world.e1.pk: "e1", world.e2.pk: "e2", world.e3.pk: "e3"}
    return {by_id.get(e.pk, e.name) for e in enterprises}


def _list(world: World, role: str = "province", **filters: Any) -> set[str]:
    user = world.users[role]
    return _names(world, enterprise_list_for_user(user=user, filters=EnterpriseFilters(**filters)))


def _count(row: Chain | Cluster) -> int:
    """The `enterprise_count` annotation."""
    return int(row.enterprise_count)  # type: ignore[union-attr]


def make_chain(code: str, *industries: str, cluster: Cluster | None = None, **kw: Any) -> Chain:
    chain = Chain.objects.create(code=code, name=f"{code} 产业链", cluster=cluster, **kw)
    chain.industries.set(Industry.objects.filter(code__in=industries))
    return chain


def make_cluster(code: str, *industries: str, **kw: Any) -> Cluster:
    cluster = Cluster.objects.create(
        code=code, name=f"{code} 集群", source_list="test_list_2024", **kw
    )
    cluster.industries.set(Industry.objects.filter(code__in=industries))
    return cluster


# --- enterprise_list_for_user ---------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), VISIBLE.items())
def test_enterprise_list_is_exactly_the_jurisdiction(
    world: World, role: str, expected: set[str]
) -> None:
    assert _list(world, role) == expected


def test_enterprise_list_without_filters_argument_is_unfiltered(world: World) -> None:
    user = world.users["city"]
    assert _names(world, enterprise_list_for_user(user=user)) == {"e1", "e2"}


def test_anonymous_user_sees_no_enterprise(world: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not enterprise_list_for_user(user=AnonymousUser()).exists()


def test_deactivated_official_sees_nothing(world: World) -> None:
    user = world.users["province"]
    user.is_active = False
    assert _names(world, enterprise_list_for_user(user=user)) == set()


def test_region_change_takes_effect_at_once(world: World) -> None:
    user = world.users["county"]
    user.region = world.y
    user.save()
    assert _list(world, "county") == {"e2"}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("玄武", {"e1"}),
        ("有限公司", {"e1", "e2", "e3"}),
        ("  精密 ", {"e2"}),
        ("没有这家", set()),
        ("", {"e1", "e2", "e3"}),
    ],
)
def test_q_searches_names(world: World, q: str, expected: set[str]) -> None:
    assert _list(world, q=q) == expected


def test_q_matches_a_uscc_prefix_in_any_case(world: World) -> None:
    prefix = world.e3.uscc[:14]
    assert _list(world, q=prefix.lower()) == {"e3"}
    assert _list(world, q=world.e3.uscc[2:10]) == set()  # a prefix, not any substring


def test_q_is_still_scoped(world: World) -> None:
    assert _list(world, "county", q="昆山") == set()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"city": "3201"}, {"e1", "e2"}),
        ({"city": "3205"}, {"e3"}),
        ({"county": "320104"}, {"e2"}),
        ({"city": "3201", "county": "320583"}, set()),
        ({"region": "32"}, {"e1", "e2", "e3"}),
        ({"region": "3205"}, {"e3"}),
        ({"region": "320102"}, {"e1"}),
        ({"region": "9999"}, set()),
    ],
)
def test_region_filters(world: World, filters: dict[str, str], expected: set[str]) -> None:
    assert _list(world, **filters) == expected


def test_zone_filter_and_region_filter_match_zones(world: World) -> None:
    zone = make_region("320171", "玄武高新区", "zone", world.x)
    Enterprise.objects.filter(pk=world.e1.pk).update(zone=zone)
    assert _list(world, zone="320171") == {"e1"}
    assert _list(world, region="320171") == {"e1"}


def test_region_filter_cannot_widen_the_jurisdiction(world: World) -> None:
    assert _list(world, "city", region="32") == {"e1", "e2"}
    assert _list(world, "city", city="3205") == set()


@pytest.mark.parametrize(
    ("industry", "expected"),
    [
        ("3911", {"e1", "e3"}),
        ("C3911", {"e1", "e3"}),
        ("391", {"e1", "e2", "e3"}),
        ("39", {"e1", "e2", "e3"}),
        ("c39", {"e1", "e2", "e3"}),
        ("C", {"e1", "e2", "e3"}),
        ("3912", {"e2"}),
        ("13", set()),
        ("x39", set()),
        ("", {"e1", "e2", "e3"}),
    ],
)
def test_industry_filter_matches_the_code_and_all_below(
    world: World, industry: str, expected: set[str]
) -> None:
    Enterprise.objects.filter(pk=world.e2.pk).update(industry_id="3912")
    assert _list(world, industry=industry) == expected


@pytest.mark.parametrize(
    ("code", "prefix"),
    [("C3911", "3911"), ("39", "39"), (" c13 ", "13"), ("C", ""), ("", ""), ("3x", None)],
)
def test_industry_prefix(code: str, prefix: str | None) -> None:
    assert industry_prefix(code) == prefix


def test_category_filter_with_and_without_year(world: World) -> None:
    EnterpriseCategory.objects.create(enterprise=world.e1, category_id="above_scale", year=2023)
    EnterpriseCategory.objects.create(enterprise=world.e1, category_id="above_scale", year=2024)
    EnterpriseCategory.objects.create(enterprise=world.e3, category_id="above_scale", year=2024)
    EnterpriseCategory.objects.create(enterprise=world.e2, category_id="specialised_sme", year=2023)
    assert _list(world, category="above_scale") == {"e1", "e3"}
    assert _list(world, category="above_scale", category_year=2023) == {"e1"}
    assert _list(world, category="specialised_sme", category_year=2024) == set()
    assert _list(world, "county", category="above_scale") == {"e1"}


def test_chain_filter_has_in_chain_semantics(world: World) -> None:
    Enterprise.objects.filter(pk=world.e2.pk).update(industry_id="3912")
    chain = make_chain("computers", "3911")
    EnterpriseChain.objects.create(enterprise=world.e2, chain=chain)  # explicit
    EnterpriseChain.objects.create(enterprise=world.e1, chain=chain)  # explicit and by industry
    expected = _names(world, Enterprise.objects.in_chain(chain))
    assert expected == {"e1", "e2", "e3"}
    assert _list(world, chain="computers") == expected
    assert _list(world, "city", chain="computers") == {"e1", "e2"}
    assert _list(world, chain="no-such-chain") == set()
    listed = enterprise_list_for_user(
        user=world.users["province"], filters=EnterpriseFilters(chain="computers")
    )
    assert listed.count() == 3  # no duplicates from the two ways in


def test_cluster_filter_has_in_cluster_semantics(world: World) -> None:
    Enterprise.objects.filter(pk=world.e2.pk).update(industry_id="3912")
    make_cluster("it", "3912")  # e2 directly by industry
    cluster = make_cluster("electronics")
    make_chain("computers", "3911", cluster=cluster)  # e1, e3 through a chain's industry
    other = make_chain("parts", cluster=cluster)
    EnterpriseChain.objects.create(enterprise=world.e2, chain=other)  # e2 explicitly
    expected = _names(world, Enterprise.objects.in_cluster(cluster))
    assert expected == {"e1", "e2", "e3"}
    assert _list(world, cluster="electronics") == expected
    assert _list(world, cluster="it") == {"e2"}
    assert _list(world, "county", cluster="electronics") == {"e1"}


def test_filters_combine_with_and(world: World) -> None:
    Enterprise.objects.filter(pk=world.e2.pk).update(industry_id="3912")
    make_chain("computers", "3911")
    assert _list(world, chain="computers", city="3201") == {"e1"}


@pytest.mark.parametrize("ordering", list(ENTERPRISE_ORDERINGS))
def test_every_ordering_works_and_is_total(world: World, ordering: str) -> None:
    listed = enterprise_list_for_user(
        user=world.users["province"], filters=EnterpriseFilters(ordering=ordering)
    )
    assert len(list(listed)) == 3


def test_ordering_descending(world: World) -> None:
    listed = enterprise_list_for_user(
        user=world.users["province"], filters=EnterpriseFilters(ordering="-uscc")
    )
    assert [e.pk for e in listed] == [world.e3.pk, world.e2.pk, world.e1.pk]


def test_unknown_ordering_is_refused() -> None:
    with pytest.raises(ValueError, match="排序"):
        EnterpriseFilters(ordering="password")


def test_enterprise_list_is_one_query_however_many_rows(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for seq in range(10, 30):
        make_enterprise(county=world.y, name=f"企业{seq}", seq=seq)
    with django_assert_num_queries(1):
        rows = [
            (e.city.name, e.county.name, e.zone, e.industry.name)
            for e in enterprise_list_for_user(user=world.users["province"])
        ]
    assert len(rows) == 23


# --- enterprise_get_for_user ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "target", "visible"),
    [
        ("province", "e3", True),
        ("city", "e2", True),
        ("city", "e3", False),
        ("county", "e1", True),
        ("county", "e2", False),
        ("enterprise", "e1", True),
        ("enterprise", "e2", False),
        ("expert", "e1", False),
        ("admin", "e1", False),
    ],
)
def test_enterprise_get_answers_404_out_of_scope(
    world: World, role: str, target: str, visible: bool
) -> None:
    enterprise = getattr(world, target)
    user = world.users[role]
    if visible:
        assert enterprise_get_for_user(user=user, pk=enterprise.pk) == enterprise
        assert not AuditEvent.objects.filter(action="access.out_of_scope").exists()
    else:
        with pytest.raises(Http404):
            enterprise_get_for_user(user=user, pk=enterprise.pk)
        event = AuditEvent.objects.get(action="access.out_of_scope")
        assert (event.object_type, event.object_id, event.result) == (
            "registry.enterprise",
            str(enterprise.pk),
            "denied",
        )


@pytest.mark.parametrize("pk", [987654, "abc", None, 2**70])
def test_enterprise_get_missing_is_404_and_not_audited(world: World, pk: Any) -> None:
    with pytest.raises(Http404):
        enterprise_get_for_user(user=world.users["province"], pk=pk)
    assert not AuditEvent.objects.exists()


def test_enterprise_get_is_one_query_in_scope(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        enterprise = enterprise_get_for_user(user=world.users["city"], pk=world.e2.pk)
        names = (enterprise.city.name, enterprise.county.name, enterprise.industry.name)
    assert names == ("南京市", "秦淮区", "计算机整机制造")


# --- enterprise details ---------------------------------------------------------------------------


def test_enterprise_years_latest_first(world: World) -> None:
    for year in (2022, 2024, 2023):
        EnterpriseYear.objects.create(enterprise=world.e1, year=year, employees=year - 2000)
    EnterpriseYear.objects.create(enterprise=world.e2, year=2025)
    assert [y.year for y in enterprise_years(world.e1)] == [2024, 2023, 2022]


def test_enterprise_categories_in_rank_order_with_years(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for code, year in [("specialised_sme", 2024), ("above_scale", 2022), ("above_scale", 2024)]:
        EnterpriseCategory.objects.create(enterprise=world.e1, category_id=code, year=year)
    with django_assert_num_queries(1):
        rows = [(row.category.name, row.year) for row in enterprise_categories(world.e1)]
    assert rows == [("规上工业企业", 2024), ("规上工业企业", 2022), ("省级专精特新", 2024)]


def test_enterprise_chains_are_marked_how(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    cluster = make_cluster("electronics", verified=True)
    make_chain("computers", "3911", cluster=cluster, verified=True)
    parts = make_chain("parts", "3912")
    both = make_chain("both", "3911")
    make_chain("unrelated", "3912")
    EnterpriseChain.objects.create(enterprise=world.e1, chain=parts)
    EnterpriseChain.objects.create(enterprise=world.e1, chain=both)
    with django_assert_num_queries(1):
        found = {
            (m.chain.code, m.how, m.chain.verified, m.chain.cluster and m.chain.cluster.code)
            for m in enterprise_chains(world.e1)
        }
    assert found == {
        ("both", "both", False, None),
        ("computers", "industry", True, "electronics"),
        ("parts", "explicit", False, None),
    }
    assert [m.chain.code for m in enterprise_chains(world.e2)] == ["both", "computers"]


def test_enterprise_history_newest_first_without_access_events(world: World) -> None:
    first = audit_record(action="registry.enterprise.create", obj=world.e1)
    second = audit_record(action="registry.enterprise.update", obj=world.e1, before={"name": "a"})
    audit_record(action="registry.enterprise.update", obj=world.e2)
    audit_record(action="registry.contact.create", obj=Contact(pk=world.e1.pk, name="x"))
    with pytest.raises(Http404):
        enterprise_get_for_user(user=world.users["county"], pk=world.e2.pk)
    with pytest.raises(Http404):
        enterprise_get_for_user(user=world.users["city"], pk=world.e3.pk)
    denied = AuditEvent.objects.get(object_id=str(world.e3.pk), action="access.out_of_scope")
    assert list(enterprise_history(enterprise=world.e1)) == [second, first]
    assert list(enterprise_history(enterprise=world.e3)) == []
    assert list(enterprise_history(enterprise=world.e3, include_access=True)) == [denied]


# --- reference data -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("province", {"32", "3201", "3205", "320102", "320104", "320583"}),
        ("city", {"3201", "320102", "320104"}),
        ("county", {"320102"}),
        ("enterprise", {"32", "3201", "3205", "320102", "320104", "320583"}),
        ("expert", {"32", "3201", "3205", "320102", "320104", "320583"}),
    ],
)
def test_region_list_is_scoped(world: World, role: str, expected: set[str]) -> None:
    regions = region_list_for_user(user=world.users[role])
    assert {r.code for r in regions} == expected


def test_region_list_by_level_and_parent(world: World) -> None:
    user = world.users["province"]
    assert [r.code for r in region_list_for_user(user=user, level="city")] == ["3201", "3205"]
    assert [r.code for r in region_list_for_user(user=user, parent="3201")] == [
        "320102",
        "320104",
    ]
    city = world.users["city"]
    assert [r.code for r in region_list_for_user(user=city, parent="3205")] == []


def test_industry_list_filters(world: World) -> None:
    assert [i.code for i in industry_list(level="class")] == ["3911", "3912"]
    assert [i.code for i in industry_list(parent="C")] == ["39"]
    assert [i.code for i in industry_list(q="C391")] == ["391", "3911", "3912"]
    assert [i.code for i in industry_list(q="零部件")] == ["3912"]
    assert [i.code for i in industry_list(q="C")] == ["C"]
    assert [i.code for i in industry_list(level="group", q="计算机")] == ["391"]


CHAIN_COUNTS = {
    "province": 3,
    "city": 2,
    "county": 1,
    "enterprise": 1,
    "expert": 0,
    "provider": 0,
    "admin": 0,
}


@pytest.mark.parametrize(("role", "expected"), CHAIN_COUNTS.items())
def test_chain_counts_are_scoped(world: World, role: str, expected: int) -> None:
    make_chain("computers", "3911")
    chains = {c.code: _count(c) for c in chain_list_for_user(user=world.users[role])}
    assert chains == {"computers": expected}


def test_chain_counts_count_each_enterprise_once(world: World) -> None:
    Enterprise.objects.filter(pk=world.e2.pk).update(industry_id="3912")
    chain = make_chain("computers", "3911", "391")
    make_chain("empty")
    EnterpriseChain.objects.create(enterprise=world.e1, chain=chain)  # also by industry
    EnterpriseChain.objects.create(enterprise=world.e2, chain=chain)  # only explicit
    province = {c.code: _count(c) for c in chain_list_for_user(user=world.users["province"])}
    assert province == {"computers": Enterprise.objects.in_chain(chain).count(), "empty": 0}
    assert province["computers"] == 3
    county = {c.code: _count(c) for c in chain_list_for_user(user=world.users["county"])}
    assert county == {"computers": 1, "empty": 0}


def test_chain_list_query_count_does_not_grow_with_chains(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    cluster = make_cluster("electronics")
    for n in range(8):
        chain = make_chain(f"chain-{n}", "3911", "3912", cluster=cluster)
        EnterpriseChain.objects.create(enterprise=world.e2, chain=chain)
    # chain industries, explicit links, counts per industry; then chains and their industries
    with django_assert_num_queries(5):
        rows = [
            (str(c.cluster), [i.code for i in c.industries.all()], _count(c))
            for c in chain_list_for_user(user=world.users["city"])
        ]
    assert rows[0] == ("electronics 集群", ["3911", "3912"], 2)


@pytest.mark.parametrize(("role", "expected"), CHAIN_COUNTS.items())
def test_cluster_counts_are_scoped(world: World, role: str, expected: int) -> None:
    cluster = make_cluster("electronics")
    chain = make_chain("computers", "3911", cluster=cluster)
    make_chain("parts", "3911", cluster=cluster)
    EnterpriseChain.objects.create(enterprise=world.e1, chain=chain)
    clusters = {
        c.code: (_count(c), c.chain_count)  # type: ignore[attr-defined]
        for c in cluster_list_for_user(user=world.users[role])
    }
    assert clusters == {"electronics": (expected, 2)}


def test_cluster_counts_match_in_cluster(world: World) -> None:
    Enterprise.objects.filter(pk=world.e2.pk).update(industry_id="3912")
    cluster = make_cluster("electronics", "3912")
    make_chain("computers", "3911", cluster=cluster)
    make_cluster("empty")
    other = make_cluster("other")
    for code in ("a", "b"):  # e1 twice in "other" through two chains, e2 through one
        chain = make_chain(code, cluster=other)
        EnterpriseChain.objects.create(enterprise=world.e1, chain=chain)
    EnterpriseChain.objects.create(enterprise=world.e2, chain=chain)
    rows = {c.code: _count(c) for c in cluster_list_for_user(user=world.users["province"])}
    assert rows == {
        "electronics": Enterprise.objects.in_cluster(cluster).count(),
        "empty": 0,
        "other": Enterprise.objects.in_cluster(other).count(),
    }
    assert rows["other"] == 2
    assert rows["electronics"] == 3


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("province", [("3201", "南京市", 2), ("3205", "苏州市", 1)]),
        ("city", [("320102", "玄武区", 1), ("320104", "秦淮区", 1)]),
        ("county", [("320102", "玄武区", 1)]),
        ("enterprise", [("3201", "南京市", 1)]),
        ("expert", []),
    ],
)
def test_enterprise_counts_by_region_are_scoped(
    world: World, role: str, expected: list[tuple[str, str, int]]
) -> None:
    assert enterprise_counts_by_region_for_user(user=world.users[role]) == expected


def test_enterprise_counts_list_empty_cities_for_the_province(world: World) -> None:
    make_region("3202", "无锡市", "city", world.province)
    rows = enterprise_counts_by_region_for_user(user=world.users["province"])
    assert rows == [("3201", "南京市", 2), ("3202", "无锡市", 0), ("3205", "苏州市", 1)]


def test_enterprise_counts_list_empty_counties_for_a_city(world: World) -> None:
    make_region("320105", "建邺区", "county", world.p)
    rows = enterprise_counts_by_region_for_user(user=world.users["city"])
    assert rows == [("320102", "玄武区", 1), ("320104", "秦淮区", 1), ("320105", "建邺区", 0)]
