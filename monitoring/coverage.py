"""Coverage computation: a pure Polars function from the fact tables (monitoring/facts.py) and the
coverage definition (monitoring/data/coverage.yaml) to the figures of every cell — year × region
(province, city, county, zone) × group (all, each cluster, each chain). No Django imports, no
Python loops over enterprises: per year, one boolean column per population and metric over the
enterprise table, joined to the enterprise → (region, group) memberships and summed with one
group_by (architecture invariant 6).

Meanings (see also the header of coverage.yaml):
- A valid result is a submitted self-assessment, or a submitted provider diagnosis whose every
  section (the keys of its dimension scores) the enterprise confirmed — the rule of
  assessments.selectors.diagnosis_is_confirmed, here as a join.
- The latest result of a model up to year Y is the valid result of the latest 评估年度 ≤ Y, and
  within a year the latest submission (then the highest id).
- A level threshold is the rank of the level code in the result's own model version (levels are
  ranked 1, 2, … in the order of the version's `levels`, as the scoring engine ranks them).
- Chain membership follows registry.models.in_chain_q (industry covered, or an explicit link);
  cluster membership follows registry.models.in_cluster_q (the cluster's own industries, the
  industries of its chains, or an explicit link to one of its chains).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl

from monitoring.definitions import CoverageDefinition, Metric, Population

Progress = Callable[[int, int], None]

CELL_KEYS = ("year", "region_level", "region_code", "group_kind", "group_code")
CONFIRMED = "confirmed"

# The columns (and types) of each fact table; facts.py builds frames with exactly these.
SCHEMAS: dict[str, dict[str, Any]] = {
    "enterprises": {
        "id": pl.Int64,
        "city": pl.String,
        "county": pl.String,
        "zone": pl.String,
        "industry": pl.String,
    },
    "categories": {"enterprise_id": pl.Int64, "category": pl.String, "year": pl.Int32},
    "chains": {"chain": pl.String, "cluster": pl.String},
    "chain_industries": {"chain": pl.String, "industry": pl.String},
    "chain_links": {"enterprise_id": pl.Int64, "chain": pl.String},
    "cluster_industries": {"cluster": pl.String, "industry": pl.String},
    "results": {
        "id": pl.Int64,
        "enterprise_id": pl.Int64,
        "framework": pl.String,
        "version_id": pl.Int64,
        "year": pl.Int32,
        "level_rank": pl.Int32,
        "submitted_at": pl.Datetime("us", "UTC"),
        "kind": pl.String,
    },
    "sections": {"assessment_id": pl.Int64, "section": pl.String},
    "reviews": {"assessment_id": pl.Int64, "section": pl.String, "decision": pl.String},
    "level_ranks": {"version_id": pl.Int64, "level": pl.String, "rank": pl.Int32},
    "recognitions": {"enterprise_id": pl.Int64, "type": pl.String, "year": pl.Int32},
}


@dataclass(frozen=True)
class CoverageFacts:
    """The fact tables of one computation (columns: SCHEMAS). `sections` and `reviews` are those
    of submitted provider diagnoses; `level_ranks` those of the versions results pin."""

    province: str
    enterprises: pl.DataFrame
    categories: pl.DataFrame
    chains: pl.DataFrame
    chain_industries: pl.DataFrame
    chain_links: pl.DataFrame
    cluster_industries: pl.DataFrame
    results: pl.DataFrame
    sections: pl.DataFrame
    reviews: pl.DataFrame
    level_ranks: pl.DataFrame
    recognitions: pl.DataFrame

    def frames(self) -> dict[str, pl.DataFrame]:
        return {name: getattr(self, name) for name in SCHEMAS}


def frame(name: str, rows: list[tuple[Any, ...]] | None = None) -> pl.DataFrame:
    """A fact table `name` from row tuples in SCHEMAS column order (empty when no rows)."""
    return pl.DataFrame(rows or [], schema=SCHEMAS[name], orient="row")


def numerator_column(population: str, metric: str) -> str:
    return f"n:{population}:{metric}"


# --- memberships --------------------------------------------------------------------------------


def region_memberships(facts: CoverageFacts) -> pl.DataFrame:
    """enterprise_id, region_level, region_code: the province, its city, county and zone."""
    e = facts.enterprises
    parts = [
        e.select(
            pl.col("id").alias("enterprise_id"),
            pl.lit(level).alias("region_level"),
            (pl.lit(facts.province) if level == "province" else pl.col(level)).alias("region_code"),
        )
        for level in ("province", "city", "county", "zone")
    ]
    return pl.concat(parts).drop_nulls("region_code")


def group_memberships(facts: CoverageFacts) -> pl.DataFrame:
    """enterprise_id, group_kind, group_code: ("all", "") for everyone, plus every chain and
    cluster the enterprise belongs to (in_chain_q / in_cluster_q semantics), without repeats."""
    e = facts.enterprises.select(pl.col("id").alias("enterprise_id"), "industry")
    by_industry = e.join(facts.chain_industries, on="industry").select("enterprise_id", "chain")
    chains = pl.concat([by_industry, facts.chain_links.select("enterprise_id", "chain")])
    chain_industries_of_cluster = facts.chain_industries.join(
        facts.chains.drop_nulls("cluster"), on="chain"
    ).select("cluster", "industry")
    cluster_industries = pl.concat(
        [facts.cluster_industries.select("cluster", "industry"), chain_industries_of_cluster]
    )
    clusters = pl.concat(
        [
            e.join(cluster_industries, on="industry").select("enterprise_id", "cluster"),
            facts.chain_links.join(facts.chains.drop_nulls("cluster"), on="chain").select(
                "enterprise_id", "cluster"
            ),
        ]
    )
    groups = pl.concat(
        [
            e.select(
                "enterprise_id",
                pl.lit("all").alias("group_kind"),
                pl.lit("").alias("group_code"),
            ),
            chains.select(
                "enterprise_id",
                pl.lit("chain").alias("group_kind"),
                pl.col("chain").alias("group_code"),
            ),
            clusters.select(
                "enterprise_id",
                pl.lit("cluster").alias("group_kind"),
                pl.col("cluster").alias("group_code"),
            ),
        ]
    )
    return groups.unique()


# --- results ------------------------------------------------------------------------------------


def valid_results(facts: CoverageFacts) -> pl.DataFrame:
    """Results that count: self-assessments, and diagnoses confirmed in every section."""
    confirmed = (
        facts.sections.join(facts.reviews, on=["assessment_id", "section"], how="left")
        .group_by("assessment_id")
        .agg((pl.col("decision") == CONFIRMED).fill_null(False).all().alias("ok"))
        .filter(pl.col("ok"))
        .get_column("assessment_id")
    )
    return facts.results.filter(
        (pl.col("kind") == "self")
        | ((pl.col("kind") == "diagnosis") & pl.col("id").is_in(confirmed.implode()))
    )


def threshold_column(framework: str, level: str) -> str:
    return f"ge:{framework}:{level}"


def with_level_flags(
    results: pl.DataFrame, level_ranks: pl.DataFrame, thresholds: tuple[tuple[str, str], ...]
) -> pl.DataFrame:
    """Add one boolean column per (framework, level): the result's rank is at least the rank of
    that level code in the result's own version (False when the version has no such level)."""
    for framework, level in thresholds:
        ranks = level_ranks.filter(pl.col("level") == level).select(
            "version_id", pl.col("rank").alias("_threshold")
        )
        results = (
            results.join(ranks, on="version_id", how="left")
            .with_columns(
                (
                    (pl.col("framework") == framework)
                    & (pl.col("level_rank") >= pl.col("_threshold"))
                )
                .fill_null(False)
                .alias(threshold_column(framework, level))
            )
            .drop("_threshold")
        )
    return results


def _latest(results: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """The last row of each `by` group in (year, submitted_at, id) order."""
    order = ["year", "submitted_at", "id"]
    others = [c for c in results.columns if c not in by]
    return results.group_by(by).agg(pl.col(c).sort_by(order).last() for c in others)


def first_reached(results: pl.DataFrame, thresholds: tuple[tuple[str, str], ...]) -> pl.DataFrame:
    """enterprise_id and, per (framework, level), the first year whose latest result of that
    model was at the level or above (null: never)."""
    if not thresholds:
        return results.select("enterprise_id").unique()
    yearly = _latest(results, ["enterprise_id", "framework", "year"])
    return yearly.group_by("enterprise_id").agg(
        pl.col("year")
        .filter(pl.col(threshold_column(fw, level)))
        .min()
        .alias(f"first:{fw}:{level}")
        for fw, level in thresholds
    )


# --- flags per year -----------------------------------------------------------------------------


def _ids(frame: pl.DataFrame, column: str = "enterprise_id") -> pl.Series:
    return frame.get_column(column).unique().implode()


def category_year(categories: pl.DataFrame, category: str, year: int) -> int | None:
    """The year whose rows of a yearly category stand for `year`: the year itself when the
    registry has rows of it, else the latest earlier year that has (None: no such year)."""
    years = categories.filter(
        (pl.col("category") == category) & (pl.col("year") <= year)
    ).get_column("year")
    return None if years.is_empty() else int(years.max())  # type: ignore[arg-type]


def _population_expr(population: Population, categories: pl.DataFrame, year: int) -> pl.Expr:
    if population.holds == "all" or population.category is None:
        return pl.lit(True)
    rows = categories.filter(pl.col("category") == population.category)
    if population.holds == "yearly":
        effective = category_year(categories, population.category, year)
        rows = rows.filter(pl.col("year") == effective) if effective else rows.clear()
    else:
        rows = rows.filter(pl.col("year") <= year)
    return pl.col("id").is_in(_ids(rows))


@dataclass(frozen=True)
class _Inputs:
    facts: CoverageFacts
    results: pl.DataFrame  # valid, with level flags
    first: pl.DataFrame  # first_reached


def _metric_expr(metric: Metric, inputs: _Inputs, year: int) -> pl.Expr:
    r = inputs.results
    if metric.rule == "count":
        return pl.lit(True)
    if metric.rule == "assessed_in_year":
        return pl.col("id").is_in(_ids(r.filter(pl.col("year") == year)))
    if metric.rule == "has_result":
        rows = r.filter((pl.col("framework") == metric.framework) & (pl.col("year") <= year))
        return pl.col("id").is_in(_ids(rows))
    if metric.rule == "level_at_least":
        own = r.filter((pl.col("framework") == metric.framework) & (pl.col("year") <= year))
        latest = _latest(own, ["enterprise_id"])
        flag = threshold_column(metric.framework, metric.level)
        return pl.col("id").is_in(_ids(latest.filter(pl.col(flag))))
    if metric.rule == "level_first_reached":
        column = f"first:{metric.framework}:{metric.level}"
        return pl.col("id").is_in(_ids(inputs.first.filter(pl.col(column) == year)))
    if metric.rule == "recognised":
        rows = inputs.facts.recognitions.filter(
            (pl.col("type") == metric.application_type) & (pl.col("year") <= year)
        )
        return pl.col("id").is_in(_ids(rows))
    raise ValueError(metric.rule)


def enterprise_flags(
    facts: CoverageFacts, definition: CoverageDefinition, inputs: _Inputs, year: int
) -> pl.DataFrame:
    """One row per enterprise: p:<population> and m:<metric> booleans for `year`."""
    return facts.enterprises.select(
        pl.col("id"),
        *(
            _population_expr(p, facts.categories, year).alias(f"p:{p.code}")
            for p in definition.populations
        ),
        *(_metric_expr(m, inputs, year).alias(f"m:{m.code}") for m in definition.metrics),
    )


# --- cells --------------------------------------------------------------------------------------


def _inputs(facts: CoverageFacts, definition: CoverageDefinition) -> _Inputs:
    thresholds = definition.level_thresholds()
    results = with_level_flags(valid_results(facts), facts.level_ranks, thresholds)
    return _Inputs(facts=facts, results=results, first=first_reached(results, thresholds))


def _year_cells(
    flags: pl.DataFrame, members: pl.DataFrame, definition: CoverageDefinition, year: int
) -> pl.DataFrame:
    sums = [
        (pl.col(f"p:{p}") & pl.col(f"m:{m}")).sum().cast(pl.Int64).alias(numerator_column(p, m))
        for p in definition.population_codes
        for m in definition.metric_codes
    ]
    cells = (
        members.join(flags, left_on="enterprise_id", right_on="id")
        .group_by(["region_level", "region_code", "group_kind", "group_code"])
        .agg(sums)
    )
    denominators = pl.sum_horizontal(
        pl.col(numerator_column(p, "enterprises")) for p in definition.population_codes
    )
    return cells.filter(denominators > 0).select(pl.lit(year, pl.Int32).alias("year"), pl.all())


def coverage_compute(
    facts: CoverageFacts,
    definition: CoverageDefinition,
    *,
    years: list[int],
    progress: Progress | None = None,
) -> pl.DataFrame:
    """Every cell with at least one enterprise in a population: the CELL_KEYS columns and one
    n:<population>:<metric> count per population and metric (the denominator of a population is
    its `enterprises` count). Calls progress(done, len(years)) after each year."""
    inputs = _inputs(facts, definition)
    regions = region_memberships(facts)
    members = regions.join(group_memberships(facts), on="enterprise_id")
    per_year = []
    for done, year in enumerate(years, start=1):
        flags = enterprise_flags(facts, definition, inputs, year)
        per_year.append(_year_cells(flags, members, definition, year))
        if progress is not None:
            progress(done, len(years))
    if not per_year:
        return pl.DataFrame()
    return pl.concat(per_year).sort(list(CELL_KEYS))


def cell_figures(
    cells: pl.DataFrame, definition: CoverageDefinition
) -> Iterator[tuple[tuple[Any, ...], dict[str, dict[str, list[int]]]]]:
    """(cell key, figures) per row: figures = {population: {metric: [numerator, denominator]}};
    a population with no enterprise in the cell is left out."""
    pops, metrics = definition.population_codes, definition.metric_codes
    columns = {c: i for i, c in enumerate(cells.columns)}
    key_at = [columns[k] for k in CELL_KEYS]
    at = {p: [(m, columns[numerator_column(p, m)]) for m in metrics] for p in pops}
    den_at = {p: columns[numerator_column(p, "enterprises")] for p in pops}
    for row in cells.iter_rows():
        figures = {
            p: {m: [row[i], row[den_at[p]]] for m, i in at[p]} for p in pops if row[den_at[p]]
        }
        yield tuple(row[i] for i in key_at), figures


def years_covered(result_years: list[int], *, current_year: int, start_year: int) -> list[int]:
    """From the first year with results (the plan's first year at the latest) to the current
    year, or to the last year with results when that is later."""
    first = min([start_year, *result_years])
    last = max([current_year, *result_years])
    return list(range(first, last + 1))
