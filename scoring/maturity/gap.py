"""The gap to the next level: its unmet rules, and the items that would move the result most.

For a `score` rule: the scored questions under the rule's node, by the points a full answer would
add to that node (largest first). For `count` and `share` rules: the selected questions still below
the rule's value, closest first. For a `condition`: the questions it reads. A prerequisite names
the other model and has no items here.
"""

from __future__ import annotations

from scoring.maturity import expr as ex
from scoring.maturity.answers import display_answer
from scoring.maturity.levels import counted_questions
from scoring.maturity.result import Gap, GapItem, LevelOutcome, RuleOutcome
from scoring.maturity.state import AnswerState, TreeScore
from scoring.maturity.types import TOTAL, Framework, Rule, Text

MAX_ITEMS_PER_RULE = 10


def next_level_gap(
    framework: Framework,
    state: AnswerState,
    tree: TreeScore,
    outcomes: tuple[LevelOutcome, ...],
    reached_rank: int,
) -> Gap | None:
    if reached_rank >= len(framework.levels):
        return None
    level = framework.levels[reached_rank]
    outcome = outcomes[reached_rank]
    unmet = tuple(r for r in outcome.rules if r.status != "pass")
    items: list[GapItem] = []
    for rule, rule_outcome in zip(level.rules, outcome.rules, strict=True):
        if rule_outcome.status != "pass":
            items.extend(_items(framework, state, tree, rule, rule_outcome)[:MAX_ITEMS_PER_RULE])
    return Gap(level.code, level.name, unmet, tuple(items))


def _items(
    framework: Framework, state: AnswerState, tree: TreeScore, rule: Rule, outcome: RuleOutcome
) -> list[GapItem]:
    if rule.kind == "score":
        return _score_items(framework, state, tree, rule)
    if rule.kind in ("count", "share"):
        assert rule.select is not None
        return _below_items(framework, state, rule)
    if rule.kind == "condition":
        assert rule.expr is not None
        return [
            _item(framework, state, code, "使条件成立 (make the condition true)", None, rule)
            for code in sorted(ex.references(rule.expr))
        ]
    return []


def _score_items(
    framework: Framework, state: AnswerState, tree: TreeScore, rule: Rule
) -> list[GapItem]:
    node_weight = 1.0 if rule.node == TOTAL else tree.weights.get(rule.node, 0.0)
    if node_weight <= 0:
        return []
    node_max = (
        framework.score_scale
        if rule.node == TOTAL
        else (tree.nodes[rule.node].max_points if rule.node in tree.nodes else 0.0)
    )
    candidates = []
    for code, trace in tree.questions.items():
        inside = rule.node == TOTAL or rule.node in (code, *framework.ancestors(code))
        if not inside or not trace.counted or trace.fraction is None or trace.fraction >= 1.0:
            continue
        if framework.method == "sequential_gate":
            gain = (1.0 - trace.fraction) * trace.weight
        else:
            gain = (1.0 - trace.fraction) * trace.weight / node_weight * node_max
        if gain > 0:
            candidates.append((gain, code))
    candidates.sort(key=lambda pair: (-pair[0], pair[1]))
    return [
        _item(framework, state, code, "满分 (full marks)", gain, rule) for gain, code in candidates
    ]


def _below_items(framework: Framework, state: AnswerState, rule: Rule) -> list[GapItem]:
    assert rule.select is not None
    _, below = counted_questions(framework, rule.select, rule.min_value, state)
    unanswered = [
        code
        for code in rule.select.codes
        if state.applicable[code] and state.parsed.get(code) is None
    ]
    target = f"≥ {rule.min_value:g}"
    return [_item(framework, state, code, target, None, rule) for code in below + unanswered]


def _item(
    framework: Framework, state: AnswerState, code: str, target: str, gain: float | None, rule: Rule
) -> GapItem:
    return GapItem(
        question=code,
        title=framework.nodes[code].title,
        current=display_answer(framework.question(code), state.parsed.get(code)),
        target=target,
        gain=gain,
        rule=rule.id,
        advice=_advice(framework, code),
    )


def _advice(framework: Framework, code: str) -> Text | None:
    for owner in (code, *framework.ancestors(code)):
        advice = framework.nodes[owner].advice
        if advice is not None:
            return advice
    return None
