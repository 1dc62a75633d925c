"""Level rules on the single path: each rule's outcome with the values it used, then the level.

A rule passes, fails, or is pending (a prerequisite result that was not supplied): pending never
passes silently. A level is reached when all its rules pass, failed when one fails, otherwise
pending. `highest`: the result is the highest level reached; `cumulative`: the highest level that
is reached together with every level below it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from scoring.maturity import expr as ex
from scoring.maturity.answers import NA, count_value
from scoring.maturity.result import LevelOutcome, PrerequisiteResult, RuleOutcome, RuleStatus
from scoring.maturity.state import AnswerState, TreeScore
from scoring.maturity.types import EPSILON, TOTAL, Framework, Level, Rule, Selector


def evaluate_levels(
    framework: Framework,
    state: AnswerState,
    tree: TreeScore,
    prerequisites: Mapping[str, PrerequisiteResult],
) -> tuple[LevelOutcome, ...]:
    outcomes = []
    for level in framework.levels:
        rules = tuple(_rule(framework, rule, state, tree, prerequisites) for rule in level.rules)
        statuses = {r.status for r in rules}
        status = (
            "failed" if "fail" in statuses else "pending" if "pending" in statuses else "reached"
        )
        outcomes.append(LevelOutcome(level.code, level.rank, level.name, status, rules))  # type: ignore[arg-type]
    return tuple(outcomes)


def result_level(framework: Framework, outcomes: tuple[LevelOutcome, ...]) -> Level | None:
    reached: Level | None = None
    for level, outcome in zip(framework.levels, outcomes, strict=True):
        if outcome.status == "reached":
            reached = level
        elif framework.level_mode == "cumulative":
            break
    return reached


def _rule(
    framework: Framework,
    rule: Rule,
    state: AnswerState,
    tree: TreeScore,
    prerequisites: Mapping[str, PrerequisiteResult],
) -> RuleOutcome:
    if rule.kind == "score":
        status, observed, required, detail = _score(framework, rule, tree)
    elif rule.kind == "count":
        status, observed, required, detail = _count(framework, rule, state)
    elif rule.kind == "share":
        status, observed, required, detail = _share(framework, rule, state)
    elif rule.kind == "condition":
        status, observed, required, detail = _condition(rule, state)
    else:
        status, observed, required, detail = _prerequisite(rule, prerequisites)
    return RuleOutcome(
        id=rule.id,
        kind=rule.kind,
        status=status,
        observed=observed,
        required=required,
        detail=detail,
        text=rule.text,
        verified=rule.verified,
        source={k: v for k, v in asdict(rule.source).items() if v},
    )


Outcome = tuple[RuleStatus, float | str | None, float | str | None, str]


def _passes(observed: float | None, required: float) -> RuleStatus:
    return "pass" if observed is not None and observed >= required - EPSILON else "fail"


def _score(framework: Framework, rule: Rule, tree: TreeScore) -> Outcome:
    observed = tree.node_points.get(rule.node)
    name = "总分" if rule.node == TOTAL else str(framework.nodes[rule.node].title)
    shown = "不适用 (N/A)" if observed is None else f"{observed:.4g}"
    detail = f"{name} {shown} ≥ {rule.gte:g}? (score {rule.node})"
    return _passes(observed, rule.gte), observed, rule.gte, detail


def counted_questions(
    framework: Framework, selector: Selector, min_value: float, state: AnswerState
) -> tuple[list[str], list[str]]:
    """(questions of the selector that count, those answered but below min_value)."""
    hits, below = [], []
    for code in selector.codes:
        value = state.parsed.get(code)
        if not state.applicable[code] or value is None or value is NA:
            continue
        if count_value(framework.question(code), value) >= min_value - EPSILON:
            hits.append(code)
        else:
            below.append(code)
    return hits, below


def _count(framework: Framework, rule: Rule, state: AnswerState) -> Outcome:
    assert rule.select is not None
    hits, _ = counted_questions(framework, rule.select, rule.min_value, state)
    detail = (
        f"{len(hits)} 项 ≥ {rule.min_value:g}，要求 ≥ {rule.gte:g} "
        f"({len(hits)} of [{rule.select.description}] at ≥ {rule.min_value:g}, "
        f"{rule.gte:g} needed)"
    )
    return _passes(float(len(hits)), rule.gte), float(len(hits)), rule.gte, detail


def _share(framework: Framework, rule: Rule, state: AnswerState) -> Outcome:
    assert rule.select is not None
    assert rule.over is not None
    hits, _ = counted_questions(framework, rule.select, rule.min_value, state)
    base, _ = counted_questions(framework, rule.over, rule.over_min_value, state)
    share = len(hits) / len(base) if base else None
    shown = "无分母 (none to divide by)" if share is None else f"{share:.1%}"
    detail = (
        f"{len(hits)}/{len(base)} = {shown}，要求 ≥ {rule.gte:.0%} (share, {rule.gte:.0%} needed)"
    )
    return _passes(share, rule.gte), share, rule.gte, detail


def _condition(rule: Rule, state: AnswerState) -> Outcome:
    assert rule.expr is not None
    holds = ex.evaluate(rule.expr, state.values)
    used = ", ".join(
        f"{code}={_shown(state.values.get(code))}" for code in sorted(ex.references(rule.expr))
    )
    detail = f"{rule.expr_source} → {'成立 (true)' if holds else '不成立 (false)'}; {used}"
    return ("pass" if holds else "fail"), ("true" if holds else "false"), "true", detail


def _shown(value: ex.Value) -> str:
    if value is None:
        return "—"
    if isinstance(value, frozenset):
        return "{" + ",".join(sorted(value)) + "}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _prerequisite(rule: Rule, prerequisites: Mapping[str, PrerequisiteResult]) -> Outcome:
    result = prerequisites.get(rule.framework)
    if rule.min_level is not None:
        required: float | str = rule.min_level
        if result is None or rule.min_level not in result.level_order:
            why = "未提供结果" if result is None else "该模型没有此等级"
            return (
                "pending",
                None,
                required,
                f"{rule.framework} ≥ {rule.min_level}: {why} (pending)",
            )
        if result.level is None:
            return "fail", None, required, f"{rule.framework} 未达到等级，要求 ≥ {rule.min_level}"
        rank = result.level_order.index
        ok = result.level in result.level_order and rank(result.level) >= rank(rule.min_level)
        detail = f"{rule.framework} {result.level} ≥ {rule.min_level}? (prerequisite)"
        return ("pass" if ok else "fail"), result.level, required, detail
    assert rule.min_score is not None
    if result is None or result.total is None:
        return "pending", None, rule.min_score, f"{rule.framework}: 未提供结果 (no result supplied)"
    detail = f"{rule.framework} {result.total:.4g} ≥ {rule.min_score:g}? (prerequisite)"
    return _passes(result.total, rule.min_score), result.total, rule.min_score, detail
