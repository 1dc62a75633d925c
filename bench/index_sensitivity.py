"""Benchmark: the COINr ASEM sensitivity analysis (4 uncertain inputs, N = 100, N(d + 2) = 600
index rebuilds; goal ≤ 2 s on 2 cores) and a platform-size uncertainty analysis (200 units,
20 indicators, 1,000 runs; goal a few seconds).

All figures come from one run on one machine, so their ratios hold however noisy it is:

(a) baseline: one `run_pipeline` call on the ASEM data (the Polars per-stage pipeline, what a
    naive Monte Carlo would repeat for every run);
(b) the ASEM sensitivity analysis through `uncertainty_analysis` (the vectorised kernel), median
    of several repeats: total seconds, ms per rebuild, and how many single pipeline runs (a)
    the 600 rebuilds cost;
(c) the same for a synthetic platform index (200 units × 20 indicators, 1,000 runs).

Before timing, the kernel's nominal index is checked against `run_pipeline` (1e-9). COINr itself
needs about 47 s for (b) on a 2-core machine (about 75 ms per rebuild; issue #5). Nothing
touches a database.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from scoring.index import (
    IndexKernel,
    IndexTree,
    UncertainInput,
    read_meta,
    read_meta_csv,
    run_pipeline,
    uncertainty_analysis,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scoring" / "tests" / "data" / "coinr_asem"
FIGURES = ROOT / "figures" / "bench_index_sensitivity.json"
REPEATS = int(os.environ.get("BENCH_INDEX_REPEATS", "7"))
GOAL_ASEM_SECONDS = 2.0
GOAL_PLATFORM_SECONDS = 5.0
COINR_ASEM_SECONDS = 47.0
ASEM_CONFIG: dict[str, Any] = {
    "impute": {"method": "mean", "by": "EurAsia_group"},
    "screen": {"threshold": 0.9},
    "treat": {"winmax": 5, "skew": 2.0, "kurt": 3.5},
    "normalise": {"method": "minmax", "lower": 0.0, "upper": 100.0},
    "aggregate": {"method": "arithmetic"},
}
INPUTS = (
    UncertainInput("Winmax", tuple({"treat": {"winmax": k}} for k in range(1, 6))),
    UncertainInput(
        "Normalisation",
        (
            {"normalise": {"method": "minmax", "lower": 1, "upper": 100}},
            {"normalise": {"method": "zscore", "mean": 10, "sd": 2}},
        ),
    ),
    UncertainInput("Weights", weight_noise=0.25, levels=(2, 3)),
    UncertainInput(
        "Aggregation",
        ({"aggregate": {"method": "arithmetic"}}, {"aggregate": {"method": "geometric"}}),
    ),
)


def median_seconds(repeats: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def platform_case(units: int = 200, seed: int = 2025) -> tuple[pl.DataFrame, IndexTree]:
    """200 units in 13 groups, 20 skewed indicators (5 % missing) in 5 pillars, 2 sub-indices."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[int | None, str, int | None, float | None, str | None, str]] = [
        (1, f"i{k}", 1 if k % 5 else -1, 1.0, f"P{k // 4}", "Indicator") for k in range(20)
    ]
    rows += [(2, f"P{p}", None, 1.0, "A" if p < 3 else "B", "Aggregate") for p in range(5)]
    rows += [(3, "A", None, 1.0, "Top", "Aggregate"), (3, "B", None, 1.0, "Top", "Aggregate")]
    rows += [(4, "Top", None, 1.0, None, "Aggregate"), (None, "city", None, None, None, "Group")]
    columns = ("Level", "iCode", "Direction", "Weight", "Parent", "Type")
    tree = read_meta(pl.DataFrame([dict(zip(columns, r, strict=True)) for r in rows]))
    values = rng.lognormal(mean=1.0, sigma=0.8, size=(units, 20))
    values[rng.random((units, 20)) < 0.05] = np.nan
    frame = pl.DataFrame({f"i{k}": values[:, k] for k in range(20)})
    ids = pl.DataFrame(
        {
            "uCode": [f"U{u:03d}" for u in range(units)],
            "city": rng.integers(0, 13, units).astype(str),
        }
    )
    return pl.concat([ids, frame], how="horizontal"), tree


def check_kernel(data: pl.DataFrame, tree: IndexTree, config: dict[str, Any]) -> None:
    """The kernel's nominal top aggregate equals the per-stage pipeline's (or stop)."""
    top = tree.aggregates[-1].code
    stages = run_pipeline(data, tree, config)
    kernel = IndexKernel(data, tree, config)
    mine = kernel.nominal()[:, kernel.layout.position(top)]
    assert np.allclose(mine, stages["Aggregated"][top].to_numpy(), rtol=0, atol=1e-9)


def asem_figures() -> dict[str, Any]:
    tree = read_meta_csv(str(DATA / "ASEM_iMeta.csv"))
    data = pl.read_csv(DATA / "ASEM_iData.csv", infer_schema_length=None)
    check_kernel(data, tree, ASEM_CONFIG)
    baseline = median_seconds(REPEATS, lambda: run_pipeline(data, tree, ASEM_CONFIG))
    result = uncertainty_analysis(data, tree, ASEM_CONFIG, INPUTS, n=100, seed=1, sensitivity=True)
    runs = int(result.ranks.shape[0])
    seconds = median_seconds(
        REPEATS,
        lambda: uncertainty_analysis(
            data, tree, ASEM_CONFIG, INPUTS, n=100, seed=1, sensitivity=True
        ),
    )
    return {
        "asem_runs": runs,
        "asem_pipeline_run_ms": round(baseline * 1000, 2),
        "asem_sa_seconds": round(seconds, 4),
        "asem_ms_per_rebuild": round(seconds / runs * 1000, 4),
        "asem_sa_cost_in_pipeline_runs": round(seconds / baseline, 2),
        "asem_speedup_over_pipeline_rebuilds": round(runs * baseline / seconds, 1),
        "asem_speedup_over_coinr_47s": round(COINR_ASEM_SECONDS / seconds, 1),
        "asem_sobol_STi": dict(
            zip(result.sobol["input"], [round(v, 3) for v in result.sobol["STi"]], strict=True)
        )
        if result.sobol is not None
        else {},
    }


def platform_figures() -> dict[str, Any]:
    data, tree = platform_case()
    config: dict[str, Any] = {"impute": {"method": "mean", "by": "city"}, "treat": {"winmax": 5}}
    check_kernel(data, tree, config)
    inputs = (
        UncertainInput("Winmax", tuple({"treat": {"winmax": k}} for k in (1, 3, 5))),
        INPUTS[1],
        UncertainInput("Weights", weight_noise=0.25),
        INPUTS[3],
    )
    runs = 1000
    baseline = median_seconds(REPEATS, lambda: run_pipeline(data, tree, config))
    seconds = median_seconds(
        max(3, REPEATS // 2),
        lambda: uncertainty_analysis(data, tree, config, inputs, n=runs, seed=1),
    )
    return {
        "platform_units": data.height,
        "platform_indicators": len(tree.indicators),
        "platform_runs": runs,
        "platform_pipeline_run_ms": round(baseline * 1000, 2),
        "platform_ua_seconds": round(seconds, 4),
        "platform_ms_per_rebuild": round(seconds / runs * 1000, 4),
        "platform_ua_cost_in_pipeline_runs": round(seconds / baseline, 2),
    }


def main() -> int:
    figures: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "repeats": REPEATS,
        **asem_figures(),
        **platform_figures(),
    }
    figures["goal_met"] = (
        figures["asem_sa_seconds"] <= GOAL_ASEM_SECONDS
        and figures["platform_ua_seconds"] <= GOAL_PLATFORM_SECONDS
    )
    for key, value in figures.items():
        print(f"{key:40} {value}")
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    print(f"figures written to {FIGURES.relative_to(ROOT)}")
    return 0 if figures["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
