"""Uncertainty and sensitivity analysis: Monte Carlo over method choices (COINr style).

Each uncertain input is either a list of discrete alternatives (partial pipeline-config
overrides, e.g. ``{"treat": {"winmax": 3}}``) or a weight noise (each weight times
:math:`1 + U(-x, x)`, then renormalised among its siblings by the weighted mean). A run draws
one value of every input and rebuilds the index with the vectorised kernel
(``scoring.index.kernel``), never the per-stage pipeline.

Designs (Saisana, Saltelli & Tarantola 2005; COINr ``get_sensitivity``):

- uncertainty only: N runs, every input drawn uniformly;
- sensitivity: uniform matrices A and B (N rows each), N(d + 2) runs: A, B, then for each
  input i the rows of A with input i taken from B; a uniform u picks alternative
  :math:`\\lfloor u k \\rfloor` of k. The output per run is the mean absolute rank shift
  against the nominal ranks, from which ``sobol_indices`` gives Si (Saltelli 2010) and STi
  (Jansen).

Methodology: index-methodology.md §1.2 step 8.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from scoring.index.config import full_config, merge
from scoring.index.kernel import IndexKernel, rank_rows
from scoring.index.meta import IndexTree
from scoring.index.normalise import Matrix
from scoring.index.sensitivity import mean_rank_shift, sobol_indices

IntMatrix = npt.NDArray[np.intp]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class UncertainInput:
    """One uncertain input: discrete ``alternatives`` or a ``weight_noise`` (0.25 = ±25 %).

    ``levels`` limits the noise to the weights of elements at those levels (1 = indicators);
    by default every weight is noisy.
    """

    name: str
    alternatives: tuple[Mapping[str, Any], ...] = ()
    weight_noise: float | None = None
    levels: tuple[int, ...] | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class UncertaintyResult:
    """Scores and ranks of ``node`` per run (runs x units) and their summaries."""

    units: list[str]
    node: str
    nominal_scores: np.ndarray
    nominal_ranks: np.ndarray
    scores: np.ndarray
    ranks: np.ndarray
    rank_stats: pl.DataFrame
    sobol: pl.DataFrame | None


@dataclass(frozen=True)
class Design:
    """The runs: ``choices[r, i]`` is run r's alternative of input i (0 for a noise input),
    ``noise[i]`` is runs x elements weight multipliers of input i (``None`` when discrete)."""

    choices: IntMatrix
    noise: tuple[Matrix | None, ...]


def uncertainty_analysis(
    data: pl.DataFrame,
    tree: IndexTree,
    config: Mapping[str, Any],
    inputs: Sequence[UncertainInput],
    *,
    n: int,
    seed: int = 0,
    sensitivity: bool = False,
    node: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    rank_decimals: int | None = None,
) -> UncertaintyResult:
    """Run the Monte Carlo and summarise the ranks of ``node`` (default: the top aggregate).

    Parameters
    ----------
    data, tree, config
        As for ``run_pipeline``; ``config`` is the nominal configuration.
    inputs : sequence of UncertainInput
    n : int
        Base sample size N: N runs, or N(d + 2) with ``sensitivity``.
    seed : int
        Seed of the NumPy ``Generator``; the same seed gives the same runs.
    sensitivity : bool
        Use the A/B design and return Sobol indices (``sobol``: input, Si, STi).
    progress : callable, optional
        Called as ``progress(done_runs, total_runs)`` after each batch.
    rank_decimals : int, optional
        Round scores before ranking. By default the unrounded scores are ranked, as COINr's
        analyses do (the configuration's ``rank_decimals`` is for the published table).

    Returns
    -------
    UncertaintyResult
        ``rank_stats`` summarises all runs, or with ``sensitivity`` the 2N runs of A and B
        (the random sample; the A_B^i blocks re-use its rows), as COINr does.

    Raises
    ------
    ValueError
        Invalid inputs or an override that makes an invalid configuration.
    """
    _check_inputs(inputs, n)
    kernel = IndexKernel(data, tree, config)
    target = node or tree.aggregates[-1].code
    if target not in kernel.layout.codes:
        raise ValueError(f"unknown node {target!r}")
    nominal_scores = kernel.nominal()[:, kernel.layout.position(target)]
    nominal_ranks = rank_rows(nominal_scores[np.newaxis], rank_decimals)[0]
    rng = np.random.default_rng(seed)
    design = sample_design(kernel, inputs, n, rng, sensitivity)
    scores = run_design(kernel, inputs, design, target, progress)
    ranks = rank_rows(scores, rank_decimals)
    sobol = _sobol(ranks, nominal_ranks, n, inputs) if sensitivity else None
    stats = rank_statistics(kernel.units, nominal_ranks, ranks[: 2 * n] if sensitivity else ranks)
    return UncertaintyResult(
        kernel.units, target, nominal_scores, nominal_ranks, scores, ranks, stats, sobol
    )


def rank_statistics(units: Sequence[str], nominal: np.ndarray, ranks: np.ndarray) -> pl.DataFrame:
    """Per unit: nominal rank, mean, median, 5 % and 95 % quantiles (R type 7) over runs.

    Runs where a unit has no score are skipped; a unit never scored gets NaN (no warning).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: NaN is the answer
        q05, median, q95 = np.nanquantile(ranks, [0.05, 0.5, 0.95], axis=0)
        mean = np.nanmean(ranks, axis=0)
    return pl.DataFrame(
        {
            "unit": list(units),
            "nominal": nominal,
            "mean": mean,
            "median": median,
            "q05": q05,
            "q95": q95,
        }
    )


def run_design(
    kernel: IndexKernel,
    inputs: Sequence[UncertainInput],
    design: Design,
    node: str,
    progress: Progress | None = None,
) -> Matrix:
    """Scores of ``node`` for every run of ``design`` (runs x units), in batches of runs that
    share every stage before aggregation."""
    total = design.choices.shape[0]
    scores = np.empty((total, len(kernel.units)))
    done = 0
    for cfg, rows in _batches(kernel, inputs, design.choices):
        weights = np.tile(kernel.weights(cfg), (rows.size, 1))
        for noise in design.noise:
            if noise is not None:
                weights *= noise[rows]
        scores[rows] = kernel.scores(cfg, weights, node)
        done += rows.size
        if progress is not None:
            progress(done, total)
    return scores


def _batches(
    kernel: IndexKernel, inputs: Sequence[UncertainInput], choices: IntMatrix
) -> list[tuple[dict[str, Any], np.ndarray]]:
    combos, where = np.unique(choices, axis=0, return_inverse=True)
    groups: dict[str, tuple[dict[str, Any], list[np.ndarray]]] = {}
    for c, combo in enumerate(combos):
        cfg = _config(kernel.config, inputs, combo)
        key = json.dumps(cfg, sort_keys=True, default=str)
        groups.setdefault(key, (cfg, []))[1].append(np.flatnonzero(where.ravel() == c))
    return [(cfg, np.concatenate(rows)) for cfg, rows in groups.values()]


def _config(
    nominal: Mapping[str, Any], inputs: Sequence[UncertainInput], combo: np.ndarray
) -> dict[str, Any]:
    cfg = dict(nominal)
    for spec, choice in zip(inputs, combo, strict=True):
        if spec.alternatives:
            cfg = merge(cfg, spec.alternatives[int(choice)])
    return full_config(cfg)


def sample_design(
    kernel: IndexKernel,
    inputs: Sequence[UncertainInput],
    n: int,
    rng: np.random.Generator,
    sensitivity: bool,
) -> Design:
    """The runs: N uniform draws, or with ``sensitivity`` the A, B, A_B^i blocks (N(d + 2))."""
    a, b = rng.random((n, len(inputs))), rng.random((n, len(inputs)))
    noise_a = [_noise(kernel, spec, n, rng) for spec in inputs]
    noise_b = [_noise(kernel, spec, n, rng) for spec in inputs]
    if not sensitivity:
        return Design(_pick(a, inputs), tuple(noise_a))
    d = len(inputs)
    blocks = [a, b, *(np.where(np.arange(d) == i, b, a) for i in range(d))]
    noise = tuple(_noise_blocks(noise_a[j], noise_b[j], j, d) for j in range(d))
    return Design(_pick(np.vstack(blocks), inputs), noise)


def _noise_blocks(a: Matrix | None, b: Matrix | None, j: int, d: int) -> Matrix | None:
    """Input j's noise in the A/B layout: A, B, then A in every block but its own (B)."""
    if a is None or b is None:
        return None
    return np.vstack([a, b, *(b if i == j else a for i in range(d))])


def _pick(u: Matrix, inputs: Sequence[UncertainInput]) -> IntMatrix:
    sizes = np.array([max(1, len(spec.alternatives)) for spec in inputs])
    picked: IntMatrix = np.minimum(np.floor(u * sizes), sizes - 1).astype(np.intp)
    return picked


def _noise(
    kernel: IndexKernel, spec: UncertainInput, n: int, rng: np.random.Generator
) -> Matrix | None:
    if spec.weight_noise is None:
        return None
    level = {i.code: 1 for i in kernel.tree.indicators}
    level.update({a.code: a.level for a in kernel.tree.aggregates})
    noisy = np.array([spec.levels is None or level[c] in spec.levels for c in kernel.layout.codes])
    draws = rng.uniform(-spec.weight_noise, spec.weight_noise, (n, noisy.size))
    return np.asarray(1.0 + np.where(noisy, draws, 0.0), dtype=np.float64)


def _sobol(
    ranks: Matrix, nominal: np.ndarray, n: int, inputs: Sequence[UncertainInput]
) -> pl.DataFrame:
    y = mean_rank_shift(ranks.T, nominal)
    table = sobol_indices(y, n, [spec.name for spec in inputs])
    return table.rename({"Variable": "input"})


def _check_inputs(inputs: Sequence[UncertainInput], n: int) -> None:
    problems = [] if n >= 2 else ["n must be at least 2"]
    if not inputs:
        problems.append("no uncertain inputs")
    names = [spec.name for spec in inputs]
    problems += [
        f"duplicate input name {m!r}" for m in sorted({m for m in names if names.count(m) > 1})
    ]
    for spec in inputs:
        if bool(spec.alternatives) == (spec.weight_noise is not None):
            problems.append(f"{spec.name}: give either alternatives or weight_noise")
        elif spec.weight_noise is not None and not 0 <= spec.weight_noise < 1:
            problems.append(f"{spec.name}: weight_noise must be in [0, 1)")
    if problems:
        raise ValueError("; ".join(problems))


def remove_elements(
    data: pl.DataFrame,
    tree: IndexTree,
    config: Mapping[str, Any],
    *,
    level: int,
    node: str | None = None,
) -> pl.DataFrame:
    r"""Mean absolute rank change of ``node`` when each element of ``level`` is dropped.

    Dropping an element sets its weight to 0, so its parent is the weighted mean of the
    remaining children: :math:`\Delta_e = \frac1U \sum_u |R_u^{(-e)} - R_u|`
    (COINr ``remove_elements``; ranks of the unrounded scores). Returns ``element``,
    ``mean_abs_rank_change``.
    """
    kernel = IndexKernel(data, tree, config)
    target = node or tree.aggregates[-1].code
    codes = (
        [i.code for i in tree.indicators]
        if level == 1
        else [a.code for a in tree.aggregates_at(level)]
    )
    if not codes:
        raise ValueError(f"no elements at level {level}")
    base = kernel.weights(kernel.config)
    weights = np.tile(base, (len(codes), 1))
    for row, code in enumerate(codes):
        weights[row, kernel.layout.position(code)] = 0.0
    nominal = rank_rows(kernel.nominal()[:, kernel.layout.position(target)][np.newaxis])
    dropped = rank_rows(kernel.scores(kernel.config, weights, target))
    change = np.nanmean(np.abs(dropped - nominal), axis=1)
    return pl.DataFrame({"element": codes, "mean_abs_rank_change": change})
