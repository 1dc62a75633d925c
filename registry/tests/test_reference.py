"""Reference data: the real files load with the expected counts, loading is idempotent, coverage
codes expand to 小类, and wrong files are refused with nothing written."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from registry.models import Category, Chain, Cluster, Enterprise, EnterpriseChain, Industry, Region
from registry.reference import (
    DATA_DIR,
    REF_BAD_VERIFIED,
    REF_COLUMNS_MISSING,
    REF_DUPLICATE_CODE,
    REF_NOT_A_COUNTY,
    REF_UNKNOWN_CLUSTER,
    REF_UNKNOWN_INDUSTRY,
    REF_UNKNOWN_PARENT,
    ReferenceDataError,
    reference_data_load,
)
from registry.uscc import uscc_make

PLACEHOLDER_NOTE = (
    "provisional placeholder until the official 50-chain list is loaded; "
    "name not from an official text"
)


@pytest.fixture
def loaded(db):
    return reference_data_load()


def _snapshot() -> dict[str, list[tuple]]:
    return {
        "regions": list(Region.objects.values_list()),
        "industries": list(Industry.objects.values_list()),
        "clusters": list(Cluster.objects.values_list()),
        "chains": list(Chain.objects.values_list()),
        "categories": list(Category.objects.values_list()),
        "cluster_links": list(
            Cluster.industries.through.objects.values_list("cluster", "industry")
        ),
        "chain_links": list(Chain.industries.through.objects.values_list("chain", "industry")),
    }


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _append(path: Path, row: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(row + "\n")


def _make_enterprise(industry: str, seq: int) -> Enterprise:
    return Enterprise.objects.create(
        uscc=uscc_make(region_code="320583", org_body=f"{seq:08d}"),
        name=f"测试企业{seq}有限公司",
        city_id="3205",
        county_id="320583",
        industry_id=industry,
    )


# --- The real files ------------------------------------------------------------------------------


def test_load_creates_province_13_cities_95_counties_and_9_zones(loaded):
    levels = dict(Region.objects.values_list("level").annotate(n=Count("code")))
    assert levels == {"province": 1, "city": 13, "county": 95, "zone": 9}
    assert Region.objects.exclude(level="zone").count() == 109


def test_county_kinds_are_55_districts_21_county_cities_19_counties(loaded):
    kinds = dict(
        Region.objects.filter(level="county").values_list("kind").annotate(n=Count("code"))
    )
    assert kinds == {"district": 55, "county_city": 21, "county": 19}


def test_cities_hang_under_the_province_and_counties_under_cities(loaded):
    assert set(Region.objects.filter(level="city").values_list("parent_id", flat=True)) == {"32"}
    county_parents = Region.objects.filter(level="county").values_list("parent__level", flat=True)
    assert set(county_parents) == {"city"}


def test_kunshan_taixing_and_shuyang_are_province_administered(loaded):
    codes = Region.objects.filter(province_administered=True).values_list("code", flat=True)
    assert sorted(codes) == ["320583", "321283", "321322"]


def test_zones_are_functional_zones_under_their_city(loaded):
    zones = Region.objects.filter(level="zone")
    assert {zone.kind for zone in zones} == {"functional_zone"}
    assert all(zone.parent.level == "city" and zone.code[:4] == zone.parent_id for zone in zones)
    assert Region.objects.get(code="320576").name == "苏州工业园区"


def test_region_source_names_the_data_source(loaded):
    assert "NBS 2023" in Region.objects.get(code="3205").source
    assert "jiangsu_stat_zones.csv" in Region.objects.get(code="320576").source


def test_zones_file_agrees_with_the_nbs_zone_file():
    def rows(name: str) -> list[tuple[str, str, str]]:
        with (DATA_DIR / name).open(encoding="utf-8") as handle:
            return [(r["code"], r["name"], r["parent_code"]) for r in csv.DictReader(handle)]

    assert rows("zones.csv") == rows("jiangsu_stat_zones.csv")


def test_industries_are_821_codes_of_section_c_with_parents(loaded):
    levels = dict(Industry.objects.values_list("level").annotate(n=Count("code")))
    assert levels == {"section": 1, "division": 31, "group": 179, "class": 610}
    assert Industry.objects.filter(parent=None).get().code == "C"
    assert Industry.objects.get(code="3973").parent.parent_id == "39"
    assert Industry.objects.get(code="1439").name == "其他方便食品制造"


def test_categories_are_the_official_ones_with_aliases_and_sources(loaded):
    categories = {c.code: c for c in Category.objects.all()}
    assert list(categories) == [
        "above_scale",
        "innovative_sme",
        "specialised_sme",
        "little_giant",
        "single_champion",
        "strategic",
    ]
    assert all(c.kind == "official" and c.source for c in categories.values())
    assert categories["above_scale"].aliases == ["规上", "规模以上工业企业"]
    assert "专精特新小巨人" in categories["little_giant"].aliases
    assert categories["little_giant"].name == '国家级专精特新"小巨人"'


def test_clusters_keep_the_23_unverified_candidates(loaded):
    assert Cluster.objects.count() == 23
    assert not Cluster.objects.filter(verified=True).exists()
    lists = dict(Cluster.objects.values_list("source_list").annotate(n=Count("code")))
    assert lists == {"provincial_13_clusters_2018": 13, "national_cluster_in_jiangsu": 10}
    assert all(c.source_url.startswith("http") and c.source_date for c in Cluster.objects.all())
    assert all("provisional mapping" in c.note for c in Cluster.objects.all())


def test_chains_are_unverified_provisional_placeholders(loaded):
    chains = list(Chain.objects.all())
    assert 30 <= len(chains) <= 50
    assert not any(chain.verified for chain in chains)
    assert all(chain.note.startswith(PLACEHOLDER_NOTE) for chain in chains)
    assert all(chain.code.startswith("prov-") and not chain.source_url for chain in chains)
    assert all(chain.industries.exists() for chain in chains)


def test_chain_coverage_includes_every_descendant_class(loaded):
    biomedicine = Chain.objects.get(code="prov-biomedicine")  # covers 271, 272, 276
    codes = set(biomedicine.industries.values_list("code", flat=True))
    assert {"271", "2710", "272", "2720", "276", "2761"} <= codes
    assert "273" not in codes
    textiles = Cluster.objects.get(code="js2018-textiles-apparel")  # covers 17, 18
    all_textile_classes = Industry.objects.filter(level="class", code__startswith="17")
    assert textiles.industries.filter(level="class", code__startswith="17").count() == 26
    assert all_textile_classes.count() == 26


def test_in_chain_matches_an_enterprise_by_its_class_code(loaded):
    chip = _make_enterprise("3973", 1)
    drug = _make_enterprise("2710", 2)
    ic = Chain.objects.get(code="prov-integrated-circuits")
    assert list(Enterprise.objects.in_chain(ic)) == [chip]
    assert list(Enterprise.objects.in_cluster(Cluster.objects.get(code="js2018-ic"))) == [chip]
    EnterpriseChain.objects.create(enterprise=drug, chain=ic)
    assert set(Enterprise.objects.in_chain(ic)) == {chip, drug}


def test_second_load_changes_nothing(loaded):
    before = _snapshot()
    report = reference_data_load()
    assert report.changed == 0
    assert report["industries"].unchanged == 821
    assert _snapshot() == before


def test_load_restores_a_changed_row(loaded):
    Region.objects.filter(code="3205").update(name="改错的名字")
    report = reference_data_load()
    assert report["regions"].updated == 1
    assert Region.objects.get(code="3205").name == "苏州市"


def test_command_prints_counts_and_then_no_changes(db):
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    text = out.getvalue()
    assert "regions: 118 in files — created 118" in text
    assert "province_administered 3" in text
    assert "industries: 821 in files — created 821" in text
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    assert "no changes" in out.getvalue()


def test_every_data_file_is_described_in_the_readme():
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in sorted(DATA_DIR.glob("*.csv")) if p.name not in readme]
    assert missing == []


# --- Wrong files are refused, nothing written ----------------------------------------------------


@pytest.mark.parametrize(
    ("file", "row", "message"),
    [
        (
            "zones.csv",
            "329971,不存在的开发区,development_zone,3299,test",
            REF_UNKNOWN_PARENT.format(file="zones.csv", line=11, code="3299"),
        ),
        (
            "zones.csv",
            "320576,苏州工业园区,functional_zone,3205,test",
            REF_DUPLICATE_CODE.format(file="zones.csv", line=11, code="320576"),
        ),
        (
            "province_administered.csv",
            "3205,苏州市,test,2025,",
            REF_NOT_A_COUNTY.format(file="province_administered.csv", line=5, code="3205"),
        ),
        (
            "chains.csv",
            "prov-x,测试链,,no,,,note,9999,test",
            REF_UNKNOWN_INDUSTRY.format(file="chains.csv", line=50, code="9999"),
        ),
        (
            "chains.csv",
            "prov-x,测试链,no-such-cluster,no,,,note,39,test",
            REF_UNKNOWN_CLUSTER.format(file="chains.csv", line=50, code="no-such-cluster"),
        ),
        (
            "clusters.csv",
            "x-cluster,测试集群,test,maybe,,,note,39,test",
            REF_BAD_VERIFIED.format(file="clusters.csv", line=25),
        ),
    ],
)
def test_wrong_row_is_refused_and_nothing_is_written(db, tmp_path, file, row, message):
    data = _copy_data(tmp_path)
    _append(data / file, row)
    with pytest.raises(ReferenceDataError) as excinfo:
        reference_data_load(data_dir=data)
    assert message in excinfo.value.problems
    assert not Region.objects.exists()
    assert not Industry.objects.exists()


def test_missing_column_is_refused(db, tmp_path):
    data = _copy_data(tmp_path)
    (data / "categories.csv").write_text("code,name\nx,y\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError) as excinfo:
        reference_data_load(data_dir=data)
    expected = REF_COLUMNS_MISSING.format(
        file="categories.csv", columns="kind, aliases, rank, source"
    )
    assert excinfo.value.problems == [expected]


def test_command_turns_problems_into_a_command_error(db, tmp_path):
    data = _copy_data(tmp_path)
    _append(data / "zones.csv", "329971,不存在的开发区,development_zone,3299,test")
    with pytest.raises(CommandError, match="unknown parent code"):
        call_command("load_reference_data", "--data-dir", str(data))


def test_failed_load_leaves_earlier_data_untouched(loaded, tmp_path):
    data = _copy_data(tmp_path)
    _append(data / "chains.csv", "prov-x,测试链,,no,,,note,9999,test")
    before = _snapshot()
    with pytest.raises(ReferenceDataError):
        reference_data_load(data_dir=data)
    assert _snapshot() == before


# --- Extra zones and an official list later ------------------------------------------------------


def test_extra_zone_under_a_county_is_loaded(db, tmp_path):
    data = _copy_data(tmp_path)
    _append(data / "zones.csv", "32058301,测试开发区,development_zone,320583,test source")
    reference_data_load(data_dir=data)
    zone = Region.objects.get(code="32058301")
    assert (zone.level, zone.kind, zone.parent_id, zone.source) == (
        "zone",
        "development_zone",
        "320583",
        "test source",
    )
    assert zone.city_code == "3205"


def test_official_list_replaces_placeholders_with_prune(loaded, tmp_path):
    data = _copy_data(tmp_path)
    header = (DATA_DIR / "chains.csv").read_text(encoding="utf-8").splitlines()[0]
    (data / "chains.csv").write_text(
        header + "\nc01,官方链,js2018-ic,yes,https://example.gov.cn/1650,2026-01-01,,3973,"
        "official text\n",
        encoding="utf-8",
    )
    kept = reference_data_load(data_dir=data)
    assert kept["chains"].stale == 48
    assert Chain.objects.filter(code__startswith="prov-").count() == 48
    assert Chain.objects.get(code="prov-ships").industries.exists()

    pruned = reference_data_load(data_dir=data, prune=True)
    assert pruned["chains"].removed == 48
    chain = Chain.objects.get()
    assert (chain.code, chain.verified, chain.cluster_id) == ("c01", True, "js2018-ic")
    assert list(chain.industries.values_list("code", flat=True)) == ["3973"]
