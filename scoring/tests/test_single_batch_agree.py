"""Invariant 2 of the architecture: the explainable single path and the vectorised batch path give
the same totals, node points, level scores, level statuses and levels — and reject the same rows."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.maturity import AnswerError, PrerequisiteResult, compile_framework, score_assessment
from scoring.maturity.batch import prerequisite_codes, score_frame
from scoring.tests.strategies import answer_rows, definitions

OTHER_LEVELS = ("A", "B", "C")
PREREQUISITE_CELLS = [("A", None), ("B", None), ("none", None), ("", None)]


def _frame(rows: list[dict[str, Any]], codes: list[str], typed: bool) -> pl.DataFrame:
    columns: dict[str, list[Any]] = {}
    for code in codes:
        cells = [row.get(code) for row in rows]
        numeric = all(isinstance(c, int | float) or c is None for c in cells)
        if typed and numeric and any(c is not None for c in cells):
            columns[code] = [None if c is None else float(c) for c in cells]
        else:
            columns[code] = [_cell(c) for c in cells]
    return pl.DataFrame(
        columns, schema_overrides=dict.fromkeys(codes, pl.String) if not typed else None
    )


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "|".join(value)
    return str(value)


def _prerequisites(level_cell: str) -> dict[str, PrerequisiteResult]:
    if not level_cell:
        return {}
    level = None if level_cell == "none" else level_cell
    return {"OTHER": PrerequisiteResult(level, None, OTHER_LEVELS)}


def _single(framework, answers, variant, level_cell):
    try:
        return score_assessment(
            framework,
            {k: v for k, v in answers.items() if v is not None},
            variant=variant,
            prerequisites=_prerequisites(level_cell),
        )
    except AnswerError:
        return None


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), typed=st.booleans())
def test_single_and_batch_paths_agree_on_random_models_and_answers(data, typed):
    definition = data.draw(definitions())
    framework = compile_framework(definition)
    rows = data.draw(answer_rows(definition, rows=4))
    variant_cells = [data.draw(st.sampled_from(framework.variants)) for _ in rows]
    level_cells = [data.draw(st.sampled_from(["A", "B", "none", ""])) for _ in rows]
    frame = _frame(rows, list(framework.question_codes), typed)
    if len(framework.variants) > 1:
        frame = frame.with_columns(pl.Series("variant", variant_cells))
    if prerequisite_codes(framework):
        frame = frame.with_columns(pl.Series("@OTHER.level", level_cells, dtype=pl.String))
    batch = score_frame(framework, frame, prerequisite_levels={"OTHER": OTHER_LEVELS})

    for index, answers in enumerate(rows):
        row = batch.row(index, named=True)
        single = _single(framework, answers, variant_cells[index], level_cells[index])
        if single is None:
            assert row["errors"], "the batch path scored a row the single path rejects"
            continue
        assert row["errors"] is None, row["errors"]
        assert _same(single.total, row["total"]), (single.total, row["total"])
        assert single.level == row["level"]
        for code, node in single.nodes.items():
            if f"node:{code}" in row:
                assert _same(node.points, row[f"node:{code}"]), code
        for n, score in zip(framework.requirement_levels, single.level_scores, strict=True):
            assert _same(score, row[f"level_score:{n}"])
        for outcome in single.levels:
            assert outcome.status == row[f"level:{outcome.code}"], outcome
