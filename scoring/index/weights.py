"""Weights: metadata, equal, expert, PCA-based and entropy; renormalisation; effective weights.

Weights are held as ``{code: weight}`` for every indicator and aggregate. Only ratios between
siblings matter: an aggregate is the weighted mean of its children with the weights divided by
their sum (``renormalise`` makes that explicit), and the *effective* weight of an element is the
product of the renormalised weights on its path to the top (COINr ``get_eff_weights``).
Methodology: index-methodology.md §1.2 step 6 ("weighting").

The configuration key ``weights`` chooses a set::

    weights: meta                      # the Weight column of iMeta (the default)
    weights: equal                     # every weight 1
    weights: {method: pca, levels: [1], negative: refuse}     # or negative: clip
    weights: {method: entropy, levels: [1, 2]}
    weights: {Conn: 2, Sust: 1}        # expert weights: override the given codes
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from scoring.index._frame import Vector
from scoring.index.meta import IndexTree
from scoring.index.pca import Matrix, pca

METHODS = ("meta", "equal", "pca", "entropy")
DATA_METHODS = ("pca", "entropy")
NEGATIVE = ("refuse", "clip")
Scores = Callable[[Mapping[str, float]], Mapping[str, Vector]]


class IndexWeightsError(ValueError):
    """The weights cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("; ".join(self.problems))


def equal_weights(tree: IndexTree) -> dict[str, float]:
    """Weight 1 for every indicator and aggregate (so 1/k for each of k siblings)."""
    return dict.fromkeys(tree.weights(), 1.0)


def expert_weights(tree: IndexTree, given: Mapping[str, Any]) -> dict[str, float]:
    """The metadata weights with the ``given`` codes overridden, after validation.

    Raises
    ------
    IndexWeightsError
        Unknown codes, values that are not finite numbers >= 0, or a parent whose children
        all have weight 0.
    """
    known = tree.weights()
    problems = [f"weights: unknown code {code!r}" for code in given if code not in known]
    for code, value in given.items():
        if not _is_weight(value):
            problems.append(f"weights: {code} must be a number >= 0, got {value!r}")
    if problems:
        raise IndexWeightsError(problems)
    out = {**known, **{code: float(value) for code, value in given.items()}}
    problems = [f"weights: every child of {p} has weight 0" for p in _zero_groups(tree, out)]
    if problems:
        raise IndexWeightsError(problems)
    return out


def renormalise(tree: IndexTree, weights: Mapping[str, float]) -> dict[str, float]:
    r"""Weights divided by the sum over their siblings, :math:`\tilde w_j = w_j / \sum_{k \in
    \mathrm{sib}(j)} w_k`; the top element (no parent) gets 1. A zero-sum group stays 0."""
    out: dict[str, float] = dict.fromkeys(_roots(tree), 1.0)
    for parent in tree.aggregate_codes:
        kids = tree.children(parent)
        total = sum(weights[k] for k in kids)
        out.update({k: weights[k] / total if total > 0 else 0.0 for k in kids})
    return out


def effective_weights(tree: IndexTree, weights: Mapping[str, float]) -> dict[str, float]:
    r"""Effective weight of every element: the product of renormalised weights up the tree.

    :math:`w^{eff}_j = \prod_{a \in \mathrm{path}(j)} \tilde w_a` (e.g. ASEM Goods:
    1/5 · 1/5 · 1/2 = 0.02). Methodology: index-methodology.md §1.2 ("effective weight").
    """
    norm = renormalise(tree, weights)
    parent_of = {i.code: i.parent for i in tree.indicators}
    parent_of.update({a.code: a.parent for a in tree.aggregates})
    out: dict[str, float] = {}
    for code in norm:
        value, up = norm[code], parent_of.get(code)
        while up is not None:
            value, up = value * norm[up], parent_of.get(up)
        out[code] = value
    return out


def pca_weights(values: Matrix, codes: Sequence[str], negative: str = "refuse") -> dict[str, float]:
    r"""PC1 loadings of a group of siblings as their weights (COINr ``get_PCA``).

    :math:`w_j = v_{1j}`, the first eigenvector of the correlation matrix of the complete rows
    (see ``scoring.index.pca.pca``), its sign chosen so that :math:`\sum_j v_{1j} \ge 0`.
    A negative loading means the element pulls against the group's main direction; it is
    refused (``negative="refuse"``, the default) or set to 0 (``"clip"``).
    Methodology: index-methodology.md §1.2 step 6 and §2.4 gotcha 6.

    Raises
    ------
    IndexWeightsError
        Negative loadings with ``negative="refuse"``, or every loading <= 0.
    """
    if len(codes) == 1:
        return {codes[0]: 1.0}
    first = pca(values, codes).loadings[:, 0]
    bad = [f"{c} {v:.3f}" for c, v in zip(codes, first, strict=True) if v < 0]
    if bad and negative == "refuse":
        raise IndexWeightsError([f"weights: negative PC1 loadings ({', '.join(bad)})"])
    first = np.clip(first, 0.0, None)
    if not first.any():
        raise IndexWeightsError([f"weights: no positive PC1 loading in {', '.join(codes)}"])
    return {c: float(v) for c, v in zip(codes, first, strict=True)}


def entropy_weights(values: Matrix, codes: Sequence[str]) -> dict[str, float]:
    r"""Entropy weights of a group of siblings (units x codes, values >= 0, NaN skipped).

    .. math::
        p_{ij} = x_{ij} / \sum_i x_{ij}, \quad
        e_j = -\frac{1}{\ln n_j} \sum_i p_{ij} \ln p_{ij}, \quad
        w_j = \frac{1 - e_j}{\sum_k (1 - e_k)}

    with :math:`0 \ln 0 = 0` and :math:`n_j` the present values of column j. Equal weights
    when every column has maximal entropy. Methodology: index-methodology.md §1.2 step 6.

    Raises
    ------
    IndexWeightsError
        Negative values, fewer than 2 values or an all-zero column.
    """
    if np.nanmin(values) < 0:
        raise IndexWeightsError([f"weights: entropy needs values >= 0 ({', '.join(codes)})"])
    n = (~np.isnan(values)).sum(axis=0)
    totals = np.nansum(values, axis=0)
    if (n < 2).any() or (totals == 0).any():
        raise IndexWeightsError([f"weights: entropy needs 2+ non-zero values ({', '.join(codes)})"])
    p = np.nan_to_num(values / totals)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    diversity = 1.0 + plogp.sum(axis=0) / np.log(n)
    if diversity.sum() <= 0:
        return dict.fromkeys(codes, 1.0 / len(codes))
    return {c: float(v) for c, v in zip(codes, diversity / diversity.sum(), strict=True)}


def resolve_weights(tree: IndexTree, spec: Any, scores: Scores) -> dict[str, float]:
    """The weight set chosen by the configuration's ``weights`` value (see the module text).

    ``scores(weights)`` returns every element's scores (normalised indicators and aggregates
    computed with ``weights``); data-driven methods call it once per level of parents.

    Raises
    ------
    IndexWeightsError
        An invalid specification or weights that cannot be used.
    """
    problems = spec_problems(spec)
    if problems:
        raise IndexWeightsError(problems)
    method, options = parse_spec(spec)
    if method == "meta":
        return tree.weights()
    if method == "equal":
        return equal_weights(tree)
    if method == "expert":
        return expert_weights(tree, options)
    return _data_weights(tree, method, options, scores)


def parse_spec(spec: Any) -> tuple[str, dict[str, Any]]:
    """(method, options) of a ``weights`` value; a plain mapping is ``("expert", mapping)``."""
    if spec is None:
        return "meta", {}
    if isinstance(spec, str):
        return spec, {}
    if "method" in spec:
        return str(spec["method"]), {k: v for k, v in spec.items() if k != "method"}
    return "expert", dict(spec)


def spec_problems(spec: Any) -> list[str]:
    """Problems of a ``weights`` value that can be found without the tree."""
    if spec is None or (isinstance(spec, str) and spec in METHODS):
        return []
    if isinstance(spec, str) or not isinstance(spec, Mapping):
        return [f"weights: use one of {METHODS} or a mapping of code to weight, got {spec!r}"]
    if "method" not in spec:
        return []
    method, options = parse_spec(spec)
    if method not in METHODS:
        return [f"weights: unknown method {method!r}; use one of {METHODS}"]
    allowed = ("levels", "negative") if method in DATA_METHODS else ()
    problems = [f"weights: unknown setting {k!r} for {method}" for k in options if k not in allowed]
    if options.get("negative", "refuse") not in NEGATIVE:
        problems.append(f"weights.negative: use one of {NEGATIVE}")
    levels = options.get("levels", [])
    if not isinstance(levels, list | tuple) or not all(isinstance(v, int) for v in levels):
        problems.append("weights.levels: expected a list of whole numbers")
    return problems


def _data_weights(
    tree: IndexTree, method: str, options: Mapping[str, Any], scores: Scores
) -> dict[str, float]:
    levels = set(options.get("levels") or _child_levels(tree))
    weights = tree.weights()
    for level in sorted({a.level for a in tree.aggregates}):
        parents = [
            a.code for a in tree.aggregates_at(level) if _child_levels(tree, a.code) & levels
        ]
        if not parents:
            continue
        current = scores(weights)
        for parent in parents:
            kids = tree.children(parent)
            values = np.column_stack([current[k] for k in kids])
            if method == "pca":
                weights.update(pca_weights(values, kids, options.get("negative", "refuse")))
            else:
                weights.update(entropy_weights(values, kids))
    return weights


def _child_levels(tree: IndexTree, parent: str | None = None) -> set[int]:
    level = {i.code: 1 for i in tree.indicators} | {a.code: a.level for a in tree.aggregates}
    if parent is not None:
        return {level[k] for k in tree.children(parent)}
    return {level[a.code] for a in tree.aggregates if a.parent is not None} | {1}


def _roots(tree: IndexTree) -> list[str]:
    return [a.code for a in tree.aggregates if a.parent is None]


def _zero_groups(tree: IndexTree, weights: Mapping[str, float]) -> list[str]:
    return [p for p in tree.aggregate_codes if sum(weights[k] for k in tree.children(p)) <= 0]


def _is_weight(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(float(value)) and value >= 0
