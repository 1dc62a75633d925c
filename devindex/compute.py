"""The development index from columnar facts: a pure function (Polars and the index engine, no
Django), so a run and the bench (bench/platform_index.py) follow the same code path.

    facts (monitoring.coverage.CoverageFacts) + snapshot cells + result node facts
        → unit indicator tables (one per unit level: cities, counties, clusters, chains)
        → scoring.index.run_pipeline (nominal scores, ranks)
        → scoring.index.uncertainty.uncertainty_analysis (rank bands, Sobol indices)
        → tiers, coherence, values in long form

Inputs:
- ``cells``: the figures of the snapshot's cells for the year, in monitoring.coverage's wide
  form (CELL_KEYS, one ``n:<population>:<metric>`` count per population and metric; the
  denominator of a population is its ``enterprises`` count). Cities and counties are the cells
  (city | county, all); clusters and chains the province's cells of each cluster and chain.
- ``facts``: enterprises, chains and clusters, and every submitted result (monitoring.facts;
  for a run, the tables its snapshot froze, so memberships and results are the snapshot's);
  result-derived indicators use each enterprise's latest valid result of a model up to the year
  (latest 评估年度, then submission, then id), as the snapshot does.
- ``result_nodes``: assessment_id, node, fraction (0–1: points / maximum points of that node in
  the result) for the nodes the definition reads.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from devindex.definition import (
    GROUP_COLUMN,
    UNIT_COLUMN,
    IndicatorSpec,
    definition_tree,
    indicator_specs,
    method_section,
    pipeline_config,
    uncertainty_settings,
    uncertainty_specs,
)
from monitoring.coverage import (
    CoverageFacts,
    group_memberships,
    numerator_column,
    region_memberships,
    valid_results,
)
from scoring.index import IndexTree, run_pipeline
from scoring.index.coherence import correlation, correlation_flags, cronbach_by_group
from scoring.index.uncertainty import UncertainInput, UncertaintyResult, uncertainty_analysis

Progress = Callable[[int, int], None]
LEVELS = ("city", "county", "cluster", "chain")
RESULT_NODE_SCHEMA = {"assessment_id": pl.Int64, "node": pl.String, "fraction": pl.Float64}
VALUE_SCHEMA: dict[str, Any] = {
    "unit_level": pl.String,
    "unit_code": pl.String,
    "node": pl.String,
    "raw": pl.Float64,
    "score": pl.Float64,
    "rank": pl.Int64,
    "rank_median": pl.Float64,
    "rank_p05": pl.Float64,
    "rank_p95": pl.Float64,
    "tier": pl.Int64,
    "imputed": pl.Boolean,
}
MIN_UNITS_FOR_UA = 3
UA_SHARE = 0.9  # share of the progress bar taken by the uncertainty analyses


@dataclass(frozen=True)
class IndexInputs:
    year: int
    cells: pl.DataFrame
    facts: CoverageFacts
    result_nodes: pl.DataFrame


@dataclass(frozen=True)
class LevelOutput:
    """One unit level: the indicator table, the values (VALUE_SCHEMA) and the summary."""

    level: str
    table: pl.DataFrame
    values: pl.DataFrame
    summary: dict[str, Any]
    config: dict[str, Any]


@dataclass(frozen=True)
class IndexComputation:
    levels: dict[str, LevelOutput] = field(default_factory=dict)

    def values(self) -> pl.DataFrame:
        frames = [out.values for out in self.levels.values()]
        return pl.concat(frames) if frames else pl.DataFrame(schema=VALUE_SCHEMA)


# --- selections of the facts ---------------------------------------------------------------------


def unit_cells(cells: pl.DataFrame, level: str) -> pl.DataFrame:
    """The cells of one unit level, with ``unit_code``."""
    if cells.is_empty():
        return cells.with_columns(pl.lit(None, pl.String).alias("unit_code"))
    if level in ("city", "county"):
        picked = cells.filter((pl.col("region_level") == level) & (pl.col("group_kind") == "all"))
        return picked.with_columns(pl.col("region_code").alias("unit_code"))
    picked = cells.filter((pl.col("region_level") == "province") & (pl.col("group_kind") == level))
    return picked.with_columns(pl.col("group_code").alias("unit_code"))


def unit_members(facts: CoverageFacts, level: str) -> pl.DataFrame:
    """enterprise_id, unit_code: the enterprises of each unit of ``level``."""
    if level in ("city", "county"):
        regions = region_memberships(facts).filter(pl.col("region_level") == level)
        return regions.select("enterprise_id", pl.col("region_code").alias("unit_code"))
    groups = group_memberships(facts).filter(pl.col("group_kind") == level)
    return groups.select("enterprise_id", pl.col("group_code").alias("unit_code"))


def unit_groups(facts: CoverageFacts, level: str) -> pl.DataFrame:
    """unit_code, group: the peers a unit is imputed from (a county's city, a chain's cluster).
    A chain without a cluster has no peers: it is a group of its own (the engine would make the
    chains without a cluster one group, and impute food from home appliances)."""
    if level == "county":
        pairs = facts.enterprises.select(pl.col("county"), pl.col("city")).drop_nulls()
        return (
            pairs.group_by("county")
            .agg(pl.col("city").mode().first())
            .rename({"county": "unit_code", "city": GROUP_COLUMN})
        )
    if level == "chain":
        own = pl.concat_str(pl.lit("chain:"), pl.col("chain"))
        return facts.chains.select(
            pl.col("chain").alias("unit_code"), pl.col("cluster").fill_null(own).alias(GROUP_COLUMN)
        )
    return pl.DataFrame(schema={"unit_code": pl.String, GROUP_COLUMN: pl.String})


def latest_results(facts: CoverageFacts, year: int) -> pl.DataFrame:
    """Each enterprise's latest valid result of each model up to ``year``: id, enterprise_id,
    framework, level_rank."""
    valid = valid_results(facts).filter(pl.col("year") <= year)
    order = ["year", "submitted_at", "id"]
    return valid.group_by("enterprise_id", "framework").agg(
        pl.col("id").sort_by(order).last(), pl.col("level_rank").sort_by(order).last()
    )


# --- indicator tables ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorTable:
    data: pl.DataFrame  # uCode, group, one column per indicator (raw values; null = missing)
    excluded: list[dict[str, Any]]


def indicator_table(content: Mapping[str, Any], inputs: IndexInputs, level: str) -> IndicatorTable:
    """The raw indicators of every unit of ``level`` that has enough enterprises."""
    limits = method_section(content, "indicators")
    units_rule = method_section(content, "units")
    cells = unit_cells(inputs.cells, level)
    count = _count(
        cells, units_rule.get("population", "all"), units_rule.get("metric", "enterprises")
    )
    minimum = int(units_rule.get("min", 1))
    base = cells.select("unit_code", count.alias("_n"))
    scored = base.filter(pl.col("_n") >= minimum)
    excluded = [
        {"unit": code, "enterprises": int(n or 0), "min": minimum}
        for code, n in base.filter(pl.col("_n") < minimum).sort("unit_code").iter_rows()
    ]
    data = scored.select(pl.col("unit_code")).join(
        unit_groups(inputs.facts, level), on="unit_code", how="left"
    )
    results = _result_stats(inputs, level)
    for spec in indicator_specs(content):
        column = _indicator(spec, cells, results, limits)
        data = data.join(column, on="unit_code", how="left")
    data = data.rename({"unit_code": UNIT_COLUMN}).sort(UNIT_COLUMN)
    return IndicatorTable(data=data, excluded=excluded)


def _count(cells: pl.DataFrame, population: str, metric: str) -> pl.Expr:
    name = numerator_column(population, metric)
    if name not in cells.columns:
        return pl.lit(0, pl.Float64)
    return pl.col(name).cast(pl.Float64).fill_null(0.0)


@dataclass(frozen=True)
class _ResultStats:
    models: pl.DataFrame  # unit_code, framework, n, level
    nodes: pl.DataFrame  # unit_code, framework, node, n, mean


def _result_stats(inputs: IndexInputs, level: str) -> _ResultStats:
    latest = latest_results(inputs.facts, inputs.year)
    members = unit_members(inputs.facts, level)
    joined = latest.join(members, on="enterprise_id")
    models = joined.group_by("unit_code", "framework").agg(
        pl.len().alias("n"),
        pl.col("level_rank").fill_null(0).cast(pl.Float64).mean().alias("level"),
    )
    nodes = (
        joined.join(inputs.result_nodes, left_on="id", right_on="assessment_id")
        .group_by("unit_code", "framework", "node")
        .agg(pl.col("fraction").count().alias("n"), pl.col("fraction").mean().alias("mean"))
    )
    return _ResultStats(models=models, nodes=nodes)


def _indicator(
    spec: IndicatorSpec, cells: pl.DataFrame, results: _ResultStats, limits: Mapping[str, Any]
) -> pl.DataFrame:
    """unit_code and the indicator's raw value (null when missing)."""
    d, code = spec.data, spec.code
    min_den, min_results = (
        float(limits.get("min_denominator", 1)),
        int(limits.get("min_results", 1)),
    )
    if d.kind == "snapshot_share":
        num, den = _count(cells, d.population, d.metric), _count(cells, d.population, "enterprises")
        value = pl.when(den >= min_den).then(num / den * d.scale)
        return cells.select("unit_code", value.alias(code))
    if d.kind == "result_rate":
        per = _count(cells, d.per_population, d.per_metric)
        counts = results.models.filter(pl.col("framework") == d.model).select("unit_code", "n")
        frame = cells.select("unit_code", per.alias("_per")).join(
            counts, on="unit_code", how="left"
        )
        value = pl.when(pl.col("_per") >= min_den).then(
            pl.col("n").fill_null(0) / pl.col("_per") * d.scale
        )
        return frame.select("unit_code", value.alias(code))
    if d.kind == "result_level":
        stats = results.models.filter(pl.col("framework") == d.model)
        value = pl.when(pl.col("n") >= min_results).then(pl.col("level") * d.scale)
        return stats.select("unit_code", value.alias(code))
    stats = results.nodes.filter((pl.col("framework") == d.model) & (pl.col("node") == d.node))
    value = pl.when(pl.col("n") >= min_results).then(pl.col("mean") * d.scale)
    return stats.select("unit_code", value.alias(code))


# --- one level -----------------------------------------------------------------------------------


def level_compute(
    content: Mapping[str, Any],
    table: IndicatorTable,
    level: str,
    *,
    n: int | None = None,
    progress: Progress | None = None,
) -> LevelOutput:
    """Nominal scores and ranks of every node, the uncertainty of the index rank, tiers."""
    tree = definition_tree(content)
    config = pipeline_config(content, level)
    data = table.data
    summary: dict[str, Any] = {"units": data.height + len(table.excluded), "scored": data.height}
    summary["excluded"] = table.excluded
    if data.is_empty():
        return LevelOutput(level, data, pl.DataFrame(schema=VALUE_SCHEMA), summary, config)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        stages = run_pipeline(data, tree, config)
        ua = _uncertainty(content, data, tree, config, n=n, progress=progress)
    values = _values(tree, stages, level, ua, content)
    summary |= _summary(tree, stages, ua, values)
    return LevelOutput(level, data, values, summary, config)


def _uncertainty(
    content: Mapping[str, Any],
    data: pl.DataFrame,
    tree: IndexTree,
    config: Mapping[str, Any],
    *,
    n: int | None,
    progress: Progress | None,
) -> UncertaintyResult | None:
    if data.height < MIN_UNITS_FOR_UA:
        return None
    settings = uncertainty_settings(content)
    inputs = [
        UncertainInput(s.name, s.alternatives, s.weight_noise) for s in uncertainty_specs(content)
    ]
    return uncertainty_analysis(
        data,
        tree,
        config,
        inputs,
        n=n or settings["n"],
        seed=settings["seed"],
        sensitivity=settings["sensitivity"],
        node=tree.aggregates[-1].code,
        progress=progress,
        rank_decimals=config.get("rank_decimals"),
    )


def _values(
    tree: IndexTree,
    stages: Mapping[str, pl.DataFrame],
    level: str,
    ua: UncertaintyResult | None,
    content: Mapping[str, Any],
) -> pl.DataFrame:
    unit = UNIT_COLUMN
    indicators, aggregates = list(tree.indicator_codes), list(tree.aggregate_codes)
    raw = stages["Raw"].select(unit, *indicators)
    normalised = stages["Normalised"].select(unit, *indicators)
    aggregated = stages["Aggregated"].select(unit, *aggregates)
    ranks = stages["Ranks"].select(unit, *indicators, *aggregates)

    def long(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        codes = [c for c in frame.columns if c != unit]
        return frame.unpivot(index=unit, on=codes, variable_name="node", value_name=name)

    scores = pl.concat([long(normalised, "score"), long(aggregated, "score")])
    out = (
        scores.join(long(raw, "raw"), on=[unit, "node"], how="left")
        .join(long(ranks, "rank"), on=[unit, "node"], how="left")
        .with_columns(
            (pl.col("raw").is_null() & pl.col("score").is_not_null()).alias("imputed"),
            pl.lit(level).alias("unit_level"),
        )
    )
    out = out.with_columns(
        pl.when(pl.col("node").is_in(indicators)).then(pl.col("imputed")).otherwise(False)
    )
    index = tree.aggregates[-1].code
    extra = _index_extras(out.filter(pl.col("node") == index), ua, content)
    out = out.join(extra, on=[unit, "node"], how="left")
    return out.select(
        "unit_level",
        pl.col(unit).alias("unit_code"),
        "node",
        *[
            pl.col(c).cast(t)
            for c, t in VALUE_SCHEMA.items()
            if c not in ("unit_level", "unit_code", "node")
        ],
    ).sort("unit_code", "node")


def _index_extras(
    index_rows: pl.DataFrame, ua: UncertaintyResult | None, content: Mapping[str, Any]
) -> pl.DataFrame:
    """Rank median and 5–95 % band (from the uncertainty analysis) and the tier of the index."""
    unit = UNIT_COLUMN
    frame = index_rows.select(unit, "node", "rank")
    tiers = tier_of(frame["rank"].to_list(), method_section(content, "tiers"))
    frame = frame.with_columns(pl.Series("tier", tiers, dtype=pl.Int64))
    if ua is None:
        bands = pl.DataFrame(
            schema={
                unit: pl.String,
                "rank_median": pl.Float64,
                "rank_p05": pl.Float64,
                "rank_p95": pl.Float64,
            }
        )
    else:
        bands = ua.rank_stats.select(
            pl.col("unit").cast(pl.String).alias(unit),
            pl.col("median").alias("rank_median"),
            pl.col("q05").alias("rank_p05"),
            pl.col("q95").alias("rank_p95"),
        )
    return frame.join(bands, on=unit, how="left").drop("rank")


def tier_of(ranks: Sequence[int | None], spec: Mapping[str, Any]) -> list[int | None]:
    """梯队 by ``rank_thirds``: with n ranked units, rank ≤ ⌈n/3⌉ is tier 1, ≤ ⌈2n/3⌉ tier 2,
    the rest tier 3; units without a rank have no tier."""
    n = sum(r is not None for r in ranks)
    cut1, cut2 = math.ceil(n / 3), math.ceil(2 * n / 3)
    return [None if r is None else 1 if r <= cut1 else 2 if r <= cut2 else 3 for r in ranks]


# --- summary -------------------------------------------------------------------------------------


def _summary(
    tree: IndexTree,
    stages: Mapping[str, pl.DataFrame],
    ua: UncertaintyResult | None,
    values: pl.DataFrame,
) -> dict[str, Any]:
    """Missing raw values and how many were imputed (per indicator; a value stays missing when
    its whole imputation group has none), treatments, coherence, uncertainty and Sobol indices."""
    raw = stages["Raw"]
    missing = {c: int(raw[c].null_count()) for c in tree.indicator_codes if raw[c].null_count()}
    imputed = dict(values.filter(pl.col("imputed")).group_by("node").len().sort("node").iter_rows())
    treated = stages["TreatSummary"].filter(
        (pl.col("low") > 0) | (pl.col("high") > 0) | pl.col("log")
    )
    out: dict[str, Any] = {
        "missing": missing,
        "imputed": {code: int(n) for code, n in imputed.items()},
        "treated": treated.to_dicts(),
        "coherence": coherence_summary(tree, stages),
    }
    if ua is None:
        out["uncertainty"] = {"runs": 0, "note": f"fewer than {MIN_UNITS_FOR_UA} units"}
        return out
    width = (ua.rank_stats["q95"] - ua.rank_stats["q05"]).mean()
    runs = int(ua.ranks.shape[0])
    # with the Sobol design the bands summarise the 2N random runs (A and B), as COINr does
    band_runs = 2 * runs // (len(ua.sobol) + 2) if ua.sobol is not None else runs
    out["uncertainty"] = {"runs": runs, "band_runs": band_runs, "mean_band_width": _num(width)}
    if ua.sobol is not None:
        out["sobol"] = [
            {"input": r["input"], "Si": _num(r["Si"]), "STi": _num(r["STi"])}
            for r in ua.sobol.to_dicts()
        ]
    return out


def coherence_summary(tree: IndexTree, stages: Mapping[str, pl.DataFrame]) -> dict[str, Any]:
    """Statistical coherence of the nominal result (scoring.index.coherence): per dimension,
    Cronbach's alpha of its normalised indicators, their mean pairwise Pearson correlation and
    the dimension's correlation with the index; per indicator, its correlation with the index;
    and the flagged sibling pairs (r > 0.9 redundant, r < 0 negative). Undefined values are
    None."""
    frame = stages["Aggregated"]  # the normalised indicators and every aggregate
    top = _column(frame, tree.aggregates[-1].code)
    alphas = dict(cronbach_by_group(frame, tree, level=2).select("parent", "alpha").iter_rows())
    dims = []
    for agg in tree.aggregates_at(2):
        kids = [c for c in tree.children(agg.code) if c in tree.indicator_codes]
        dims.append(
            {
                "code": agg.code,
                "alpha": _num(alphas.get(agg.code)),
                "mean_r": _num(_mean_pairwise_r(frame, kids)),
                "r_index": _num(correlation(_column(frame, agg.code), top)[0]),
            }
        )
    indicators = [
        {"code": c, "r_index": _num(correlation(_column(frame, c), top)[0])}
        for c in tree.indicator_codes
    ]
    flags = [
        {k: (_num(v) if k == "r" else v) for k, v in row.items()}
        for row in correlation_flags(frame, tree).to_dicts()
    ]
    return {"dimensions": dims, "indicators": indicators, "flags": flags}


def _column(frame: pl.DataFrame, code: str) -> np.ndarray:
    """One column as float64, missing values as NaN."""
    return frame[code].cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)


def _mean_pairwise_r(frame: pl.DataFrame, codes: Sequence[str]) -> float:
    pairs = [
        correlation(_column(frame, a), _column(frame, b))[0]
        for i, a in enumerate(codes)
        for b in codes[i + 1 :]
    ]
    present = [r for r in pairs if not math.isnan(r)]
    return float(np.mean(present)) if present else math.nan


def _num(value: Any) -> float | None:
    """A JSON-safe float: None for missing, NaN or infinite."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


# --- every level ---------------------------------------------------------------------------------


def index_compute(
    content: Mapping[str, Any],
    inputs: IndexInputs,
    *,
    levels: Sequence[str] | None = None,
    n: int | None = None,
    progress: Progress | None = None,
) -> IndexComputation:
    """The index at every unit level of the definition (or ``levels``): facts → indicator
    tables → pipeline → uncertainty analysis. ``n`` overrides the definition's number of
    uncertainty runs. ``progress(done, total)`` counts per mille."""
    chosen = list(levels or content.get("units") or LEVELS)
    out: dict[str, LevelOutput] = {}
    for i, level in enumerate(chosen):
        table = indicator_table(content, inputs, level)
        out[level] = level_compute(
            content, table, level, n=n, progress=_scaled(progress, i, len(chosen))
        )
        if progress is not None:
            progress(round(1000 * (i + 1) / len(chosen)), 1000)
    return IndexComputation(levels=out)


def _scaled(progress: Progress | None, i: int, count: int) -> Progress | None:
    """Map one level's uncertainty progress onto its slice of the per-mille bar."""
    if progress is None:
        return None

    def inner(done: int, total: int) -> None:
        share = UA_SHARE * done / max(total, 1)
        progress(round(1000 * (i + share) / count), 1000)

    return inner
