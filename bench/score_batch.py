"""Benchmark: batch scoring of 1,000,000 assessments × 100 questions (goals: ≤ 5 s on 2 cores,
≥ 50× the single path per assessment, within 10× of a plain NumPy pass over the same matrix).

All figures come from one run on one machine, so their ratios hold however noisy the machine is:

(a) plain NumPy: one weighted sum over the encoded answer matrix (`matrix @ weights`, BLAS) — a
    lower bound no real scorer can beat: it reads every cell once and does no lookup;
(b) the kernel (`scoring.maturity.score_columns`) over the same matrix, 2 threads: option-score
    lookups, bands, conditions, N/A renormalisation, the tree, every level rule;
(c) the single path (`score_assessment`) on a sample of the same assessments, per assessment;
(d) end to end: `score_frame` on 100,000 rows of text cells (what a CSV gives), encoding included.

A sample of rows is checked to give the same totals and levels on both paths before timing counts.
`BENCH_SCORE_ROWS` changes the row count. Nothing touches a database.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from scoring.maturity import compile_framework, score_assessment, score_columns, score_frame
from scoring.maturity.types import Framework

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "figures" / "bench_score_batch.json"
ROWS = int(os.environ.get("BENCH_SCORE_ROWS", "1000000"))
SINGLE_SAMPLE = 2_000
FRAME_ROWS = min(ROWS, 100_000)
SEED = 2025
GOAL_SECONDS = 5.0
GOAL_OVER_SINGLE = 50.0
GOAL_OVER_NUMPY = 10.0
DIMENSIONS = 10
PER_DIMENSION = 10
KINDS = (
    ("single_choice",) * 4
    + ("multiple_choice", "number", "yes_no", "scene_rating") * 1
    + (
        "single_choice",
        "number",
    )
)


def definition() -> dict[str, Any]:
    """10 dimensions × 10 questions of every scored type, conditions, N/A and four level rules."""
    nodes = []
    for d in range(DIMENSIONS):
        children = []
        for q in range(PER_DIMENSION):
            code = f"d{d}.q{q}"
            node: dict[str, Any] = {
                "code": code,
                "title": {"zh": f"题{d}-{q}"},
                "weight": 1 + (q % 3),
                "tags": ["scene"] if KINDS[q] == "scene_rating" else [],
                "question": _question(KINDS[q], na_allowed=q == 9),
            }
            if q == 8:  # branching: asked only when the dimension's first answer is not "a"
                node["condition"] = f'd{d}.q0 != "a"'
            if not node["tags"]:
                del node["tags"]
            children.append(node)
        nodes.append({"code": f"d{d}", "title": {"zh": f"维度{d}"}, "children": children})
    return {
        "format": "zhigai-framework/1",
        "framework": {"code": "BENCH", "version": "1", "title": {"zh": "基准"}, "score_scale": 100},
        "levels": [
            {"code": "L1", "name": {"zh": "一级"}, "rules": [_score("s1", 20)]},
            {"code": "L2", "name": {"zh": "二级"}, "rules": [_score("s2", 40), _count(6, 2)]},
            {
                "code": "L3",
                "name": {"zh": "三级"},
                "rules": [
                    _score("s3", 60),
                    _count(8, 3),
                    {"id": "gate", "kind": "condition", "expr": 'd0.q6 == "yes"'},
                ],
            },
            {"code": "L4", "name": {"zh": "四级"}, "rules": [_score("s4", 80), _count(8, 4)]},
        ],
        "nodes": nodes,
    }


def _question(kind: str, *, na_allowed: bool) -> dict[str, Any]:
    question: dict[str, Any] = {"type": kind, "na_allowed": na_allowed}
    letters = "abcde"
    if kind == "single_choice":
        question["options"] = [
            {"code": c, "label": {"zh": c}, "score": i / 4} for i, c in enumerate(letters)
        ]
    elif kind == "multiple_choice":
        question["options"] = [
            {"code": "none", "label": {"zh": "无"}, "score": 0, "exclusive": True}
        ]
        question["options"] += [{"code": c, "label": {"zh": c}, "score": 0.3} for c in "abcd"]
    elif kind == "number":
        question |= {"unit": "%", "min": 0, "max": 100}
        edges = [0, 10, 20, 40, 60, 100]
        question["bands"] = [
            {"range": f"{'[' if i == 0 else '('}{lo},{hi}]", "score": i / 4}
            for i, (lo, hi) in enumerate(itertools.pairwise(edges))
        ]
    return question


def _score(rule_id: str, gte: float) -> dict[str, Any]:
    return {"id": rule_id, "kind": "score", "node": "total", "gte": gte}


def _count(gte: int, level: int) -> dict[str, Any]:
    return {
        "id": f"scenes{level}",
        "kind": "count",
        "select": {"tag": "scene"},
        "min_value": level,
        "gte": gte,
    }


def matrix(framework: Framework, rows: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Encoded answers, column-major (one contiguous column per question), plus N/A columns."""
    rng = np.random.default_rng(SEED)
    values = np.empty((rows, len(framework.question_codes)), dtype=np.float64, order="F")
    na = {}
    for j, code in enumerate(framework.question_codes):
        question = framework.question(code)
        if question.type in ("single_choice", "yes_no"):
            values[:, j] = rng.integers(0, len(question.options), rows)
        elif question.type == "multiple_choice":
            values[:, j] = rng.integers(1, 16, rows) * 2  # any subset of a–d, never with 无
        elif question.type == "number":
            values[:, j] = rng.integers(0, 101, rows)
        else:
            values[:, j] = rng.integers(0, question.max_level + 1, rows)
        na[code] = np.zeros(rows, dtype=np.bool_)
        if question.na_allowed:
            na[code] = rng.random(rows) < 0.05
            values[na[code], j] = np.nan
    return values, na


def raw_answers(
    framework: Framework, values: np.ndarray, na: dict[str, np.ndarray], row: int
) -> dict[str, Any]:
    """Row `row` of the matrix as the answers a user would send (codes, lists, numbers)."""
    answers: dict[str, Any] = {}
    for j, code in enumerate(framework.question_codes):
        question = framework.question(code)
        if na[code][row]:
            answers[code] = "N/A"
            continue
        x = values[row, j]
        if question.type in ("single_choice", "yes_no"):
            answers[code] = question.options[int(x)].code
        elif question.type == "multiple_choice":
            answers[code] = [o.code for i, o in enumerate(question.options) if int(x) >> i & 1]
        elif question.type == "number":
            answers[code] = float(x)
        else:
            answers[code] = int(x)
    return answers


def text_frame(framework: Framework, values: np.ndarray, na: dict[str, np.ndarray]) -> pl.DataFrame:
    """The same answers as a CSV gives them: option codes, `a|b`, numbers and N/A as text."""
    columns = {}
    for j, code in enumerate(framework.question_codes):
        question = framework.question(code)
        x = values[:, j]
        if question.type in ("single_choice", "yes_no"):
            codes = np.array([o.code for o in question.options] + [""], dtype=object)
            cells = codes[np.where(np.isnan(x), len(question.options), x).astype(int)]
        elif question.type == "multiple_choice":
            subsets = {
                m: "|".join(o.code for i, o in enumerate(question.options) if m >> i & 1)
                for m in range(1 << len(question.options))
            }
            cells = np.array([subsets.get(int(m), "") if m == m else "" for m in x], dtype=object)
        else:
            cells = np.array([f"{v:g}" if v == v else "" for v in x], dtype=object)
        cells[na[code]] = "N/A"
        columns[code] = pl.Series(code, cells.tolist(), dtype=pl.String)
    return pl.DataFrame(columns)


def best_of(runs: int, work: Any) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    framework = compile_framework(definition())
    print(f"building {ROWS:,} × {len(framework.question_codes)} answers …", flush=True)
    values, na = matrix(framework, ROWS)
    columns = {code: values[:, j] for j, code in enumerate(framework.question_codes)}
    weights = np.array(
        [framework.plans["default"].total_shares[c] for c in framework.question_codes]
    )
    filled = np.where(np.isnan(values), 0.0, values)  # BLAS needs no NaN; not timed

    result = score_columns(framework, columns, na, workers=2)
    sample = range(0, ROWS, max(1, ROWS // SINGLE_SAMPLE))[:SINGLE_SAMPLE]
    answers = [raw_answers(framework, values, na, row) for row in sample]
    for row, given in zip(sample, answers, strict=True):
        single = score_assessment(framework, given)
        assert abs(single.total - result["total"][row]) < 1e-9, row
        assert single.level_rank == result["level_rank"][row], row

    numpy_seconds = best_of(3, lambda: filled @ weights)
    kernel_seconds = best_of(3, lambda: score_columns(framework, columns, na, workers=2))
    kernel_one_thread = best_of(1, lambda: score_columns(framework, columns, na, workers=1))
    single_seconds = best_of(1, lambda: [score_assessment(framework, a) for a in answers])
    single_per = single_seconds / len(answers)

    frame = text_frame(framework, values[:FRAME_ROWS], {c: a[:FRAME_ROWS] for c, a in na.items()})
    frame_seconds = best_of(1, lambda: score_frame(framework, frame, workers=2))

    figures: dict[str, Any] = {
        "rows": ROWS,
        "questions": len(framework.question_codes),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "numpy_matmul_seconds": round(numpy_seconds, 4),
        "kernel_seconds_2_threads": round(kernel_seconds, 3),
        "kernel_seconds_1_thread": round(kernel_one_thread, 3),
        "single_path_ms_per_assessment": round(single_per * 1000, 4),
        "single_path_sample": len(answers),
        "kernel_over_numpy": round(kernel_seconds / numpy_seconds, 2),
        "kernel_speedup_over_single": round(single_per * ROWS / kernel_seconds, 1),
        "frame_rows": FRAME_ROWS,
        "score_frame_seconds_text_cells": round(frame_seconds, 3),
        "score_frame_speedup_over_single": round(single_per * FRAME_ROWS / frame_seconds, 1),
    }
    figures["goal_met"] = (
        kernel_seconds <= GOAL_SECONDS * ROWS / 1_000_000
        and figures["kernel_speedup_over_single"] >= GOAL_OVER_SINGLE
        and figures["kernel_over_numpy"] <= GOAL_OVER_NUMPY
    )
    for key, value in figures.items():
        print(f"{key:36} {value}")
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    print(f"figures written to {FIGURES.relative_to(ROOT)}")
    return 0 if figures["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
