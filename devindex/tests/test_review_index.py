"""Second reading of the development index (correctness): edge cases of the computation (chains
without a cluster, an indicator missing for every unit, levels with one or two units, values
beyond the best goalpost, tied ranks, rank bands on the published rounding), runs without any
scored unit, the definition loader on broken and changed files, and the published-run triggers
(UPDATE refused, INSERT refused, DELETE allowed) on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from conftest import World
from devindex.compute import (
    IndexInputs,
    _uncertainty,
    index_compute,
    indicator_table,
    tier_of,
)
from devindex.definition import definition_problems, definition_tree, pipeline_config
from devindex.models import IndexDefinition, IndexRun, IndexValue
from devindex.services import NO_SCORED_UNIT, RUN_FAILED, index_run_create, index_run_execute
from devindex.tests.factories import (
    YEAR,
    jsdi,
    load_definition,
    make_gen_result,
    make_run,
    make_tiny_snapshot,
    tiny,
)
from monitoring.coverage import CoverageFacts, frame, numerator_column
from monitoring.definitions import coverage_definition
from monitoring.tests.factories import make_snapshot

NODE = "data_ai.platform"


def _cells(rows: list[tuple[str, str, str, str, int, int, int]]) -> pl.DataFrame:
    """(region_level, region_code, group_kind, group_code, 规上, ≥ basic, assessed)."""
    return pl.DataFrame(
        [
            {
                "year": YEAR,
                "region_level": level,
                "region_code": code,
                "group_kind": kind,
                "group_code": group,
                numerator_column("above_scale", "enterprises"): n,
                numerator_column("above_scale", "sf_ge_BASIC"): basic,
                numerator_column("above_scale", "assessed"): assessed,
            }
            for level, code, kind, group, n, basic, assessed in rows
        ]
    )


def _facts(
    enterprises: list[tuple[Any, ...]],
    results: list[tuple[int, int]],
    *,
    chains: list[tuple[Any, ...]] | None = None,
    chain_industries: list[tuple[Any, ...]] | None = None,
) -> CoverageFacts:
    """enterprises: (id, city, county, industry); results: (id, enterprise) of GEN-JS."""
    return CoverageFacts(
        province="32",
        enterprises=frame("enterprises", [(e, c, k, None, i) for e, c, k, i in enterprises]),
        categories=frame("categories"),
        chains=frame("chains", chains or []),
        chain_industries=frame("chain_industries", chain_industries or []),
        chain_links=frame("chain_links"),
        cluster_industries=frame("cluster_industries"),
        results=frame(
            "results",
            [
                (pk, ent, "GEN-JS", 1, YEAR, 1, datetime(YEAR, 6, 1, tzinfo=UTC), "self")
                for pk, ent in results
            ],
        ),
        sections=frame("sections"),
        reviews=frame("reviews"),
        level_ranks=frame("level_ranks"),
        recognitions=frame("recognitions"),
    )


def _nodes(fractions: dict[int, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "assessment_id": list(fractions),
            "node": [NODE] * len(fractions),
            "fraction": list(fractions.values()),
        },
        schema={"assessment_id": pl.Int64, "node": pl.String, "fraction": pl.Float64},
    )


def _values(result: Any, level: str, node: str) -> dict[str, dict[str, Any]]:
    rows = result.levels[level].values.filter(pl.col("node") == node).to_dicts()
    return {row["unit_code"]: row for row in rows}


# --- chains: imputation within the cluster -------------------------------------------------------

# Chains a and b have no cluster; c and d are in cluster cl-1. One enterprise per chain (by
# industry). a, c have a GEN-JS result; b, d have none.
CHAIN_FACTS = _facts(
    [
        (1, "3201", "320102", "3911"),
        (2, "3201", "320102", "3912"),
        (3, "3201", "320102", "3913"),
        (4, "3201", "320102", "3914"),
    ],
    [(11, 1), (13, 3)],
    chains=[("a", None), ("b", None), ("c", "cl-1"), ("d", "cl-1")],
    chain_industries=[("a", "3911"), ("b", "3912"), ("c", "3913"), ("d", "3914")],
)
CHAIN_CELLS = _cells([("province", "32", "chain", c, 10, 5, 1) for c in "abcd"])


def _chain_content() -> dict[str, Any]:
    content = tiny(units=["chain"])
    content["method"]["impute"]["by"] = {"chain": "cluster"}
    return content


def test_a_chain_in_a_cluster_takes_the_mean_of_its_clusters_chains() -> None:
    inputs = IndexInputs(YEAR, CHAIN_CELLS, CHAIN_FACTS, _nodes({11: 0.2, 13: 0.6}))
    values = _values(index_compute(_chain_content(), inputs), "chain", "C")
    assert values["d"]["imputed"] is True
    assert values["d"]["score"] == pytest.approx(1 + 0.99 * 60)  # c's 60, not a's 20


def test_a_chain_without_a_cluster_is_not_imputed_from_other_clusterless_chains() -> None:
    """Chains without a cluster have no cluster peers; they are not a peer group of their own
    (food from home appliances): b's missing value stays missing instead of taking a's."""
    inputs = IndexInputs(YEAR, CHAIN_CELLS, CHAIN_FACTS, _nodes({11: 0.2, 13: 0.6}))
    result = index_compute(_chain_content(), inputs)
    values = _values(result, "chain", "C")
    assert values["b"]["raw"] is None
    assert values["b"]["score"] is None
    assert values["b"]["imputed"] is False
    assert result.levels["chain"].summary["imputed"] == {"C": 1}  # d only


# --- indicators and units ------------------------------------------------------------------------

CITY_FACTS = _facts(
    [(1, "3201", "320102", "3911"), (2, "3205", "320583", "3911"), (3, "3202", "320205", "3911")],
    [],
)


def test_an_indicator_missing_for_every_unit_leaves_the_index_to_the_others() -> None:
    cells = _cells(
        [
            ("city", "3201", "all", "", 10, 5, 1),
            ("city", "3205", "all", "", 20, 5, 0),
            ("city", "3202", "all", "", 4, 0, 2),
        ]
    )
    result = index_compute(
        tiny(), IndexInputs(YEAR, cells, CITY_FACTS, _nodes({})), levels=["city"]
    )
    summary = result.levels["city"].summary
    assert summary["missing"] == {"C": 3}
    assert summary["imputed"] == {}
    assert all(v["score"] is None for v in _values(result, "city", "C").values())
    assert all(v["score"] is None for v in _values(result, "city", "D2").values())
    # The index is D1 alone: A 50 % → 100, B 10 % → 100 for 3201
    index = _values(result, "city", "IDX")
    assert index["3201"]["score"] == pytest.approx(100.0)
    assert [index[c]["rank"] for c in ("3201", "3202", "3205")] == [1, 2, 3]


@pytest.mark.parametrize(("count", "tiers"), [(1, [1]), (2, [1, 2])])
def test_a_level_with_fewer_than_three_units_is_ranked_without_bands(count, tiers) -> None:
    rows = [("city", "3201", "all", "", 10, 5, 1), ("city", "3205", "all", "", 20, 5, 0)]
    inputs = IndexInputs(YEAR, _cells(rows[:count]), CITY_FACTS, _nodes({}))
    result = index_compute(tiny(), inputs, levels=["city"])
    index = sorted(_values(result, "city", "IDX").values(), key=lambda r: r["rank"])
    assert [r["tier"] for r in index] == tiers
    assert all(r["rank_p05"] is None and r["rank_p95"] is None for r in index)
    assert result.levels["city"].summary["uncertainty"]["runs"] == 0


def test_values_beyond_the_best_goalpost_score_the_top_of_the_scale() -> None:
    cells = _cells(
        [
            ("city", "3201", "all", "", 10, 10, 10),  # A 100 % (best 50), B 100 % (best 10)
            ("city", "3205", "all", "", 10, 0, 0),
            ("city", "3202", "all", "", 10, 5, 1),  # exactly the best posts
        ]
    )
    result = index_compute(
        tiny(), IndexInputs(YEAR, cells, CITY_FACTS, _nodes({})), levels=["city"]
    )
    a, b = _values(result, "city", "A"), _values(result, "city", "B")
    assert (a["3201"]["raw"], a["3201"]["score"]) == (pytest.approx(100.0), 100.0)
    assert (b["3201"]["raw"], b["3201"]["score"]) == (pytest.approx(100.0), 100.0)
    assert a["3202"]["score"] == pytest.approx(100.0)
    assert a["3205"]["score"] == pytest.approx(1.0)
    index = _values(result, "city", "IDX")
    assert index["3201"]["rank"] == index["3202"]["rank"] == 1  # tied at the cap
    assert index["3205"]["rank"] == 3


def test_tied_units_share_their_rank_and_their_tier() -> None:
    cells = _cells([("city", c, "all", "", 10, 5, 1) for c in ("3201", "3202", "3203")])
    cells = pl.concat([cells, _cells([("city", "3205", "all", "", 10, 0, 0)])])
    result = index_compute(
        tiny(), IndexInputs(YEAR, cells, CITY_FACTS, _nodes({})), levels=["city"]
    )
    index = _values(result, "city", "IDX")
    assert {c: (r["rank"], r["tier"]) for c, r in index.items()} == {
        "3201": (1, 1),
        "3202": (1, 1),
        "3203": (1, 1),
        "3205": (4, 3),
    }
    assert tier_of([1, 1, 3, 3, 3, 6], {}) == [1, 1, 2, 2, 2, 3]


def test_the_bands_are_computed_on_the_rounding_of_the_published_ranks() -> None:
    """3201 and 3202 differ by 0.001 (A 20.001 % vs 20 %), equal at the published 2 decimals:
    they share rank 2. The uncertainty analysis ranks on the same rounding, so its nominal rank
    equals the published one and lies in the band."""
    cells = _cells(
        [
            ("city", "3201", "all", "", 100000, 20001, 1000),
            ("city", "3202", "all", "", 100000, 20000, 1000),
            ("city", "3205", "all", "", 100000, 10000, 1000),
            ("city", "3203", "all", "", 100000, 30000, 3000),
        ]
    )
    inputs = IndexInputs(YEAR, cells, CITY_FACTS, _nodes({}))
    content = tiny()
    table = indicator_table(content, inputs, "city")
    config = pipeline_config(content, "city")
    with warnings.catch_warnings():  # as level_compute: C is missing everywhere (all-NaN)
        warnings.simplefilter("ignore", RuntimeWarning)
        tree = definition_tree(content)
        ua = _uncertainty(content, table.data, tree, config, n=None, progress=None)
    assert ua is not None
    nominal = dict(zip(ua.rank_stats["unit"], ua.rank_stats["nominal"], strict=True))
    index = _values(index_compute(content, inputs, levels=["city"]), "city", "IDX")
    assert index["3201"]["score"] - index["3202"]["score"] == pytest.approx(0.00099)
    assert {c: r["rank"] for c, r in index.items()} == {"3203": 1, "3201": 2, "3202": 2, "3205": 4}
    for code, row in index.items():
        assert nominal[code] == row["rank"]
        assert row["rank_p05"] <= row["rank"] <= row["rank_p95"]


# --- runs ----------------------------------------------------------------------------------------


def test_a_run_on_a_year_without_any_scored_unit_fails_and_writes_nothing(world: World) -> None:
    """A snapshot year without cells (no enterprise, or none with enough 规上 enterprises) gives
    no value at any level: the run fails with the reason instead of finishing empty (an empty
    published run could never be replaced)."""
    make_snapshot(cells=[], years=[YEAR])
    run = index_run_create(definition=load_definition(), year=YEAR, by=None)
    index_run_execute(run=run)
    run.refresh_from_db()
    assert run.status == IndexRun.Status.FAILED
    assert run.error == RUN_FAILED.format(detail=NO_SCORED_UNIT)
    assert not IndexValue.objects.filter(run=run).exists()


def test_the_command_reports_a_year_without_any_scored_unit(world: World) -> None:
    make_snapshot(cells=[], years=[YEAR])
    load_definition()
    with pytest.raises(CommandError, match="没有"):
        call_command("compute_devindex", "--year", str(YEAR), "--publish", stdout=StringIO())
    assert not IndexRun.objects.filter(published=True).exists()


def test_the_command_refuses_a_year_outside_the_snapshot(world: World) -> None:
    make_snapshot(cells=[], years=[YEAR])
    load_definition()
    with pytest.raises(CommandError, match=str(YEAR + 3)):
        call_command("compute_devindex", "--year", str(YEAR + 3), stdout=StringIO())


def test_the_command_refuses_without_a_snapshot(world: World) -> None:
    load_definition()
    with pytest.raises(CommandError, match="No finished coverage snapshot"):
        call_command("compute_devindex", "--year", str(YEAR), stdout=StringIO())


# --- loading definitions -------------------------------------------------------------------------


def _write(path: Path, content: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.django_db
def test_a_changed_file_of_a_loaded_version_is_refused_and_nothing_loads(tmp_path: Path) -> None:
    _write(tmp_path / "a.yaml", tiny())
    call_command("load_index_definitions", "--dir", str(tmp_path), stdout=StringIO())
    changed = tiny()
    changed["dimensions"][0]["weight"] = 3
    _write(tmp_path / "a.yaml", changed)
    _write(tmp_path / "b.yaml", tiny(code="OTHER"))
    with pytest.raises(CommandError) as error:
        call_command("load_index_definitions", "--dir", str(tmp_path), stdout=StringIO())
    assert "TINY@1" in str(error.value)
    assert "use a new version" in str(error.value)
    assert list(IndexDefinition.objects.values_list("code", flat=True)) == ["TINY"]
    assert IndexDefinition.objects.get().content["dimensions"][0]["weight"] == 2


@pytest.mark.django_db
def test_a_broken_yaml_file_gives_a_bilingual_error_and_loads_nothing(tmp_path: Path) -> None:
    _write(tmp_path / "a-good.yaml", tiny())
    (tmp_path / "b-broken.yaml").write_text("code: X\nversion: [1\ntitle: x\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("load_index_definitions", "--dir", str(tmp_path), stdout=StringIO())
    message = str(error.value)
    assert "b-broken.yaml" in message
    assert "未载入任何定义 (nothing was loaded)" in message
    assert "YAML 语法错误" in message
    assert "YAML syntax error" in message
    assert not IndexDefinition.objects.exists()


@pytest.mark.django_db
def test_a_key_written_twice_is_refused_not_silently_dropped(tmp_path: Path) -> None:
    """PyYAML keeps the last of two equal keys; a definition where a weight was pasted twice
    must be refused, as maturity-model files are."""
    text = yaml.safe_dump(tiny(), allow_unicode=True, sort_keys=False)
    text = text.replace("  weight: 2\n", "  weight: 2\n  weight: 5\n", 1)
    (tmp_path / "dup.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("load_index_definitions", "--dir", str(tmp_path), stdout=StringIO())
    assert "Duplicate key 'weight'" in str(error.value)
    assert not IndexDefinition.objects.exists()


# --- published runs in the database --------------------------------------------------------------


@pytest.fixture
def published(world: World) -> IndexRun:
    make_tiny_snapshot(world)
    by = world.users["enterprise"]
    for enterprise, fraction in ((world.e1, 1.0), (world.e2, 0.0), (world.e3, 1.0)):
        make_gen_result(enterprise=enterprise, by=by, fraction=fraction)
    return make_run(publish=True)


def _refused(sql: str, params: list[Any]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_sql_cannot_change_a_published_run_or_move_values_in_or_out(
    published: IndexRun,
) -> None:
    other = make_run()  # unpublished, same definition
    moved_in = IndexValue.objects.filter(run=other).values_list("pk", flat=True).first()
    moved_out = IndexValue.objects.filter(run=published).values_list("pk", flat=True).first()
    _refused("UPDATE devindex_indexrun SET values_sha256 = %s WHERE id = %s", ["0", published.pk])
    _refused("UPDATE devindex_indexrun SET published_at = NULL WHERE id = %s", [published.pk])
    _refused("UPDATE devindex_indexvalue SET run_id = %s WHERE id = %s", [published.pk, moved_in])
    _refused("UPDATE devindex_indexvalue SET run_id = %s WHERE id = %s", [other.pk, moved_out])
    _refused("UPDATE devindex_indexvalue SET tier = 3 WHERE run_id = %s", [published.pk])
    published.refresh_from_db()
    assert published.published
    assert len(published.values_sha256) == 64


def test_deleting_a_published_run_is_left_to_the_database_owner(published: IndexRun) -> None:
    IndexValue.objects.filter(run=published).delete()
    IndexRun.objects.filter(pk=published.pk).delete()
    assert not IndexRun.objects.filter(pk=published.pk).exists()


# --- definitions: method choices the computation cannot honour ----------------------------------


def _problems(content: dict[str, Any]) -> list[str]:
    coverage = coverage_definition()
    return definition_problems(
        content, populations=coverage.population_codes, metrics=coverage.metric_codes
    )


def test_the_shipped_definition_has_no_problem() -> None:
    assert _problems(jsdi()) == []


@pytest.mark.parametrize("by", [{"county": "cluster"}, {"chain": "city"}, {"city": "province"}])
def test_an_imputation_group_the_computation_does_not_have_is_a_problem(by) -> None:
    """Only a county's city and a chain's cluster are computed as peer groups; another pairing
    would be computed as one of those (or as no group) while the methodology page shows it."""
    content = tiny()
    content["method"]["impute"]["by"] = by
    assert any(p.startswith("method.impute.by") for p in _problems(content))


def test_a_unit_rule_on_an_unknown_population_or_metric_is_a_problem() -> None:
    """A misspelt population in method.units would exclude every unit (a count of 0)."""
    content = tiny()
    content["method"]["units"]["population"] = "above_scal"
    content["method"]["units"]["metric"] = "enterprise"
    problems = _problems(content)
    assert "method.units: unknown snapshot population 'above_scal'" in problems
    assert "method.units: unknown snapshot metric 'enterprise'" in problems
