"""Answers after applicability (what conditions, rules and the gap read), and the scored tree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scoring.maturity import expr as ex
from scoring.maturity.answers import MISSING_MANDATORY, NA, Parsed, Problem, expression_value
from scoring.maturity.result import NodeScore, QuestionTrace
from scoring.maturity.types import Framework


@dataclass
class AnswerState:
    """Typed answers after applicability: what expressions and rules see."""

    parsed: dict[str, Parsed]
    applicable: dict[str, bool] = field(default_factory=dict)
    """Per node code (questions included): its own and every ancestor's condition holds."""
    values: dict[str, ex.Value] = field(default_factory=dict)
    """Per question: the value expressions read (None: unanswered, N/A or not applicable)."""

    def status(self, framework: Framework, code: str) -> str:
        if not self.applicable[code]:
            return "not_applicable"
        value = self.parsed.get(code)
        if value is NA:
            return "na"
        if value is None:
            return "unanswered"
        return "answered"


def answer_state(framework: Framework, parsed: dict[str, Parsed]) -> AnswerState:
    state = AnswerState(parsed)
    for code in framework.condition_order:
        applicable = _conditions_hold(framework, code, state.values)
        state.applicable[code] = applicable
        value = parsed.get(code)
        state.values[code] = (
            expression_value(framework.question(code), value)
            if applicable and value is not None and value is not NA
            else None
        )
    for code, node in framework.nodes.items():
        if node.question is None:
            state.applicable[code] = _conditions_hold(framework, code, state.values)
    return state


def _conditions_hold(framework: Framework, code: str, values: Mapping[str, ex.Value]) -> bool:
    for owner in (code, *framework.ancestors(code)):
        condition = framework.nodes[owner].condition
        if condition is not None and not ex.evaluate(condition, values):
            return False
    return True


def missing_mandatory(framework: Framework, state: AnswerState) -> list[Problem]:
    return [
        Problem(
            MISSING_MANDATORY,
            code,
            f"{code}: 必答题未作答 (mandatory question unanswered): {framework.nodes[code].title}",
        )
        for code in framework.question_codes
        if framework.question(code).mandatory and state.status(framework, code) == "unanswered"
    ]


@dataclass
class TreeScore:
    total: float
    nodes: dict[str, NodeScore]
    questions: dict[str, QuestionTrace]
    node_points: dict[str, float | None]
    """Per node code (and TOTAL): the points `score` rules compare."""
    weights: dict[str, float]
    """Per scored node: effective share of the total (sequential: of S at its level)."""
    level_scores: tuple[float, ...] = ()
    counted_levels: frozenset[int] = frozenset()
