"""Benchmark: the platform's development index for 60,000 synthetic enterprises at every unit level
(13 cities, 95 counties, 16 clusters, 50 chains) with a 1,000-run uncertainty and sensitivity
analysis (goal: ≤ 10 s on 2 cores).

The facts are built directly as Polars frames in the shapes the run exports from the database
(monitoring.coverage.CoverageFacts and the result node fractions), then go through the run's own
code path: monitoring.coverage.coverage_compute (the snapshot cells) and
devindex.compute.index_compute (unit indicators → pipeline → uncertainty analysis, N = 1,000
base runs, N(d + 2) = 5,000 index rebuilds per level with the Sobol design). No database.

All figures come from one run on one machine, so their ratio holds however noisy it is:
(a) the index from the facts and the snapshot (what `index_run_compute` does);
(b) (a) plus the coverage snapshot from the enterprise facts;
(c) the baseline: the same uncertainty analysis rebuilding the index with the per-stage
    pipeline (`scoring.index.run_pipeline`, one Polars frame per stage, as a straightforward port
    of COINr does), timed on a sample of runs per level and scaled to the full design.
`BENCH_INDEX_ENTERPRISES` and `BENCH_INDEX_RUNS` change the sizes.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from devindex.compute import IndexInputs, index_compute, indicator_table
from devindex.definition import (
    definition_tree,
    pipeline_config,
    uncertainty_settings,
    uncertainty_specs,
)
from monitoring.coverage import CoverageFacts, coverage_compute, frame
from monitoring.definitions import coverage_definition
from scoring.index import run_pipeline
from scoring.index.config import merge

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "figures" / "bench_platform_index.json"
DEFINITION = ROOT / "devindex" / "data" / "jsdi-2025.yaml"
ENTERPRISES = int(os.environ.get("BENCH_INDEX_ENTERPRISES", "60000"))
RUNS = int(os.environ.get("BENCH_INDEX_RUNS", "1000"))
BASELINE_SAMPLE = 20
SEED = 2025
YEAR = 2025
GOAL_SECONDS = 10.0
CITIES = [f"32{c:02d}" for c in range(1, 14)]
COUNTIES_PER_CITY = [8, 7, 7, 6, 10, 7, 6, 7, 9, 6, 7, 6, 9]  # 95 county-level units
CLUSTERS, CHAINS, INDUSTRIES = 16, 50, 31
SF_LEVELS = ("WORKSHOP", "BASIC", "ADVANCED", "EXCELLENT", "LEADING")
SME_LEVELS = ("L1", "L2", "L3", "L4")
# Models: (code, share of enterprises with a result, number of levels).
MODELS: tuple[tuple[str, float, int], ...] = (
    ("SF-JS", 0.45, 5),
    ("SME-DL", 0.30, 4),
    ("GEN-JS", 0.35, 2),
    ("AI-SCENE", 0.05, 4),
    ("ZERO-CARBON", 0.02, 3),
)
CATEGORIES = (
    ("above_scale", 0.80),
    ("innovative_sme", 0.20),
    ("specialised_sme", 0.08),
    ("little_giant", 0.01),
)


def synthetic_facts(n: int, rng: np.random.Generator) -> tuple[CoverageFacts, pl.DataFrame]:
    """A province of ``n`` enterprises: regions, industries, chains and clusters, categories,
    results of every model (two years, a city effect so ranks mean something) and the result
    node fractions the definition reads."""
    counties = [
        (f"{city}{k + 1:02d}", city)
        for city, count in zip(CITIES, COUNTIES_PER_CITY, strict=True)
        for k in range(count)
    ]
    pick = rng.integers(0, len(counties), n)
    ids = np.arange(1, n + 1)
    industries = [f"{13 + i:02d}00" for i in range(INDUSTRIES)]
    enterprises = pl.DataFrame(
        {
            "id": ids,
            "city": [counties[i][1] for i in pick],
            "county": [counties[i][0] for i in pick],
            "zone": [None] * n,
            "industry": [industries[i] for i in rng.integers(0, INDUSTRIES, n)],
        },
        schema=frame("enterprises").schema,
    )
    chains = frame("chains", [(f"chain-{c}", f"cluster-{c % CLUSTERS}") for c in range(CHAINS)])
    chain_industries = frame(
        "chain_industries",
        [
            (f"chain-{c}", industries[(c * 7 + k) % INDUSTRIES])
            for c in range(CHAINS)
            for k in (0, 1)
        ],
    )
    cluster_industries = frame(
        "cluster_industries",
        [(f"cluster-{c}", industries[(c * 2) % INDUSTRIES]) for c in range(CLUSTERS)],
    )
    links = rng.choice(ids, n // 50, replace=False)
    chain_links = frame(
        "chain_links",
        [
            (int(e), f"chain-{int(c)}")
            for e, c in zip(links, rng.integers(0, CHAINS, links.size), strict=True)
        ],
    )
    categories = pl.concat(
        [
            pl.DataFrame(
                {"enterprise_id": ids[rng.random(n) < share], "category": code, "year": YEAR},
                schema=frame("categories").schema,
            )
            for code, share in CATEGORIES
        ]
    )
    city_effect = {
        c: float(e) for c, e in zip(CITIES, rng.normal(0, 0.6, len(CITIES)), strict=True)
    }
    effect = np.array([city_effect[counties[i][1]] for i in pick])
    results, nodes, level_ranks = _results(ids, effect, rng)
    recognised = ids[rng.random(n) < 0.012]
    facts = CoverageFacts(
        province="32",
        enterprises=enterprises,
        categories=categories,
        chains=chains,
        chain_industries=chain_industries,
        chain_links=chain_links,
        cluster_industries=cluster_industries,
        results=results,
        sections=frame("sections"),
        reviews=frame("reviews"),
        level_ranks=level_ranks,
        recognitions=pl.DataFrame(
            {"enterprise_id": recognised, "type": "advanced_factory", "year": YEAR},
            schema=frame("recognitions").schema,
        ),
    )
    return facts, nodes


def _results(
    ids: np.ndarray, effect: np.ndarray, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    frames, level_rows = [], []
    next_id = 1
    for version, (code, share, levels) in enumerate(MODELS, start=1):
        names = SF_LEVELS if code == "SF-JS" else SME_LEVELS[:levels]
        level_rows += [(version, name, rank) for rank, name in enumerate(names, start=1)]
        for year in (YEAR - 1, YEAR):
            chosen = rng.random(ids.size) < share * (0.7 if year < YEAR else 1.0)
            m = int(chosen.sum())
            latent = effect[chosen] + rng.normal(0, 1, m)
            ranks = np.clip(np.floor(latent + 1.5), 0, levels).astype(np.int32)
            submitted = datetime(year, 6, 1, tzinfo=UTC)
            frames.append(
                pl.DataFrame(
                    {
                        "id": np.arange(next_id, next_id + m),
                        "enterprise_id": ids[chosen],
                        "framework": code,
                        "version_id": version,
                        "year": year,
                        "level_rank": ranks,
                        "submitted_at": submitted,
                        "kind": "self",
                    },
                    schema=frame("results").schema,
                )
            )
            next_id += m
    results = pl.concat(frames)
    return results, _nodes(results, effect, ids, rng), frame("level_ranks", level_rows)


def _nodes(
    results: pl.DataFrame, effect: np.ndarray, ids: np.ndarray, rng: np.random.Generator
) -> pl.DataFrame:
    """Node fractions of the GEN-JS results for the nodes the definition reads."""
    content = yaml.safe_load(DEFINITION.read_text(encoding="utf-8"))
    wanted = sorted(
        {
            ind["data"]["node"]
            for dim in content["dimensions"]
            for ind in dim["indicators"]
            if ind["data"]["kind"] == "result_mean"
        }
    )
    gen = results.filter(pl.col("framework") == "GEN-JS")
    by_id = dict(zip(ids.tolist(), effect.tolist(), strict=True))
    base = np.array([by_id[e] for e in gen["enterprise_id"].to_list()])
    parts = []
    for node in wanted:
        fraction = 1 / (1 + np.exp(-(base + rng.normal(0, 1, gen.height))))
        parts.append(pl.DataFrame({"assessment_id": gen["id"], "node": node, "fraction": fraction}))
    return pl.concat(parts)


def baseline_seconds(content: dict[str, Any], inputs: IndexInputs, runs: int) -> float:
    """Time of the same design (N(d + 2) runs per level) rebuilt with run_pipeline per run,
    measured on BASELINE_SAMPLE runs per level and scaled."""
    specs = uncertainty_specs(content)
    per_level = runs * (len(specs) + 2) if uncertainty_settings(content)["sensitivity"] else runs
    tree = definition_tree(content)
    rng = np.random.default_rng(SEED)
    total = 0.0
    for level in content["units"]:
        data = indicator_table(content, inputs, level).data
        nominal = pipeline_config(content, level)
        started = time.perf_counter()
        for _ in range(BASELINE_SAMPLE):
            cfg = dict(nominal)
            for spec in specs:
                if spec.alternatives:
                    cfg = merge(cfg, spec.alternatives[int(rng.integers(len(spec.alternatives)))])
            run_pipeline(data, tree, cfg)
        total += (time.perf_counter() - started) / BASELINE_SAMPLE * per_level
    return total


def main() -> int:
    content = yaml.safe_load(DEFINITION.read_text(encoding="utf-8"))
    rng = np.random.default_rng(SEED)
    print(f"building {ENTERPRISES:,} synthetic enterprises …", flush=True)
    facts, nodes = synthetic_facts(ENTERPRISES, rng)
    definition = coverage_definition()

    started = time.perf_counter()
    cells = coverage_compute(facts, definition, years=[YEAR])
    coverage_seconds = time.perf_counter() - started
    inputs = IndexInputs(year=YEAR, cells=cells, facts=facts, result_nodes=nodes)

    index_compute(content, inputs, n=10)  # warm-up (imports, first Polars plans), not timed
    started = time.perf_counter()
    result = index_compute(content, inputs, n=RUNS)
    index_seconds = time.perf_counter() - started
    baseline = baseline_seconds(content, inputs, RUNS)

    units = {level: out.summary["scored"] for level, out in result.levels.items()}
    runs = {level: out.summary["uncertainty"]["runs"] for level, out in result.levels.items()}
    figures: dict[str, Any] = {
        "enterprises": ENTERPRISES,
        "results": facts.results.height,
        "units_scored": units,
        "uncertainty_runs_per_level": runs,
        "base_sample_n": RUNS,
        "values": result.values().height,
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "coverage_snapshot_seconds": round(coverage_seconds, 3),
        "index_seconds": round(index_seconds, 3),
        "total_seconds": round(coverage_seconds + index_seconds, 3),
        "baseline_pipeline_per_run_seconds": round(baseline, 1),
        "speedup_over_baseline": round(baseline / index_seconds, 1),
    }
    figures["goal_met"] = figures["total_seconds"] <= GOAL_SECONDS
    for key, value in figures.items():
        print(f"{key:36} {value}")
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    print(f"figures written to {FIGURES.relative_to(ROOT)}")
    return 0 if figures["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
