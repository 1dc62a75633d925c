"""The explainable single-assessment path: plain Python over the compiled model.

Weighted tree (docs/framework-format.md): a question's fraction f ∈ [0, 1]; a node's fraction is
Σ wᵢ·fᵢ / Σ wᵢ over its scored children, where an N/A child is dropped (`renormalise`) or kept with
fᵢ = 0 (`zero`); total = f_root × score_scale. Sequential gate (GB/T 39117 §6 as known): S_n is the
root fraction using only level-n requirements; total = Σ S_k for k up to the first level with
S_k < gate_threshold. The batch kernel (batch.py) computes the same numbers over columns in the
same order of operations, so the two agree to the last bit in practice (property-tested).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.maturity.answers import (
    NOTHING_APPLICABLE,
    UNKNOWN_VARIANT,
    AnswerError,
    Problem,
    display_answer,
    fraction_of,
    parse_answers,
)
from scoring.maturity.gap import next_level_gap
from scoring.maturity.levels import evaluate_levels, result_level
from scoring.maturity.result import NodeScore, PrerequisiteResult, QuestionTrace, Result
from scoring.maturity.state import AnswerState, TreeScore, answer_state, missing_mandatory
from scoring.maturity.types import EPSILON, TOTAL, Framework


def resolve_variant(framework: Framework, variant: str | None) -> str:
    if variant is None or variant == "":
        return framework.default_variant
    if variant not in framework.variants:
        raise AnswerError(
            [
                Problem(
                    UNKNOWN_VARIANT,
                    None,
                    f"未知的模型变体 (unknown variant) {variant!r}; "
                    f"可选 (choose) {', '.join(framework.variants)}",
                )
            ]
        )
    return variant


def score_assessment(
    framework: Framework,
    answers: Mapping[str, Any],
    *,
    variant: str | None = None,
    prerequisites: Mapping[str, PrerequisiteResult] | None = None,
) -> Result:
    """Score one assessment and explain it; raise AnswerError listing every problem."""
    variant = resolve_variant(framework, variant)
    parsed, problems = parse_answers(framework, answers)
    if problems:
        raise AnswerError(problems)
    state = answer_state(framework, parsed)
    missing = missing_mandatory(framework, state)
    if missing:
        raise AnswerError(missing)
    tree = (
        _sequential(framework, state, variant)
        if framework.method == "sequential_gate"
        else _weighted(framework, state, variant)
    )
    outcomes = evaluate_levels(framework, state, tree, prerequisites or {})
    level = result_level(framework, outcomes)
    return Result(
        framework=framework.code,
        version=framework.version,
        variant=variant,
        total=tree.total,
        max_total=framework.score_scale,
        level=level.code if level else None,
        level_rank=level.rank if level else 0,
        level_name=level.name if level else framework.none_level,
        levels=outcomes,
        nodes=tree.nodes,
        questions=tree.questions,
        gap=next_level_gap(framework, state, tree, outcomes, level.rank if level else 0),
        level_scores=tree.level_scores,
        na_policy=framework.na_policy,
    )


# --- the tree -----------------------------------------------------------------------------------


def _node_fraction(
    framework: Framework,
    state: AnswerState,
    variant: str,
    code: str,
    level: int | None,
    memo: dict[str, float | None],
) -> float | None:
    """f(node), None when N/A. With `level`, only requirements of that level count."""
    node = framework.nodes[code]
    if not state.applicable[code]:
        return None
    if node.question is not None:
        status = state.status(framework, code)
        if status in ("na", "not_applicable"):
            return None
        return 0.0 if status == "unanswered" else memo[code]
    return _children_fraction(framework, state, variant, node.children, node.na_policy, level, memo)


def _children_fraction(
    framework: Framework,
    state: AnswerState,
    variant: str,
    children: tuple[str, ...],
    na_policy: str,
    level: int | None,
    memo: dict[str, float | None],
) -> float | None:
    plan = framework.plans[variant]
    acc = 0.0
    weight_sum = 0.0
    for child in _scored_children(framework, variant, children, level):
        weight = plan.shares[child]
        fraction = _node_fraction(framework, state, variant, child, level, memo)
        if fraction is None:
            if na_policy == "zero":
                weight_sum += weight
            continue
        acc += weight * fraction
        weight_sum += weight
    return acc / weight_sum if weight_sum > 0 else None


def _scored_children(
    framework: Framework, variant: str, children: tuple[str, ...], level: int | None
) -> list[str]:
    scored = framework.plans[variant].scored
    return [
        c
        for c in children
        if c in scored and (level is None or level in framework.node_levels.get(c, frozenset()))
    ]


def _question_fractions(framework: Framework, state: AnswerState) -> dict[str, float | None]:
    fractions: dict[str, float | None] = {}
    for code in framework.question_codes:
        question = framework.question(code)
        value = state.parsed.get(code)
        answered = state.status(framework, code) == "answered" and question.is_scored_type
        if question.type == "number" and not question.bands:  # a data field: nothing to score
            answered = False
        fractions[code] = fraction_of(question, value) if answered and value is not None else None
    return fractions


def _effective_weights(
    framework: Framework,
    variant: str,
    children: tuple[str, ...],
    na_policy: str,
    share: float,
    fractions: Mapping[str, float | None],
    level: int | None,
    out: dict[str, float],
) -> None:
    """Distribute `share` over the children that count (N/A ones drop out under renormalise)."""
    plan = framework.plans[variant]
    kept = [
        c
        for c in _scored_children(framework, variant, children, level)
        if fractions.get(c) is not None or na_policy == "zero"
    ]
    weight_sum = sum(plan.shares[c] for c in kept)
    for child in kept:
        out[child] = share * plan.shares[child] / weight_sum
        node = framework.nodes[child]
        if node.children and fractions.get(child) is not None:
            _effective_weights(
                framework, variant, node.children, node.na_policy, out[child], fractions, level, out
            )


def _weighted(framework: Framework, state: AnswerState, variant: str) -> TreeScore:
    memo = _question_fractions(framework, state)
    fractions: dict[str, float | None] = {
        code: _node_fraction(framework, state, variant, code, None, memo)
        for code in framework.nodes
    }
    root = _children_fraction(
        framework, state, variant, framework.roots, framework.na_policy, None, memo
    )
    if root is None and framework.plans[variant].scored:
        raise AnswerError(
            [Problem(NOTHING_APPLICABLE, None, "没有可评分的题目 (nothing applicable to score)")]
        )
    weights: dict[str, float] = {}
    _effective_weights(
        framework, variant, framework.roots, framework.na_policy, 1.0, fractions, None, weights
    )
    total = (root or 0.0) * framework.score_scale
    nodes = {
        code: _node_score(framework, variant, code, fractions[code]) for code in framework.nodes
    }
    points: dict[str, float | None] = {code: n.points for code, n in nodes.items()}
    points[TOTAL] = total
    scored = framework.plans[variant].scored
    questions = {
        code: _trace(
            framework, state, code, memo[code], weights.get(code, 0.0), None, True, code in scored
        )
        for code in framework.question_codes
    }
    return TreeScore(total, nodes, questions, points, weights)


def _node_score(framework: Framework, variant: str, code: str, fraction: float | None) -> NodeScore:
    node = framework.nodes[code]
    max_points = framework.max_points(code, variant)
    if code not in framework.plans[variant].scored:
        return NodeScore(code, node.title, None, 0.0, None, "unscored")
    if fraction is None:
        return NodeScore(code, node.title, None, max_points, None, "na")
    return NodeScore(code, node.title, fraction * max_points, max_points, fraction, "scored")


def _trace(
    framework: Framework,
    state: AnswerState,
    code: str,
    fraction: float | None,
    weight: float,
    level: int | None,
    counted: bool,
    scored: bool,
) -> QuestionTrace:
    question = framework.question(code)
    status = state.status(framework, code)
    if not scored and status in ("answered", "unanswered"):
        status = "unscored"
    shown = fraction if scored and fraction is not None else None
    if scored and status == "unanswered":
        shown = 0.0
    scale = 1.0 if framework.method == "sequential_gate" else framework.score_scale
    contribution = (shown or 0.0) * weight * scale if counted else 0.0
    gain = (1.0 - shown) * weight * scale if shown is not None else 0.0
    return QuestionTrace(
        code=code,
        title=framework.nodes[code].title,
        type=question.type,
        answer=display_answer(question, state.parsed.get(code)),
        status=status,  # type: ignore[arg-type]
        fraction=shown,
        weight=weight,
        contribution=contribution,
        potential_gain=gain,
        level=level,
        counted=counted,
    )


# --- sequential gate ----------------------------------------------------------------------------


def _sequential(framework: Framework, state: AnswerState, variant: str) -> TreeScore:
    memo = _question_fractions(framework, state)
    per_level: dict[int, dict[str, float | None]] = {}
    scores: list[float] = []
    for n in framework.requirement_levels:
        per_level[n] = {
            code: _node_fraction(framework, state, variant, code, n, memo)
            for code in framework.nodes
            if n in framework.node_levels.get(code, frozenset())
        }
        root = _children_fraction(
            framework, state, variant, framework.roots, framework.na_policy, n, memo
        )
        scores.append(root if root is not None else 0.0)
    counted = _counted_levels(framework, scores)
    total = 0.0
    for n, s in zip(framework.requirement_levels, scores, strict=True):
        if n in counted:
            total += s
    weights: dict[str, float] = {}
    for n in framework.requirement_levels:
        _effective_weights(
            framework, variant, framework.roots, framework.na_policy, 1.0, per_level[n], n, weights
        )
    nodes = {
        code: _sequential_node(framework, variant, code, per_level, counted)
        for code in framework.nodes
    }
    points: dict[str, float | None] = {code: n.points for code, n in nodes.items()}
    points[TOTAL] = total
    questions = {}
    for code in framework.question_codes:
        level = framework.question(code).level
        questions[code] = _trace(
            framework,
            state,
            code,
            memo[code],
            weights.get(code, 0.0),
            level,
            level in counted,
            code in framework.plans[variant].scored,
        )
    return TreeScore(total, nodes, questions, points, weights, tuple(scores), counted)


def _counted_levels(framework: Framework, scores: list[float]) -> frozenset[int]:
    """Levels 1 … m, where m is the first level below the gate threshold (or the last level)."""
    counted = set()
    for n, s in zip(framework.requirement_levels, scores, strict=True):
        counted.add(n)
        if s < framework.gate_threshold - EPSILON:
            break
    return frozenset(counted)


def _sequential_node(
    framework: Framework,
    variant: str,
    code: str,
    per_level: Mapping[int, Mapping[str, float | None]],
    counted: frozenset[int],
) -> NodeScore:
    node = framework.nodes[code]
    levels = framework.requirement_levels
    by_level = tuple(per_level[n].get(code) for n in levels)
    if code not in framework.plans[variant].scored or not framework.node_levels.get(code):
        return NodeScore(code, node.title, None, 0.0, None, "unscored", by_level)
    max_points = float(len(framework.node_levels[code]))
    points: float | None = None
    for n, fraction in zip(levels, by_level, strict=True):
        if n in counted and fraction is not None:
            points = (points or 0.0) + fraction
    if points is None:
        return NodeScore(code, node.title, None, max_points, None, "na", by_level)
    return NodeScore(code, node.title, points, max_points, points / max_points, "scored", by_level)
