"""Run the composite-indicator stages in order from a configuration dict.

Stages, in order: Raw -> Denominated -> Imputed -> Screened -> Treated -> Normalised ->
(Weights) -> Aggregated, plus TreatSummary and Ranks. The configuration keys, their defaults
and validation are in ``scoring.index.config``.

As in COINr's reference pipeline, screening follows imputation, so it measures the data
availability left after imputation (with group imputation, the units of a group with no data).
Data-driven weights (PCA, entropy) are computed on the normalised indicators and, for higher
levels, on aggregates built with the weights already chosen below them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from scoring.index._frame import Vector, column
from scoring.index.aggregate import aggregate, ranks
from scoring.index.config import DEFAULTS, STAGES, full_config
from scoring.index.denominate import denominate
from scoring.index.impute import impute
from scoring.index.meta import IndexTree
from scoring.index.normalise import normalise, refuse_log_units
from scoring.index.screen import screen
from scoring.index.treat import treat
from scoring.index.weights import Scores, effective_weights, renormalise, resolve_weights

__all__ = ["DEFAULTS", "STAGES", "run_pipeline", "weights_frame"]


def run_pipeline(
    data: pl.DataFrame, tree: IndexTree, config: Mapping[str, Any] | None = None
) -> dict[str, pl.DataFrame]:
    """Run every stage and return each stage's frame by name.

    Returns
    -------
    dict
        ``Raw``, ``Denominated``, ``Imputed``, ``Screened``, ``Treated``, ``TreatSummary``,
        ``Normalised``, ``Weights`` (see ``weights_frame``), ``Aggregated`` and ``Ranks``
        (unit column + indicator and aggregate ranks, descending, ties "min", of the scores
        rounded to ``rank_decimals`` if given). A skipped stage repeats the previous frame.

    Raises
    ------
    IndexConfigError
        Unknown configuration keys or settings (a ``ValueError``, listing every problem).
    ValueError
        Errors of the stages themselves (including ``IndexWeightsError``).
    """
    return _run(data, tree, full_config(config))


def _run(data: pl.DataFrame, tree: IndexTree, cfg: Mapping[str, Any]) -> dict[str, pl.DataFrame]:
    codes = list(tree.indicator_codes)
    out: dict[str, pl.DataFrame] = {"Raw": data}
    out["Denominated"] = denominate(data, tree) if cfg["denominate"] else data
    i = cfg["impute"]
    out["Imputed"] = impute(out["Denominated"], codes, **i) if i else out["Denominated"]
    s = cfg["screen"]
    out["Screened"] = screen(out["Imputed"], codes, **s) if s else out["Imputed"]
    out["Treated"], out["TreatSummary"] = _treat(out["Screened"], codes, cfg["treat"])
    settings = normalise_settings(cfg, tree)
    logged = out["TreatSummary"].filter(pl.col("log"))["code"].to_list()
    refuse_log_units(settings.get("method", "minmax"), logged)
    out["Normalised"] = normalise(out["Treated"], tree.directions(), **settings)
    agg = dict(cfg["aggregate"] or {})
    weights = resolve_weights(tree, cfg["weights"], _scores(out["Normalised"], tree, agg))
    out["Weights"] = weights_frame(tree, weights)
    out["Aggregated"] = aggregate(out["Normalised"], tree, **agg, weights=weights)
    scored = [*codes, *tree.aggregate_codes]
    table = out["Aggregated"].select(cfg["unit"], *scored)
    out["Ranks"] = ranks(table, scored, cfg["rank_decimals"])
    return out


def normalise_settings(cfg: Mapping[str, Any], tree: IndexTree) -> dict[str, Any]:
    """The ``normalise`` section with the metadata targets as the default ``targets``."""
    settings = dict(cfg["normalise"] or {"method": "minmax"})
    settings.setdefault("targets", tree.targets())
    return settings


def weights_frame(tree: IndexTree, weights: Mapping[str, float]) -> pl.DataFrame:
    """One row per element: ``code``, ``parent``, ``weight`` (as used), ``share`` (renormalised
    among its siblings) and ``effective`` (product of shares up the tree)."""
    share, effective = renormalise(tree, weights), effective_weights(tree, weights)
    parents = {i.code: i.parent for i in tree.indicators} | {
        a.code: a.parent for a in tree.aggregates
    }
    return pl.DataFrame(
        {
            "code": list(weights),
            "parent": [parents[c] for c in weights],
            "weight": [weights[c] for c in weights],
            "share": [share[c] for c in weights],
            "effective": [effective[c] for c in weights],
        },
        schema_overrides={"parent": pl.String},
    )


def _scores(normalised: pl.DataFrame, tree: IndexTree, agg: Mapping[str, Any]) -> Scores:
    codes = [*tree.indicator_codes, *tree.aggregate_codes]

    def scores(weights: Mapping[str, float]) -> dict[str, Vector]:
        frame = aggregate(normalised, tree, **agg, weights=weights)
        return {c: column(frame, c) for c in codes}

    return scores


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
