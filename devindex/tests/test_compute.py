"""The pure computation (facts → indicator tables → engine) on a tiny case worked by hand.

Cities P, Q, R and counties X, Y (in P) and Z (in Q); TINY's indicators A (≥ basic share of 规上,
goalposts 0–50 %), B (self-assessed share, 0–10 %), C (mean GEN-JS platform score rate, 0–100 %),
all on the scale 1–100 (score = 1 + 99 · (x − worst)/(best − worst), capped), D1 = (A + B)/2,
D2 = C, IDX = (2 · D1 + D2)/3.

    city | A    B    C (facts)         | scores A, B, C        | D1     D2     IDX
    P    | 50   10   (1.0 + 0.0)/2=50  | 100, 100, 50.5        | 100    50.5   83.5
    Q    | 25   0    1.0 → 100         | 50.5, 1, 100          | 25.75  100    50.5
    R    | 0    50   none → mean 75    | 1, 100 (capped), 75.25| 50.5   75.25  58.75
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from devindex.compute import IndexInputs, index_compute, indicator_table, latest_results, tier_of
from devindex.tests.factories import tiny
from monitoring.coverage import CoverageFacts, frame, numerator_column

YEAR = 2025
ENTERPRISES = [(1, "3201", "320102"), (2, "3201", "320104"), (3, "3205", "320583")]


def _cells(rows: list[tuple[str, str, int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "year": YEAR,
                "region_level": level,
                "region_code": code,
                "group_kind": "all",
                "group_code": "",
                numerator_column("above_scale", "enterprises"): n,
                numerator_column("above_scale", "sf_ge_BASIC"): basic,
                numerator_column("above_scale", "assessed"): assessed,
            }
            for level, code, n, basic, assessed in rows
        ]
    )


CELLS = _cells(
    [
        ("city", "3201", 10, 5, 1),
        ("city", "3205", 20, 5, 0),
        ("city", "3202", 4, 0, 2),
        ("county", "320102", 4, 2, 1),
        ("county", "320104", 6, 3, 0),
        ("county", "320583", 20, 5, 0),
    ]
)


def _facts(results: list[tuple[int, int, int, str]]) -> CoverageFacts:
    """results: (id, enterprise, year, kind) of GEN-JS."""
    return CoverageFacts(
        province="32",
        enterprises=frame("enterprises", [(e, c, k, None, "3911") for e, c, k in ENTERPRISES]),
        categories=frame("categories"),
        chains=frame("chains"),
        chain_industries=frame("chain_industries"),
        chain_links=frame("chain_links"),
        cluster_industries=frame("cluster_industries"),
        results=frame(
            "results",
            [
                (pk, ent, "GEN-JS", 1, year, 1, datetime(year, 6, 1, tzinfo=UTC), kind)
                for pk, ent, year, kind in results
            ],
        ),
        sections=frame("sections"),
        reviews=frame("reviews"),
        level_ranks=frame("level_ranks"),
        recognitions=frame("recognitions"),
    )


def _nodes(fractions: dict[int, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "assessment_id": list(fractions),
            "node": ["data_ai.platform"] * len(fractions),
            "fraction": list(fractions.values()),
        },
        schema={"assessment_id": pl.Int64, "node": pl.String, "fraction": pl.Float64},
    )


def _inputs() -> IndexInputs:
    facts = _facts([(11, 1, YEAR, "self"), (12, 2, YEAR, "self"), (13, 3, YEAR, "self")])
    return IndexInputs(YEAR, CELLS, facts, _nodes({11: 1.0, 12: 0.0, 13: 1.0}))


def _index(result, level: str) -> dict[str, dict]:
    values = result.levels[level].values.filter(pl.col("node") == "IDX")
    return {row["unit_code"]: row for row in values.to_dicts()}


def _scores(result, level: str, node: str) -> dict[str, float]:
    values = result.levels[level].values.filter(pl.col("node") == node)
    return dict(zip(values["unit_code"], values["score"], strict=True))


def test_the_indicator_table_reads_the_snapshot_and_the_results() -> None:
    table = indicator_table(tiny(), _inputs(), "city").data
    rows = {r["uCode"]: r for r in table.to_dicts()}
    assert rows["3201"]["A"] == pytest.approx(50.0)
    assert rows["3201"]["B"] == pytest.approx(10.0)
    assert rows["3201"]["C"] == pytest.approx(50.0)
    assert rows["3205"]["C"] == pytest.approx(100.0)
    assert rows["3202"]["C"] is None  # no result in R: missing, imputed later


def test_city_scores_equal_the_hand_computation() -> None:
    result = index_compute(tiny(), _inputs(), levels=["city"])
    assert _scores(result, "city", "A") == pytest.approx({"3201": 100, "3205": 50.5, "3202": 1})
    assert _scores(result, "city", "B") == pytest.approx({"3201": 100, "3205": 1, "3202": 100})
    assert _scores(result, "city", "C") == pytest.approx({"3201": 50.5, "3205": 100, "3202": 75.25})
    assert _scores(result, "city", "D1") == pytest.approx(
        {"3201": 100, "3205": 25.75, "3202": 50.5}
    )
    index = _index(result, "city")
    assert {u: r["score"] for u, r in index.items()} == pytest.approx(
        {"3201": 83.5, "3205": 50.5, "3202": 58.75}
    )
    assert {u: r["rank"] for u, r in index.items()} == {"3201": 1, "3202": 2, "3205": 3}
    assert {u: r["tier"] for u, r in index.items()} == {"3201": 1, "3202": 2, "3205": 3}


def test_imputed_values_are_flagged_and_raw_stays_missing() -> None:
    result = index_compute(tiny(), _inputs(), levels=["city"])
    c = result.levels["city"].values.filter(
        (pl.col("node") == "C") & (pl.col("unit_code") == "3202")
    )
    assert c["raw"].to_list() == [None]
    assert c["imputed"].to_list() == [True]
    assert result.levels["city"].summary["imputed"] == {"C": 1}
    assert result.levels["city"].summary["missing"] == {"C": 1}


def test_a_value_stays_missing_when_its_whole_group_has_none() -> None:
    facts = _facts([(13, 3, YEAR, "self")])  # only Z (in Q) has a result; X and Y (in P) none
    inputs = IndexInputs(YEAR, CELLS, facts, _nodes({13: 1.0}))
    result = index_compute(tiny(), inputs, levels=["county"])
    summary = result.levels["county"].summary
    assert summary["missing"] == {"C": 2}
    assert summary["imputed"] == {}
    scores = _scores(result, "county", "C")
    assert scores["320102"] is None
    # X's index is then its D1 alone (D2 has no data): A 50 → 100, B 25 → 100
    assert _index(result, "county")["320102"]["score"] == pytest.approx(100.0)


def test_county_scores_equal_the_hand_computation() -> None:
    result = index_compute(tiny(), _inputs(), levels=["county"])
    index = _index(result, "county")
    # X: A 50, B 25 (capped), C 100 → 100; Y: A 50, B 0, C 0 → (2·50.5 + 1)/3 = 34;
    # Z: A 25, B 0, C 100 → (2·25.75 + 100)/3 = 50.5
    assert {u: r["score"] for u, r in index.items()} == pytest.approx(
        {"320102": 100.0, "320104": 34.0, "320583": 50.5}
    )


def test_a_county_without_results_takes_the_mean_of_its_citys_counties() -> None:
    facts = _facts([(11, 1, YEAR, "self"), (13, 3, YEAR, "self")])
    inputs = IndexInputs(YEAR, CELLS, facts, _nodes({11: 0.6, 13: 0.2}))
    result = index_compute(tiny(), inputs, levels=["county"])
    # Y has no result; its city P's counties have X's 60 → Y's C is 60 (not Z's 20)
    assert _scores(result, "county", "C")["320104"] == pytest.approx(1 + 0.99 * 60)


def test_the_uncertainty_analysis_gives_rank_bands_and_sobol_indices() -> None:
    result = index_compute(tiny(), _inputs(), levels=["city"])
    index = _index(result, "city")
    for row in index.values():
        assert 1 <= row["rank_p05"] <= row["rank_median"] <= row["rank_p95"] <= 3
    summary = result.levels["city"].summary
    assert summary["uncertainty"]["runs"] == 16 * (2 + 2)
    assert [s["input"] for s in summary["sobol"]] == ["normalisation", "weights"]


def test_only_the_latest_valid_result_up_to_the_year_counts() -> None:
    facts = _facts(
        [
            (11, 1, YEAR - 1, "self"),
            (12, 1, YEAR, "self"),
            (13, 1, YEAR + 1, "self"),
            (14, 2, YEAR, "diagnosis"),
        ]
    )
    latest = latest_results(facts, YEAR)
    # enterprise 1: the 2025 result (2026 is after the year); enterprise 2: an unconfirmed diagnosis
    assert latest.select("enterprise_id", "id").rows() == [(1, 12)]


def test_units_with_too_few_enterprises_are_excluded() -> None:
    content = tiny()
    content["method"]["units"]["min"] = 5
    table = indicator_table(content, _inputs(), "city")
    assert table.data["uCode"].to_list() == ["3201", "3205"]
    assert table.excluded == [{"unit": "3202", "enterprises": 4, "min": 5}]


def test_a_small_denominator_makes_a_share_missing() -> None:
    content = tiny()
    content["method"]["indicators"]["min_denominator"] = 5
    table = indicator_table(content, _inputs(), "county").data
    rows = {r["uCode"]: r for r in table.to_dicts()}
    assert rows["320102"]["A"] is None  # 4 enterprises < 5
    assert rows["320104"]["A"] == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("ranks", "tiers"),
    [
        ([1, 2, 3], [1, 2, 3]),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], [1] * 5 + [2] * 4 + [3] * 4),
        ([1, 1, 3, None], [1, 1, 3, None]),
    ],
)
def test_tiers_split_the_ranks_into_thirds(ranks, tiers) -> None:
    assert tier_of(ranks, {"method": "rank_thirds"}) == tiers


def test_the_same_seed_gives_the_same_bands() -> None:
    a = index_compute(tiny(), _inputs(), levels=["city"]).values()
    b = index_compute(tiny(), _inputs(), levels=["city"]).values()
    assert a.equals(b)
