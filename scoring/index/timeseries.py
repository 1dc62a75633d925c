"""Scores over several years: goalposts fixed at a base year, and base year = 100 series.

Per-year min-max normalisation ranks units within a year but makes years incomparable (the
best unit scores 100 every year). Two standard remedies (index-methodology.md §0.4 and §5.2):

- **fixed goalposts** (DESI): normalise every year between the base year's minimum and
  maximum (``goalposts_from``, used by ``run_panel``);
- **base year = 100** (Jiangsu's provincial reports): divide each year's score by a base-year
  score (``rebase``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from scoring.index._frame import column, require_columns
from scoring.index.config import full_config, merge
from scoring.index.meta import IndexTree
from scoring.index.pipeline import run_pipeline

REFERENCES = ("unit", "mean")


def goalposts_from(
    frame: pl.DataFrame, tree: IndexTree, *, margin: float = 0.0
) -> dict[str, tuple[float, float]]:
    r"""Goalposts ``(worst, best)`` of every indicator from the minimum and maximum in ``frame``.

    In natural units: worst = min and best = max for Direction +1, the reverse for -1. With
    ``margin`` m both ends move out by :math:`m(\max - \min)`, leaving room for later years
    to improve on the base year's best before the score is capped at 100.

    Raises
    ------
    ValueError
        A missing column, a negative margin, or an indicator with no value.
    """
    if margin < 0:
        raise ValueError("margin must be >= 0")
    require_columns(frame, tree.indicator_codes)
    posts = {}
    for indicator in tree.indicators:
        x = column(frame, indicator.code)
        if np.isnan(x).all():
            raise ValueError(f"{indicator.code}: no value to fix goalposts")
        lo, hi = float(np.nanmin(x)), float(np.nanmax(x))
        lo, hi = lo - margin * (hi - lo), hi + margin * (hi - lo)
        posts[indicator.code] = (lo, hi) if indicator.direction == 1 else (hi, lo)
    return posts


def run_panel(
    data: pl.DataFrame,
    tree: IndexTree,
    config: Mapping[str, Any],
    *,
    year: str = "Time",
    base_year: int,
    margin: float = 0.0,
) -> dict[int, dict[str, pl.DataFrame]]:
    """Run the pipeline separately for every year of ``data`` (column ``year``).

    When the configuration normalises with ``goalposts`` and gives no ``posts``, they are
    pinned at the base year's treated minimum and maximum (``goalposts_from`` with
    ``margin``), so a score means the same thing every year. Returns stages by year.

    Raises
    ------
    ValueError
        No rows for the base year, or any error of the pipeline.
    """
    require_columns(data, [year])
    years = sorted(int(y) for y in data[year].unique().drop_nulls().to_list())
    if base_year not in years:
        raise ValueError(f"no data for the base year {base_year}")
    cfg = full_config(config)
    normalise = dict(cfg["normalise"] or {})
    if normalise.get("method") == "goalposts" and not normalise.get("posts"):
        base = run_pipeline(
            _year(data, year, base_year), tree, merge(cfg, {"normalise": {"method": "minmax"}})
        )
        posts = goalposts_from(base["Treated"], tree, margin=margin)
        cfg = merge(cfg, {"normalise": {"posts": posts}})
    return {y: run_pipeline(_year(data, year, y), tree, cfg) for y in years}


def panel_stage(stages: Mapping[int, Mapping[str, pl.DataFrame]], name: str) -> pl.DataFrame:
    """One stage of every year stacked (the rows keep their year column)."""
    return pl.concat([stages[y][name] for y in sorted(stages)], how="diagonal_relaxed")


def rebase(
    frame: pl.DataFrame,
    *,
    columns: list[str],
    base_year: int,
    unit: str = "uCode",
    year: str = "Time",
    reference: str = "unit",
) -> pl.DataFrame:
    r"""Scores rescaled so that the base year is 100: :math:`I_{u,t} = 100\, x_{u,t} / b`.

    ``frame`` is long (one row per unit and year). The base b is:

    - ``reference="unit"``: the unit's own base-year score, :math:`b = x_{u,t_0}` (each unit's
      growth; every unit is 100 in the base year);
    - ``reference="mean"``: the base-year mean over units, :math:`b = \bar x_{\cdot,t_0}`
      (the base-year average is 100 and units keep their level differences, as 苏州 141);
    - any other value: the base-year score of that unit code (e.g. the province's row).

    Units without a positive base-year score get null: a ratio to a zero or negative base
    (e.g. of z-scores) has no meaning as growth.

    Raises
    ------
    ValueError
        Missing columns, no row for the base year, or an unknown reference unit.
    """
    require_columns(frame, [unit, year, *columns])
    base = frame.filter(pl.col(year) == base_year)
    if base.height == 0:
        raise ValueError(f"no rows for the base year {base_year}")
    if reference == "unit":
        ref = base.select(unit, *(pl.col(c).alias(f"__base_{c}") for c in columns))
        joined = frame.join(ref, on=unit, how="left")
    else:
        joined = frame.with_columns(_constant_base(base, columns, unit, reference))
    scaled = [_scaled(c) for c in columns]
    return joined.with_columns(scaled).drop([f"__base_{c}" for c in columns])


def _constant_base(
    base: pl.DataFrame, columns: list[str], unit: str, reference: str
) -> list[pl.Expr]:
    if reference == "mean":
        return [pl.lit(base[c].cast(pl.Float64).mean()).alias(f"__base_{c}") for c in columns]
    row = base.filter(pl.col(unit).cast(pl.String) == reference)
    if row.height == 0:
        raise ValueError(f"unknown reference unit {reference!r} in the base year")
    return [pl.lit(row[c].cast(pl.Float64)[0]).alias(f"__base_{c}") for c in columns]


def _scaled(code: str) -> pl.Expr:
    base = pl.col(f"__base_{code}").cast(pl.Float64)
    value = pl.col(code).cast(pl.Float64) / base * 100.0
    return pl.when(base.is_null() | (base <= 0)).then(None).otherwise(value).alias(code)


def _year(data: pl.DataFrame, year: str, value: int) -> pl.DataFrame:
    return data.filter(pl.col(year).cast(pl.Int64) == value)
