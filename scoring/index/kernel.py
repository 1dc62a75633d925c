"""Vectorised kernel for many rebuilds of one index (uncertainty analysis, removing elements).

``run_pipeline`` builds a Polars frame per stage; rebuilding it hundreds of times costs
hundreds of times as much. The kernel keeps every stage as a NumPy matrix (units x
indicators), computes a stage once per distinct configuration of the stages up to it (so
denominate/impute once, treat once per distinct ``treat`` section, normalise once per distinct
``normalise`` section) and aggregates many weight sets at once with matrix products
(``level_means``). The stage functions are the pipeline's own (``treat_vector``,
``normalise_values``, ``level_means``), so its nominal result equals ``run_pipeline``'s
(tested at 1e-9 on ASEM).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from scoring.index._frame import Vector, column
from scoring.index.aggregate import Array, level_means
from scoring.index.config import full_config
from scoring.index.denominate import denominate
from scoring.index.impute import impute
from scoring.index.meta import IndexTree
from scoring.index.normalise import Matrix, normalise_values, refuse_log_units
from scoring.index.pipeline import normalise_settings
from scoring.index.screen import screen
from scoring.index.treat import treat_vector
from scoring.index.weights import resolve_weights

IntVector = npt.NDArray[np.intp]
CHUNK = 128  # runs aggregated together: bounds memory at CHUNK x units x elements


@dataclass(frozen=True)
class LevelStep:
    """One level of aggregates: their positions, their children's, and who is whose child."""

    parents: IntVector
    children: IntVector
    incidence: Matrix  # children x parents, 1 where the child belongs to the parent


@dataclass(frozen=True)
class TreeLayout:
    """Positions of the elements (indicators first, then aggregates lowest level first)."""

    codes: tuple[str, ...]
    n_indicators: int
    steps: tuple[LevelStep, ...]

    def position(self, code: str) -> int:
        """Column of ``code`` in the kernel's score arrays."""
        return self.codes.index(code)

    def vector(self, weights: Mapping[str, float]) -> Vector:
        """A ``{code: weight}`` mapping as a vector in layout order."""
        return np.array([weights[c] for c in self.codes], dtype=np.float64)


def tree_layout(tree: IndexTree) -> TreeLayout:
    """The layout of ``tree``: one ``LevelStep`` per aggregate level, lowest first."""
    codes = (*tree.indicator_codes, *tree.aggregate_codes)
    where = {c: n for n, c in enumerate(codes)}
    steps = []
    for level in sorted({a.level for a in tree.aggregates}):
        parents = tree.aggregates_at(level)
        kids = sorted({where[k] for a in parents for k in tree.children(a.code)})
        incidence = np.zeros((len(kids), len(parents)))
        for p, agg in enumerate(parents):
            incidence[[kids.index(where[k]) for k in tree.children(agg.code)], p] = 1.0
        steps.append(
            LevelStep(np.array([where[a.code] for a in parents]), np.array(kids), incidence)
        )
    return TreeLayout(codes, len(tree.indicators), tuple(steps))


def aggregate_runs(
    x: Matrix,
    weights: Matrix,
    layout: TreeLayout,
    method: str = "arithmetic",
    dat_thresh: float | None = None,
) -> Array:
    r"""Scores of every element for many weight sets: (runs, units, elements).

    ``x`` is units x indicators (normalised), ``weights`` runs x elements (layout order).
    Each aggregate is ``weighted_mean`` of its children (NaN skipped, weights renormalised
    over the present children); with ``dat_thresh`` it is NaN where the share of present
    children is below the threshold. Methodology: index-methodology.md §1.2 step 7.
    """
    runs, units = weights.shape[0], x.shape[0]
    scores = np.empty((runs, units, len(layout.codes)))
    scores[:, :, : layout.n_indicators] = x
    for step in layout.steps:
        shared = bool(step.children.max() < layout.n_indicators)
        kids = x[:, step.children] if shared else scores[:, :, step.children]
        w = weights[:, step.children, np.newaxis] * step.incidence
        out = level_means(kids, w, method)
        if dat_thresh is not None:
            share = (~np.isnan(kids)).astype(np.float64) @ step.incidence
            out = np.where(share / step.incidence.sum(axis=0) < dat_thresh, np.nan, out)
        scores[:, :, step.parents] = out
    return scores


def rank_rows(scores: Array, decimals: int | None = None) -> Array:
    """Descending ranks within each row (1 = highest), ties "min", NaN kept (as ``ranks``)."""
    s = -(np.round(scores, decimals) if decimals is not None else scores)
    order = np.argsort(s, axis=1, kind="stable")
    ordered = np.take_along_axis(s, order, axis=1)
    new = np.ones(ordered.shape, dtype=bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    start = np.maximum.accumulate(np.where(new, np.arange(s.shape[1]), 0), axis=1)
    out = np.empty(s.shape)
    np.put_along_axis(out, order, start + 1.0, axis=1)
    return np.asarray(np.where(np.isnan(s), np.nan, out), dtype=np.float64)


class IndexKernel:
    """The stages of one index as cached matrices; ``config`` is the nominal configuration.

    Methods take a *full* configuration (``config.merge`` of the nominal one with an
    override, validated by ``full_config``) and cache each stage under the sections that
    determine it.
    """

    def __init__(self, data: pl.DataFrame, tree: IndexTree, config: Mapping[str, Any]) -> None:
        self.data, self.tree = data, tree
        self.config = full_config(config)
        self.layout = tree_layout(tree)
        self._cache: dict[tuple[str, str], Any] = {}
        self.units: list[str] = self._prepared(self.config)[0]

    def normalised(self, cfg: Mapping[str, Any]) -> Matrix:
        """Normalised indicators, units x indicators."""
        key = (
            "normalised",
            _key(cfg, "unit", "denominate", "impute", "screen", "treat", "normalise"),
        )
        if key not in self._cache:
            settings = normalise_settings(cfg, self.tree)
            codes, directions = self.tree.indicator_codes, self.tree.directions()
            treated, logged = self._treated(cfg)
            refuse_log_units(settings.get("method", "minmax"), logged)
            self._cache[key] = normalise_values(treated, codes, directions, **settings)
        return self._cache[key]  # type: ignore[no-any-return]

    def weights(self, cfg: Mapping[str, Any]) -> Vector:
        """The weight set of ``cfg`` (``resolve_weights``) in layout order."""
        sections = ("unit", "denominate", "impute", "screen", "treat", "normalise", "weights")
        key = ("weights", _key(cfg, *sections, "aggregate"))
        if key not in self._cache:
            x, agg = self.normalised(cfg), _aggregation(cfg)

            def scores(w: Mapping[str, float]) -> dict[str, Vector]:
                out = aggregate_runs(x, self.layout.vector(w)[np.newaxis], self.layout, *agg)
                return {c: out[0, :, n] for n, c in enumerate(self.layout.codes)}

            chosen = resolve_weights(self.tree, cfg["weights"], scores)
            self._cache[key] = self.layout.vector(chosen)
        return self._cache[key]  # type: ignore[no-any-return]

    def scores(self, cfg: Mapping[str, Any], weights: Matrix, node: str) -> Matrix:
        """Scores of ``node`` for each weight set (row of ``weights``): runs x units."""
        x, (method, dat_thresh) = self.normalised(cfg), _aggregation(cfg)
        if method != "arithmetic" and bool(np.nanmin(x, initial=0.0) < 0):
            raise ValueError(f"the {method} mean needs values >= 0")
        at = self.layout.position(node)
        parts = [
            aggregate_runs(x, weights[i : i + CHUNK], self.layout, method, dat_thresh)[:, :, at]
            for i in range(0, weights.shape[0], CHUNK)
        ]
        return np.concatenate(parts, axis=0) if parts else np.empty((0, len(self.units)))

    def nominal(self) -> Array:
        """Every element's nominal scores, units x elements (equals ``run_pipeline``)."""
        w = self.weights(self.config)[np.newaxis]
        method, dat_thresh = _aggregation(self.config)
        scores = aggregate_runs(self.normalised(self.config), w, self.layout, method, dat_thresh)
        return np.asarray(scores[0], dtype=np.float64)

    def _prepared(self, cfg: Mapping[str, Any]) -> tuple[list[str], Matrix]:
        key = ("prepared", _key(cfg, "unit", "denominate", "impute", "screen"))
        if key not in self._cache:
            codes = list(self.tree.indicator_codes)
            frame = denominate(self.data, self.tree) if cfg["denominate"] else self.data
            frame = impute(frame, codes, **cfg["impute"]) if cfg["impute"] else frame
            frame = screen(frame, codes, **cfg["screen"]) if cfg["screen"] else frame
            units = frame[cfg["unit"]].cast(pl.String).to_list()
            if hasattr(self, "units") and units != self.units:
                raise ValueError("an uncertain input changes the set of units (screening)")
            self._cache[key] = (units, np.column_stack([column(frame, c) for c in codes]))
        return self._cache[key]  # type: ignore[no-any-return]

    def _treated(self, cfg: Mapping[str, Any]) -> tuple[Matrix, list[str]]:
        """Treated indicators and the codes that the log fallback transformed."""
        key = ("treated", _key(cfg, "unit", "denominate", "impute", "screen", "treat"))
        if key not in self._cache:
            x, spec, logged = self._prepared(cfg)[1], cfg["treat"], []
            if spec:
                limits = (spec.get("winmax", 5), spec.get("skew", 2.0), spec.get("kurt", 3.5))
                treated = [treat_vector(x[:, j], *limits) for j in range(x.shape[1])]
                x = np.column_stack([t[0] for t in treated])
                codes = self.tree.indicator_codes
                logged = [c for c, t in zip(codes, treated, strict=True) if t[3]]
            self._cache[key] = (x, logged)
        return self._cache[key]  # type: ignore[no-any-return]


def _aggregation(cfg: Mapping[str, Any]) -> tuple[str, float | None]:
    agg = cfg["aggregate"] or {}
    return str(agg.get("method", "arithmetic")), agg.get("dat_thresh")


def _key(cfg: Mapping[str, Any], *sections: str) -> str:
    return json.dumps([cfg.get(s) for s in sections], sort_keys=True, default=str)


def stack_weights(rows: Sequence[Vector]) -> Matrix:
    """Weight vectors as a runs x elements matrix."""
    return np.vstack(rows) if rows else np.empty((0, 0))
