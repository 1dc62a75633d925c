"""Run the composite-indicator stages in order from a configuration dict.

Stages, in order: Raw -> Denominated -> Imputed -> Screened -> Treated -> Normalised ->
Aggregated, plus TreatSummary and Ranks. Configuration (every key optional; defaults shown;
``None`` for a stage skips it)::

    {
        "unit": "uCode",                                  # unit id column
        "denominate": True,
        "impute": {"method": "mean", "by": None},         # none / mean / median
        "screen": {"threshold": 0.0},                     # share of indicators present
        "treat": {"winmax": 5, "skew": 2.0, "kurt": 3.5},
        "normalise": {"method": "minmax", "lower": 0, "upper": 100},
        "aggregate": {"method": "arithmetic", "dat_thresh": None},
        "rank_decimals": None,                            # round scores before ranking
    }

As in COINr's reference pipeline, screening follows imputation, so it measures the data
availability left after imputation (with group imputation, the units of a group with no data).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from scoring.index.aggregate import aggregate, ranks
from scoring.index.denominate import denominate
from scoring.index.impute import impute
from scoring.index.meta import IndexTree
from scoring.index.normalise import normalise
from scoring.index.screen import screen
from scoring.index.treat import treat

STAGES = (
    "unit",
    "rank_decimals",
    "denominate",
    "impute",
    "screen",
    "treat",
    "normalise",
    "aggregate",
)
DEFAULTS: dict[str, Any] = {
    "unit": "uCode",
    "denominate": True,
    "screen": {"threshold": 0.0},
    "impute": {"method": "mean", "by": None},
    "treat": {"winmax": 5, "skew": 2.0, "kurt": 3.5},
    "normalise": {"method": "minmax"},
    "aggregate": {"method": "arithmetic", "dat_thresh": None},
    "rank_decimals": None,
}


def run_pipeline(
    data: pl.DataFrame, tree: IndexTree, config: Mapping[str, Any] | None = None
) -> dict[str, pl.DataFrame]:
    """Run every stage and return each stage's frame by name.

    Returns
    -------
    dict
        ``Raw``, ``Denominated``, ``Imputed``, ``Screened``, ``Treated``, ``TreatSummary``,
        ``Normalised``, ``Aggregated`` and ``Ranks`` (unit column + indicator and aggregate
        ranks, descending, ties "min", of the scores rounded to ``rank_decimals`` if
        given). A skipped stage repeats the previous frame.

    Raises
    ------
    ValueError
        Unknown configuration keys; errors of the stages themselves.
    """
    unknown = sorted(set(config or {}) - set(STAGES))
    if unknown:
        raise ValueError(f"unknown pipeline stages: {', '.join(unknown)}")
    cfg = {**DEFAULTS, **(config or {})}
    return _run(data, tree, cfg)


def _run(data: pl.DataFrame, tree: IndexTree, cfg: Mapping[str, Any]) -> dict[str, pl.DataFrame]:
    codes = list(tree.indicator_codes)
    out: dict[str, pl.DataFrame] = {"Raw": data}
    out["Denominated"] = denominate(data, tree) if cfg["denominate"] else data
    i = cfg["impute"]
    out["Imputed"] = impute(out["Denominated"], codes, **i) if i else out["Denominated"]
    s = cfg["screen"]
    out["Screened"] = screen(out["Imputed"], codes, **s) if s else out["Imputed"]
    out["Treated"], out["TreatSummary"] = _treat(out["Screened"], codes, cfg["treat"])
    n = dict(cfg["normalise"] or {"method": "minmax"})
    n.setdefault("targets", tree.targets())
    out["Normalised"] = normalise(out["Treated"], tree.directions(), **n)
    out["Aggregated"] = aggregate(out["Normalised"], tree, **(cfg["aggregate"] or {}))
    scored = [*codes, *tree.aggregate_codes]
    table = out["Aggregated"].select(cfg["unit"], *scored)
    out["Ranks"] = ranks(table, scored, cfg["rank_decimals"])
    return out


def _treat(
    frame: pl.DataFrame, codes: list[str], spec: Mapping[str, Any] | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    if not spec:
        empty = {"code": codes, "low": [0] * len(codes), "high": [0] * len(codes)}
        return frame, pl.DataFrame({**empty, "log": [False] * len(codes)})
    return treat(
        frame,
        codes,
        winmax=spec.get("winmax", 5),
        skew_threshold=spec.get("skew", 2.0),
        kurt_threshold=spec.get("kurt", 3.5),
    )
