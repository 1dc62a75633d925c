"""The vectorised scoring kernel: the single path's arithmetic over columns, one row per assessment.

Input: one float64 column per question code in the batch encoding (option index for single choice
and yes/no — 0 = yes —, a bit mask of option indexes for multiple choice, the number, the scene
level, 1 for a present text or file; NaN = unanswered), one boolean N/A column per question, and
optional prerequisite columns. Output: arrays only (totals, node points, level scores, level and
rule statuses, problems), so the same function runs per partition on a cluster engine (for
example Spark's mapInArrow) as well as here.

The order of floating-point operations follows single.py exactly (children in model order, N/A
children adding 0.0), so both paths give the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.maturity import expr as ex
from scoring.maturity.types import EPSILON, TOTAL, Framework, Question, Rule, Selector

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]

FAIL, PASS, PENDING = 0, 1, 2
"""Rule and level statuses in the output arrays (levels: FAIL = failed, PASS = reached)."""
CHUNK_ROWS = 65_536


@dataclass(frozen=True)
class PrerequisiteColumns:
    """Another model's results per row: level rank (0 = no level; NaN = not supplied) and total."""

    level_rank: FloatArray
    total: FloatArray
    level_order: tuple[str, ...]


def column_info(framework: Framework) -> dict[str, ex.ColumnInfo]:
    """How expressions read each encoded question column."""
    info = {}
    for code in framework.question_codes:
        question = framework.question(code)
        options = tuple(o.code for o in question.options)
        if question.type in ("single_choice", "yes_no"):
            info[code] = ex.ColumnInfo("choice", options)
        elif question.type == "multiple_choice":
            info[code] = ex.ColumnInfo("multi", options)
        else:
            info[code] = ex.ColumnInfo("number")
    return info


def score_columns(
    framework: Framework,
    columns: Mapping[str, FloatArray],
    na: Mapping[str, BoolArray] | None = None,
    *,
    variant: str | None = None,
    prerequisites: Mapping[str, PrerequisiteColumns] | None = None,
    workers: int = 1,
    chunk_rows: int = CHUNK_ROWS,
) -> dict[str, npt.NDArray[np.generic]]:
    """Score every row. Keys of the result:

    ``total``; ``level_rank`` (0: no level); ``node:<code>`` points of each scored node;
    ``level_score:<n>`` (sequential gate); ``level:<code>`` and ``rule:<level>:<id>`` statuses;
    ``missing``: index into framework.question_codes of the first unanswered mandatory question
    (−1: none); ``nothing_applicable``. Rows with a problem still get numbers: the caller blanks
    them.
    """
    n = len(next(iter(columns.values()))) if columns else 0
    variant = variant or framework.default_variant
    empty_na = np.zeros(n, dtype=np.bool_)
    starts = list(range(0, n, chunk_rows)) or [0]

    def run(start: int) -> dict[str, npt.NDArray[np.generic]]:
        stop = min(start + chunk_rows, n)
        part = {code: columns[code][start:stop] for code in framework.question_codes}
        part_na = {
            code: (na[code] if na and code in na else empty_na)[start:stop]
            for code in framework.question_codes
        }
        part_prereq = {
            key: PrerequisiteColumns(p.level_rank[start:stop], p.total[start:stop], p.level_order)
            for key, p in (prerequisites or {}).items()
        }
        return _Chunk(framework, variant, part, part_na, part_prereq, stop - start).run()

    if workers > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(run, starts))
    else:
        parts = [run(start) for start in starts]
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


@dataclass(frozen=True)
class _Static:
    """Per model: nodes with a condition on them or above; questions that can never be N/A."""

    conditional: frozenset[str]
    never_na: frozenset[str]
    referenced: frozenset[str]


_STATIC: dict[int, tuple[Framework, _Static]] = {}


def _static(fw: Framework) -> _Static:
    cached = _STATIC.get(id(fw))
    if cached is not None and cached[0] is fw:
        return cached[1]
    conditional = frozenset(
        code
        for code in fw.nodes
        if any(fw.nodes[o].condition is not None for o in (code, *fw.ancestors(code)))
    )
    never_na: set[str] = set()
    for code in reversed(list(fw.nodes)):
        node = fw.nodes[code]
        if code in conditional:
            continue
        if node.question is not None and not node.question.na_allowed:
            never_na.add(code)
    referenced: set[str] = set()
    for node in fw.nodes.values():
        if node.condition is not None:
            referenced |= ex.references(node.condition)
    for level in fw.levels:
        for rule in level.rules:
            if rule.expr is not None:
                referenced |= ex.references(rule.expr)
    static = _Static(conditional, frozenset(never_na), frozenset(referenced))
    _STATIC[id(fw)] = (fw, static)
    return static


class _Chunk:
    """One block of rows; every array below has the block's length."""

    def __init__(
        self,
        framework: Framework,
        variant: str,
        values: Mapping[str, FloatArray],
        na: Mapping[str, BoolArray],
        prerequisites: Mapping[str, PrerequisiteColumns],
        n: int,
    ) -> None:
        self.fw, self.variant, self.values, self.na, self.n = framework, variant, values, na, n
        self.prerequisites = prerequisites
        self.plan = framework.plans[variant]
        self.static = _static(framework)
        self.ones = np.ones(n, dtype=np.bool_)
        self.info = column_info(framework)
        self.applicable: dict[str, BoolArray] = {}
        self.effective: dict[str, FloatArray] = {}
        self.answered: dict[str, BoolArray] = {}
        self.raw: dict[str, FloatArray] = {}

    def run(self) -> dict[str, npt.NDArray[np.generic]]:
        out: dict[str, npt.NDArray[np.generic]] = {}
        self._applicability()
        out["missing"] = self._missing()
        self._raw_fractions()
        if self.fw.method == "sequential_gate":
            points, total, scores = self._sequential()
            for level, s in zip(self.fw.requirement_levels, scores, strict=True):
                out[f"level_score:{level}"] = s
            out["nothing_applicable"] = np.zeros(self.n, dtype=np.bool_)
        else:
            points, total, nothing = self._weighted()
            out["nothing_applicable"] = nothing
        out["total"] = total
        for code in self.fw.nodes:
            if code in self.plan.scored:
                out[f"node:{code}"] = points.get(code, np.full(self.n, np.nan))
        points[TOTAL] = total
        out.update(self._levels(points))
        return out

    # --- applicability and effective values ---------------------------------------------------

    def _applicability(self) -> None:
        node_holds: dict[str, BoolArray] = {}

        def holds(owner: str) -> BoolArray:
            if owner not in node_holds:
                condition = self.fw.nodes[owner].condition
                node_holds[owner] = (
                    np.ones(self.n, dtype=np.bool_)
                    if condition is None
                    else ex.evaluate_columns(condition, self.effective, self.info, self.n)
                )
            return node_holds[owner]

        def applicable(code: str) -> BoolArray:
            result = np.ones(self.n, dtype=np.bool_)
            for owner in (code, *self.fw.ancestors(code)):
                result &= holds(owner)
            return result

        for code in self.fw.condition_order:
            app = applicable(code) if code in self.static.conditional else self.ones
            value = self.values[code]
            answered = ~np.isnan(value)
            if code in self.static.conditional:
                answered &= app
            if self.fw.question(code).na_allowed:
                answered &= ~self.na[code]
            self.applicable[code] = app
            self.answered[code] = answered
            if code in self.static.referenced:
                self.effective[code] = np.where(answered, value, np.nan)
        for code, node in self.fw.nodes.items():
            if node.question is None:
                self.applicable[code] = (
                    applicable(code) if code in self.static.conditional else self.ones
                )

    def _missing(self) -> npt.NDArray[np.int32]:
        missing = np.full(self.n, -1, dtype=np.int32)
        for index in reversed(range(len(self.fw.question_codes))):
            code = self.fw.question_codes[index]
            if not self.fw.question(code).mandatory:
                continue
            missing[self._unanswered(code)] = index
        return missing

    # --- fractions ----------------------------------------------------------------------------

    def _unanswered(self, code: str) -> BoolArray:
        unanswered = np.isnan(self.values[code])
        if code in self.static.conditional:
            unanswered &= self.applicable[code]
        if self.fw.question(code).na_allowed:
            unanswered &= ~self.na[code]
        return unanswered

    def _raw_fractions(self) -> None:
        """Each scored-type question's fraction (garbage where not answered: mask with answered)."""
        for code in self.fw.question_codes:
            question = self.fw.question(code)
            if question.is_scored_type:
                self.raw[code] = _fraction(question, self.values[code])

    def _question_fraction(self, code: str) -> FloatArray:
        """As single.py's _node_fraction for a question: NaN = N/A, 0 = unanswered."""
        value = self.values[code]
        if code in self.static.never_na:
            return np.where(np.isnan(value), 0.0, self.raw[code])
        return np.where(
            self._unanswered(code), 0.0, np.where(self.answered[code], self.raw[code], np.nan)
        )

    def _aggregate(
        self,
        children: list[str],
        na_policy: str,
        fractions: Mapping[str, FloatArray],
        safe: set[str],
    ) -> FloatArray:
        """Σ wᵢ·fᵢ / Σ wᵢ in child order, as single.py; children that can never be N/A skip the
        masks, and the weight sum stays a scalar when no child can drop out."""
        acc = np.zeros(self.n)
        scalar = na_policy == "zero" or all(c in safe for c in children)
        weight_sum: float | FloatArray = 0.0 if scalar else np.zeros(self.n)
        for child in children:
            weight = self.plan.shares[child]
            fraction = fractions[child]
            if child in safe:
                acc += weight * fraction
                weight_sum = weight_sum + weight
                continue
            present = ~np.isnan(fraction)
            acc += weight * np.where(present, fraction, 0.0)
            weight_sum = weight_sum + (weight if na_policy == "zero" else weight * present)
        if isinstance(weight_sum, float):
            return acc / weight_sum if weight_sum > 0 else np.full(self.n, np.nan)
        out = np.full(self.n, np.nan)
        np.divide(acc, weight_sum, out=out, where=weight_sum > 0)
        return out

    def _tree(self, level: int | None) -> tuple[dict[str, FloatArray], FloatArray]:
        fractions: dict[str, FloatArray] = {}
        safe = {c for c in self.fw.question_codes if c in self.static.never_na}
        for code in reversed(list(self.fw.nodes)):
            if code not in self.plan.scored:
                continue
            if level is not None and level not in self.fw.node_levels.get(code, frozenset()):
                continue
            node = self.fw.nodes[code]
            if node.question is not None:
                fraction = self._question_fraction(code)
            else:
                children = [c for c in node.children if c in fractions]
                fraction = self._aggregate(children, node.na_policy, fractions, safe)
                if (
                    children
                    and code not in self.static.conditional
                    and (node.na_policy == "zero" or any(c in safe for c in children))
                ):
                    safe.add(code)
            if code in self.static.conditional:
                fraction = np.where(self.applicable[code], fraction, np.nan)
            fractions[code] = fraction
        roots = [c for c in self.fw.roots if c in fractions]
        return fractions, self._aggregate(roots, self.fw.na_policy, fractions, safe)

    def _weighted(self) -> tuple[dict[str, FloatArray], FloatArray, BoolArray]:
        fractions, root = self._tree(None)
        scale = self.fw.score_scale
        points = {
            code: fraction * self.fw.max_points(code, self.variant)
            for code, fraction in fractions.items()
        }
        nothing = np.isnan(root) if self.plan.scored else np.zeros(self.n, dtype=np.bool_)
        total = np.where(np.isnan(root), 0.0, root) * scale
        return points, total, nothing

    def _sequential(self) -> tuple[dict[str, FloatArray], FloatArray, list[FloatArray]]:
        threshold = self.fw.gate_threshold - EPSILON
        going = np.ones(self.n, dtype=np.bool_)
        total = np.zeros(self.n)
        points: dict[str, FloatArray] = {}
        scores = []
        for level in self.fw.requirement_levels:
            fractions, root = self._tree(level)
            s = np.where(np.isnan(root), 0.0, root)
            scores.append(s)
            counted = going.copy()
            total = total + np.where(counted, s, 0.0)
            for code, fraction in fractions.items():
                add = counted & ~np.isnan(fraction)
                previous = points.get(code, np.full(self.n, np.nan))
                base = np.where(np.isnan(previous), 0.0, previous)
                points[code] = np.where(add, base + np.where(add, fraction, 0.0), previous)
            going = going & (s >= threshold)
        return points, total, scores

    # --- rules and levels ---------------------------------------------------------------------

    def _levels(self, points: Mapping[str, FloatArray]) -> dict[str, npt.NDArray[np.generic]]:
        out: dict[str, npt.NDArray[np.generic]] = {}
        rank = np.zeros(self.n, dtype=np.int16)
        going = np.ones(self.n, dtype=np.bool_)
        for level in self.fw.levels:
            failed = np.zeros(self.n, dtype=np.bool_)
            pending = np.zeros(self.n, dtype=np.bool_)
            for rule in level.rules:
                status = self._rule(rule, points)
                out[f"rule:{level.code}:{rule.id}"] = status
                failed |= status == FAIL
                pending |= status == PENDING
            reached = ~failed & ~pending
            out[f"level:{level.code}"] = np.where(
                failed, FAIL, np.where(pending, PENDING, PASS)
            ).astype(np.int8)
            if self.fw.level_mode == "cumulative":
                going = going & reached
                rank = np.where(going, level.rank, rank).astype(np.int16)
            else:
                rank = np.where(reached, level.rank, rank).astype(np.int16)
        out["level_rank"] = rank
        return out

    def _rule(self, rule: Rule, points: Mapping[str, FloatArray]) -> Int8Array:
        if rule.kind == "score":
            observed = points.get(rule.node, np.full(self.n, np.nan))
            return _status(observed >= rule.gte - EPSILON)
        if rule.kind == "count":
            assert rule.select is not None
            return _status(self._count(rule.select, rule.min_value) >= rule.gte - EPSILON)
        if rule.kind == "share":
            assert rule.select is not None
            assert rule.over is not None
            hits = self._count(rule.select, rule.min_value)
            base = self._count(rule.over, rule.over_min_value)
            share = np.full(self.n, np.nan)
            np.divide(hits, base, out=share, where=base > 0)
            return _status(share >= rule.gte - EPSILON)
        if rule.kind == "condition":
            assert rule.expr is not None
            return _status(ex.evaluate_columns(rule.expr, self.effective, self.info, self.n))
        return self._prerequisite(rule)

    def _count(self, selector: Selector, min_value: float) -> FloatArray:
        count = np.zeros(self.n)
        for code in selector.codes:
            value = _count_value(self.fw.question(code), self.values[code], self.raw[code])
            count += self.answered[code] & (value >= min_value - EPSILON)
        return count

    def _prerequisite(self, rule: Rule) -> Int8Array:
        columns = self.prerequisites.get(rule.framework)
        if columns is None:
            return np.full(self.n, PENDING, dtype=np.int8)
        if rule.min_level is not None:
            if rule.min_level not in columns.level_order:
                return np.full(self.n, PENDING, dtype=np.int8)
            needed = columns.level_order.index(rule.min_level) + 1
            observed, required = columns.level_rank, float(needed)
        else:
            assert rule.min_score is not None
            observed, required = columns.total, rule.min_score - EPSILON
        status = _status(observed >= required)
        return np.where(np.isnan(observed), PENDING, status).astype(np.int8)


def _status(passed: BoolArray) -> Int8Array:
    return np.where(passed, PASS, FAIL).astype(np.int8)


def _indexes(column: FloatArray) -> npt.NDArray[np.intp]:
    """Option indexes (NaN becomes garbage: the caller masks those rows)."""
    with np.errstate(invalid="ignore"):
        return column.astype(np.intp)


def _fraction(question: Question, column: FloatArray) -> FloatArray:
    """single.fraction_of over a column (garbage where the column is NaN; masked by the caller)."""
    if question.type in ("single_choice", "yes_no"):
        table = np.array([o.score for o in question.options], dtype=np.float64)
        return np.take(table, _indexes(column), mode="clip")
    if question.type == "multiple_choice":
        bits = _indexes(column).astype(np.int64)
        total = np.zeros(len(column))
        for index, option in enumerate(question.options):
            total += option.score * ((bits >> index) & 1)
        return np.minimum(question.cap, total)
    if question.type == "number":
        scores = np.full(len(column), np.nan)
        for band in reversed(question.bands):
            inside = np.ones(len(column), dtype=np.bool_)
            if band.low is not None:
                inside &= (column > band.low) | ((column == band.low) & band.low_closed)
            if band.high is not None:
                inside &= (column < band.high) | ((column == band.high) & band.high_closed)
            scores = np.where(inside, band.score, scores)
        return scores
    table = np.array(question.level_scores, dtype=np.float64)
    return np.take(table, _indexes(column), mode="clip")


def _count_value(question: Question, column: FloatArray, raw: FloatArray) -> FloatArray:
    """single.count_value over a column."""
    if question.type in ("scene_rating", "number"):
        return column
    if question.type == "yes_no":
        return np.where(column == 0, 1.0, 0.0)
    return raw
