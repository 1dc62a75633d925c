"""Batch scoring of a table (Polars): encode the cells, run the kernel per variant, and report
every bad cell on its row.

Columns: `id` (optional, passed through), `variant` (models with variants), one column per
question code, and for prerequisite rules `@CODE.level` (a level code of that model, `none`/`无`
for no level, empty for not supplied) and `@CODE.total`. A cell means exactly what the same value
means to `score_assessment`: both read it with answers.parse_answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from scoring.maturity.answers import NA, _Bad, parse_answer
from scoring.maturity.kernel import FAIL, PASS, PrerequisiteColumns, score_columns
from scoring.maturity.types import Band, Framework, Question

ID_COLUMN = "id"
VARIANT_COLUMN = "variant"
ERRORS_COLUMN = "errors"
NO_LEVEL_TOKENS = frozenset({"none", "无", "未达到"})
_STATUS_TEXT = {FAIL: "failed", PASS: "reached", 2: "pending"}


def prerequisite_codes(framework: Framework) -> tuple[str, ...]:
    codes = {
        rule.framework
        for level in framework.levels
        for rule in level.rules
        if rule.kind == "prerequisite"
    }
    return tuple(sorted(codes))


def answer_template_columns(framework: Framework) -> list[str]:
    """The columns of an answer table for this model, in order."""
    columns = [ID_COLUMN]
    if len(framework.variants) > 1:
        columns.append(VARIANT_COLUMN)
    columns.extend(framework.question_codes)
    for code in prerequisite_codes(framework):
        columns.extend([f"@{code}.level", f"@{code}.total"])
    return columns


@dataclass
class Encoded:
    values: dict[str, npt.NDArray[np.float64]]
    na: dict[str, npt.NDArray[np.bool_]]
    variants: list[str]
    prerequisites: dict[str, tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]
    errors: list[list[str]] = field(default_factory=list)
    """Per row, every problem found in its cells."""


def encode_frame(
    framework: Framework,
    frame: pl.DataFrame,
    *,
    prerequisite_levels: Mapping[str, tuple[str, ...]] | None = None,
) -> Encoded:
    n = frame.height
    errors: list[list[str]] = [[] for _ in range(n)]
    values, na = {}, {}
    for code in framework.question_codes:
        if code in frame.columns:
            values[code], na[code] = _encode_question(framework.question(code), frame[code], errors)
        else:
            values[code], na[code] = np.full(n, np.nan), np.zeros(n, dtype=np.bool_)
    known = set(framework.question_codes) | {ID_COLUMN, VARIANT_COLUMN}
    prereqs = prerequisite_codes(framework)
    known |= {f"@{c}.{part}" for c in prereqs for part in ("level", "total")}
    for column in frame.columns:
        if column not in known:
            for row in errors:
                row.append(f"未知的题目代码 (unknown question code): {column}")
    variants = _variants(framework, frame, errors)
    prerequisites = {
        code: _prerequisite(frame, code, (prerequisite_levels or {}).get(code, ()), errors)
        for code in prereqs
    }
    return Encoded(values, na, variants, prerequisites, errors)


def _encode_question(
    question: Question, series: pl.Series, errors: list[list[str]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    if isinstance(series.dtype, pl.List | pl.Array):
        series = series.list.eval(pl.element().cast(pl.String)).list.join("|")
    if question.type in ("number", "scene_rating"):
        if series.dtype.is_numeric():
            return _encode_numeric(question, series, errors)
        if series.dtype == pl.String:
            return _encode_numeric_text(question, series, errors)
    return _encode_generic(question, series, errors)


def _encode_generic(
    question: Question, series: pl.Series, errors: list[list[str]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Each distinct cell read once by answers.parse_answer, then mapped onto the column."""
    n = series.len()
    value = np.full(n, np.nan)
    na = np.zeros(n, dtype=np.bool_)
    if series.dtype.is_float():
        for row in np.flatnonzero(series.is_nan().fill_null(False).to_numpy()):
            errors[row].append(_message(question, float("nan")))
        series = series.fill_nan(None)
    keys = [k for k in series.unique().to_list() if k is not None]
    if not keys:
        return value, na
    encoded = {k: _encode_cell(question, k) for k in keys}
    value = (
        series.replace_strict(
            keys, [encoded[k][0] for k in keys], default=None, return_dtype=pl.Float64
        )
        .fill_null(np.nan)
        .to_numpy()
        .astype(np.float64)
    )
    na = (
        series.replace_strict(
            keys, [encoded[k][1] for k in keys], default=False, return_dtype=pl.Boolean
        )
        .to_numpy()
        .astype(np.bool_)
    )
    bad = {k: message for k, (_, _, message) in encoded.items() if message}
    if bad:
        messages = series.replace_strict(list(bad), list(bad.values()), default=None)
        for index, message in enumerate(messages.to_list()):
            if message is not None:
                errors[index].append(message)
    return value, na


def _encode_numeric_text(
    question: Question, series: pl.Series, errors: list[list[str]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Numbers read as text (CSV): cells that are plain numbers take the NumPy path, the rest
    (N/A, words, …) the cell-by-cell one, so a million numeric cells cost no Python loop."""
    stripped = series.str.strip_chars()
    numbers = stripped.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    other = (numbers.is_null() & stripped.is_not_null() & (stripped != "")).to_numpy()
    value, na = _encode_numeric(question, numbers, errors)
    if other.any():
        rows = np.flatnonzero(other)
        rest_errors: list[list[str]] = [[] for _ in rows]
        rest_value, rest_na = _encode_generic(question, series.gather(rows), rest_errors)
        value[rows], na[rows] = rest_value, rest_na
        for row, problems in zip(rows, rest_errors, strict=True):
            errors[row].extend(problems)
    return value, na


def _encode_cell(question: Question, raw: Any) -> tuple[float, bool, str | None]:
    """(encoded value, is N/A, problem) of one distinct cell value."""
    try:
        parsed = parse_answer(question, raw)
    except _Bad as bad:
        return np.nan, False, f"{question.code}: {bad.message}"
    if parsed is None:
        return np.nan, False, None
    if parsed is NA:
        return np.nan, True, None
    if isinstance(parsed, frozenset):
        return float(sum(1 << i for i in parsed)), False, None
    if isinstance(parsed, tuple):
        return 1.0, False, None
    assert isinstance(parsed, int | float)
    return float(parsed), False, None


def _message(question: Question, raw: Any) -> str:
    message = _encode_cell(question, raw)[2]
    assert message is not None
    return message


def _encode_numeric(
    question: Question, series: pl.Series, errors: list[list[str]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Numbers and scene levels already stored as numbers: checked without leaving NumPy."""
    missing = series.is_null().to_numpy()
    column = series.cast(pl.Float64).fill_null(0.0).to_numpy().astype(np.float64)
    bad = ~missing & ~np.isfinite(column)
    if question.type == "number":
        if question.min is not None:
            bad |= ~missing & (column < question.min)
        if question.max is not None:
            bad |= ~missing & (column > question.max)
        if question.bands:
            inside = np.zeros(len(column), dtype=np.bool_)
            for band in question.bands:
                inside |= _band_mask(band, column)
            bad |= ~missing & ~inside
    else:
        bad |= ~missing & (
            (column != np.floor(column)) | (column < 0) | (column > question.max_level)
        )
    for row in np.flatnonzero(bad):
        errors[row].append(_message(question, float(column[row])))
    value = np.where(missing | bad, np.nan, column)
    return value, np.zeros(len(column), dtype=np.bool_)


def _band_mask(band: Band, column: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    inside = np.ones(len(column), dtype=np.bool_)
    if band.low is not None:
        inside &= (column > band.low) | ((column == band.low) & band.low_closed)
    if band.high is not None:
        inside &= (column < band.high) | ((column == band.high) & band.high_closed)
    return inside


def _variants(framework: Framework, frame: pl.DataFrame, errors: list[list[str]]) -> list[str]:
    if VARIANT_COLUMN not in frame.columns:
        return [framework.default_variant] * frame.height
    variants = []
    for row, raw in enumerate(frame[VARIANT_COLUMN].cast(pl.String).to_list()):
        variant = (raw or "").strip() or framework.default_variant
        if variant not in framework.variants:
            errors[row].append(
                f"未知的模型变体 (unknown variant) {variant!r}; "
                f"可选 (choose) {', '.join(framework.variants)}"
            )
            variant = framework.default_variant
        variants.append(variant)
    return variants


def _prerequisite(
    frame: pl.DataFrame, code: str, order: tuple[str, ...], errors: list[list[str]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    n = frame.height
    rank, total = np.full(n, np.nan), np.full(n, np.nan)
    level_column, total_column = f"@{code}.level", f"@{code}.total"
    if level_column in frame.columns:
        for row, raw in enumerate(frame[level_column].cast(pl.String).to_list()):
            text = (raw or "").strip()
            if not text:
                continue
            if text.casefold() in NO_LEVEL_TOKENS:
                rank[row] = 0.0
            elif text in order:
                rank[row] = float(order.index(text) + 1)
            else:
                errors[row].append(f"{level_column}: 未知的等级 (unknown level) {text!r}")
    if total_column in frame.columns:
        numbers = frame[total_column].cast(pl.Float64, strict=False)
        bad = numbers.is_null() & frame[total_column].is_not_null()
        for bad_row in np.flatnonzero(bad.to_numpy()):
            errors[bad_row].append(f"{total_column}: 须填数值 (a number expected)")
        total = numbers.fill_null(np.nan).to_numpy().astype(np.float64)
    return rank, total


def score_frame(
    framework: Framework,
    frame: pl.DataFrame,
    *,
    prerequisite_levels: Mapping[str, tuple[str, ...]] | None = None,
    workers: int = 1,
) -> pl.DataFrame:
    """One output row per input row: total, level, node points, level statuses, errors."""
    encoded = encode_frame(framework, frame, prerequisite_levels=prerequisite_levels)
    n = frame.height
    results: dict[str, npt.NDArray[Any]] = {}
    variants = np.array(encoded.variants, dtype=object)
    for variant in framework.variants:
        rows = np.flatnonzero(variants == variant) if n else np.array([], dtype=np.intp)
        if len(rows) == 0:
            continue
        part = score_columns(
            framework,
            {code: column[rows] for code, column in encoded.values.items()},
            {code: column[rows] for code, column in encoded.na.items()},
            variant=variant,
            prerequisites={
                code: PrerequisiteColumns(
                    r[rows], t[rows], (prerequisite_levels or {}).get(code, ())
                )
                for code, (r, t) in encoded.prerequisites.items()
            },
            workers=workers,
        )
        for key, column in part.items():
            if key not in results:
                results[key] = (
                    np.full(n, np.nan) if column.dtype.kind == "f" else np.zeros(n, column.dtype)
                )
            results[key][rows] = column
    return _output(framework, frame, encoded, results)


def _row_errors(
    framework: Framework, encoded: Encoded, results: Mapping[str, Any]
) -> list[str | None]:
    messages: list[str | None] = []
    missing = results.get("missing")
    nothing = results.get("nothing_applicable")
    for row, problems in enumerate(encoded.errors):
        problems = list(problems)
        if not problems and missing is not None and missing[row] >= 0:
            code = framework.question_codes[int(missing[row])]
            problems.append(
                f"{code}: 必答题未作答 (mandatory question unanswered): "
                f"{framework.nodes[code].title}"
            )
        if not problems and nothing is not None and nothing[row]:
            problems.append("没有可评分的题目 (nothing applicable to score)")
        messages.append("; ".join(problems) if problems else None)
    return messages


def _output(
    framework: Framework, frame: pl.DataFrame, encoded: Encoded, results: Mapping[str, Any]
) -> pl.DataFrame:
    n = frame.height
    errors = _row_errors(framework, encoded, results)
    ok = np.array([e is None for e in errors], dtype=np.bool_)
    data: dict[str, Any] = {}
    if ID_COLUMN in frame.columns:
        data[ID_COLUMN] = frame[ID_COLUMN]
    else:
        data["row"] = pl.Series("row", np.arange(1, n + 1), dtype=pl.Int64)
    if len(framework.variants) > 1:
        data[VARIANT_COLUMN] = encoded.variants
    data["total"] = _blank(results.get("total", np.zeros(n)), ok)
    ranks = results.get("level_rank", np.zeros(n, dtype=np.int16))
    codes = [None] + [level.code for level in framework.levels]
    names = [framework.none_level.zh] + [level.name.zh for level in framework.levels]
    data["level"] = [codes[int(r)] if good else None for r, good in zip(ranks, ok, strict=True)]
    data["level_name"] = [
        names[int(r)] if good else None for r, good in zip(ranks, ok, strict=True)
    ]
    data["level_rank"] = pl.Series(
        [int(r) if good else None for r, good in zip(ranks, ok, strict=True)], dtype=pl.Int16
    )
    for key in sorted(k for k in results if k.startswith("level_score:")):
        data[key] = _blank(results[key], ok)
    for code in framework.nodes:
        key = f"node:{code}"
        if key in results:
            data[key] = _blank(results[key], ok)
    for level in framework.levels:
        key = f"level:{level.code}"
        if key in results:
            data[key] = [
                _STATUS_TEXT[int(s)] if good else None
                for s, good in zip(results[key], ok, strict=True)
            ]
    data[ERRORS_COLUMN] = pl.Series(ERRORS_COLUMN, errors, dtype=pl.String)
    return pl.DataFrame(data)


def _blank(column: npt.NDArray[Any], ok: npt.NDArray[np.bool_]) -> pl.Series:
    values = np.where(ok, column.astype(np.float64), np.nan)
    return pl.Series(values, dtype=pl.Float64).fill_nan(None)
