"""Peer benchmarks (assessments/benchmarks.py): groups by county, chain, size band and province
from each enterprise's latest result; groups under the minimum are stored but never shown; the
refresh task runs after each submission."""

from __future__ import annotations

from decimal import Decimal
from statistics import median

import pytest

from assessments.benchmarks import (
    benchmark_for,
    benchmarks_compute,
    percentile,
    size_band,
)
from assessments.models import Assessment, PeerBenchmark
from assessments.tests.factories import make_draft, make_submitted
from conftest import World, make_enterprise
from frameworks.models import FrameworkVersion
from frameworks.tests.factories import make_version
from registry.models import Chain, EnterpriseChain, EnterpriseYear, Industry, Region


def _published() -> FrameworkVersion:
    return make_version(code="TEST-A", status=FrameworkVersion.Status.PUBLISHED)


def _result(world: World, enterprise, quality: float, seed: int = 1) -> Assessment:
    return make_submitted(
        enterprise=enterprise,
        code="TEST-A",
        by=world.users["enterprise"],
        quality=quality,
        seed=seed,
    )


def _peers(world: World, county: Region, count: int, first_seq: int = 100) -> list[Assessment]:
    """`count` more enterprises in `county`, each with a submitted TEST-A result."""
    results = []
    for i in range(count):
        enterprise = make_enterprise(county=county, name=f"同行{first_seq + i}", seq=first_seq + i)
        results.append(_result(world, enterprise, quality=0.2 + 0.15 * i, seed=i))
    return results


def _totals(results: list[Assessment]) -> list[float]:
    return sorted(float(a.total or 0) for a in results)


def _group(version: FrameworkVersion, group: str, key: str) -> PeerBenchmark:
    return PeerBenchmark.objects.get(framework_version=version, group=group, key=key)


@pytest.mark.parametrize(
    ("employees", "revenue", "expected"),
    [
        (None, Decimal("50000"), "unknown"),
        (2000, None, "unknown"),
        (1000, Decimal("40000"), "large"),
        (1000, Decimal("39999.99"), "medium"),
        (300, 2000.0, "medium"),
        (299, Decimal("90000"), "small"),
        (20, Decimal("300"), "small"),
        (20, Decimal("299"), "micro"),
        (0, Decimal("0"), "micro"),
    ],
)
def test_size_band_follows_the_statistical_division(
    employees: int | None, revenue: Decimal | float | None, expected: str
) -> None:
    assert size_band(employees, revenue) == expected


@pytest.mark.parametrize(
    ("value", "totals", "expected"),
    [
        (0.0, [10.0, 20.0, 30.0, 40.0], 0.0),
        (50.0, [10.0, 20.0, 30.0, 40.0], 100.0),
        (20.0, [10.0, 20.0, 30.0, 40.0], 37.5),
        (25.0, [10.0, 20.0, 30.0, 40.0], 50.0),
        (5.0, [5.0, 5.0, 5.0, 5.0], 50.0),
    ],
    ids=["lowest", "highest", "on a value", "between", "all tied"],
)
def test_percentile_is_the_mid_rank_share(
    value: float, totals: list[float], expected: float
) -> None:
    assert percentile(value, totals) == expected


def test_compute_groups_latest_results_by_county_size_and_province(world: World) -> None:
    version = _published()
    own = [_result(world, e, q) for e, q in ((world.e1, 0.5), (world.e2, 0.6), (world.e3, 0.7))]
    peers = _peers(world, world.x, 4)

    count = benchmarks_compute(version_id=version.pk)

    assert count == 5  # three counties, one size band, the province
    county = _group(version, "county", world.x.code)
    assert county.label == "玄武区"
    assert county.size == 5
    assert county.totals == _totals([own[0], *peers])
    assert _group(version, "county", world.y.code).size == 1
    province = _group(version, "province", "32")
    assert (province.label, province.size) == ("全省", 7)
    assert _group(version, "size", "unknown").label == "规模未知"


def test_only_each_enterprises_latest_result_counts(world: World) -> None:
    version = _published()
    _result(world, world.e1, 0.1, seed=1)
    latest = _result(world, world.e1, 0.9, seed=2)
    make_draft(enterprise=world.e1, code="TEST-A", by=world.users["enterprise"], quality=0.0)

    benchmarks_compute(version_id=version.pk)

    assert _group(version, "county", world.x.code).totals == [latest.total]


def test_results_of_other_versions_do_not_count(world: World) -> None:
    version = _published()
    other = make_version(code="TEST-B", status=FrameworkVersion.Status.PUBLISHED)
    _result(world, world.e1, 0.5)

    assert benchmarks_compute(version_id=other.pk) == 0
    assert not PeerBenchmark.objects.filter(framework_version=other).exists()
    assert benchmarks_compute(version_id=version.pk) == 3


def test_chain_groups_take_industry_members_and_explicit_links(world: World) -> None:
    version = _published()
    chain = Chain.objects.create(code="computers", name="计算机产业链")
    chain.industries.add(Industry.objects.get(code="3911"))
    world.e3.industry_id = "3912"
    world.e3.save()
    EnterpriseChain.objects.create(enterprise=world.e3, chain=chain)
    other = Chain.objects.create(code="parts", name="零部件产业链")
    other.industries.add(Industry.objects.get(code="3912"))
    _result(world, world.e1, 0.5)
    _result(world, world.e2, 0.5)
    _result(world, world.e3, 0.5)

    benchmarks_compute(version_id=version.pk)

    computers = _group(version, "chain", "computers")
    assert (computers.label, computers.size) == ("计算机产业链", 3)
    assert _group(version, "chain", "parts").size == 1


def test_size_bands_use_each_enterprises_latest_year(world: World) -> None:
    version = _published()
    EnterpriseYear.objects.create(enterprise=world.e1, year=2023, employees=5, revenue_10k_yuan=1)
    EnterpriseYear.objects.create(
        enterprise=world.e1, year=2024, employees=400, revenue_10k_yuan=5000
    )
    EnterpriseYear.objects.create(
        enterprise=world.e2, year=2024, employees=1500, revenue_10k_yuan=90000
    )
    _result(world, world.e1, 0.5)
    _result(world, world.e2, 0.5)

    benchmarks_compute(version_id=version.pk)

    assert _group(version, "size", "medium").size == 1
    assert _group(version, "size", "large").label == "大型企业"
    assert not PeerBenchmark.objects.filter(group="size", key="micro").exists()


def test_dimension_medians_are_the_medians_of_each_dimension(world: World) -> None:
    version = _published()
    results = [_result(world, world.e1, 0.3), *_peers(world, world.x, 2)]

    benchmarks_compute(version_id=version.pk)

    medians = _group(version, "county", world.x.code).dimension_medians
    assert set(medians) == {"base", "ops"}
    assert medians["base"] == pytest.approx(median(a.dimension_scores["base"] for a in results))


def test_recomputing_replaces_the_groups(world: World) -> None:
    version = _published()
    _result(world, world.e1, 0.5)
    benchmarks_compute(version_id=version.pk)
    Assessment.objects.filter(enterprise=world.e1).delete()
    _result(world, world.e2, 0.5)

    benchmarks_compute(version_id=version.pk)

    counties = set(
        PeerBenchmark.objects.filter(framework_version=version, group="county").values_list(
            "key", flat=True
        )
    )
    assert counties == {world.y.code}


def test_submitting_refreshes_the_benchmarks_in_the_background(
    world: World, django_capture_on_commit_callbacks
) -> None:
    version = _published()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = _result(world, world.e1, 0.5)

    assert len(callbacks) == 1
    assert _group(version, "county", world.x.code).totals == [result.total]


def test_groups_under_the_minimum_are_hidden_and_counted(world: World) -> None:
    version = _published()
    own = _result(world, world.e1, 0.5)
    _peers(world, world.x, 3)
    benchmarks_compute(version_id=version.pk)

    benchmark = benchmark_for(own)

    assert benchmark["groups"] == []
    assert benchmark["hidden"] == 3  # county, size band, province: 4 enterprises each
    assert benchmark["min_group"] == 5
    assert "5" in benchmark["note"]


def test_groups_with_enough_peers_show_percentile_and_median(world: World) -> None:
    version = _published()
    own = _result(world, world.e1, 0.5)
    peers = _peers(world, world.x, 4)
    _result(world, world.e3, 0.1)  # elsewhere: in the province and size groups only
    benchmarks_compute(version_id=version.pk)

    benchmark = benchmark_for(own)

    county_totals = _totals([own, *peers])
    county = benchmark["groups"][0]
    assert county["group"] == "county"
    assert county["label"] == "同区县 · 玄武区"
    assert county["size"] == 5
    assert county["percentile"] == percentile(float(own.total or 0), county_totals)
    assert county["median"] == pytest.approx(median(county_totals))
    assert set(county["dimension_medians"]) == {"base", "ops"}
    assert [g["group"] for g in benchmark["groups"]] == ["county", "size", "province"]
    assert benchmark["hidden"] == 0
    assert benchmark["computed_at"] is not None


def test_a_benchmark_shows_only_the_enterprises_own_groups(world: World) -> None:
    version = _published()
    own = _result(world, world.e3, 0.5)
    _peers(world, world.x, 5)
    benchmarks_compute(version_id=version.pk)

    benchmark = benchmark_for(own)

    assert [g["key"] for g in benchmark["groups"]] == ["unknown", "32"]
    assert benchmark["hidden"] == 1  # its own county, Z, with one enterprise
