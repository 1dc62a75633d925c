"""Synthetic answers for a compiled model: the demo province and the tests fill assessments with
them. `quality` in [0, 1] steers how strong the answers are; the random generator makes them vary.
Every answer produced is valid for its question (the engine's own parser accepts it).

How the answers follow real enterprises, so that the levels the engine derives from them have a
plausible shape (many at the lower levels, few at the top):
- must-meet gates (unscored yes/no questions that a level's `condition` rule reads, such as the
  smart-factory basic requirements: above designated size, sound finances, no major accident) are
  met by almost every enterprise whatever its digital maturity;
- a scene (`scene_rating`) is built with a probability that rises with quality, and a built scene's
  level is around the quality: weaker enterprises have built fewer scenes, not merely lower ones;
- an unscored yes/no follow-up of a scene (e.g. "AI applied in this scene") is more likely the
  higher the scene's level and the enterprise's quality, so high AI shares are rare;
- requirements of a level (CMMM) are met from the lower levels up.
`known` answers (facts the registry already holds, e.g. that the enterprise is above designated
size) are taken as given.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from scoring.maturity.expr import references
from scoring.maturity.types import Framework, Question

GATE_MET = 0.9
"""Probability that an enterprise of quality 0 meets a must-meet gate; misses fall with the square
of (1 - quality), so they are rare among all but the weakest enterprises."""
SCENES_BUILT = {"SME-DL": (0.35, 1.0), "SF-JS": (0.3, 2.2)}
"""Model → (floor, curve): an enterprise of quality q has built a given scene with probability
floor + (1 - floor) * q ** curve; other models (0, 1). The SME digital-operations scenes (CAD,
marketing, quality records) are run by most SMEs in some form; smart-factory scenes beyond the
first few come with maturity, faster the more mature the enterprise; AI scenes in proportion."""


def synthetic_answers(
    framework: Framework,
    *,
    quality: float,
    rng: random.Random,
    known: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An answer to every question of `framework`, stronger on average for higher `quality`;
    `known` answers are used as they are."""
    gates = must_meet_questions(framework)
    built = SCENES_BUILT.get(framework.code, (0.0, 1.0))
    answers: dict[str, Any] = {}
    for code in framework.question_codes:
        if known is not None and code in known:
            answers[code] = known[code]
            continue
        question = framework.question(code)
        if code in gates:
            missed = (1 - GATE_MET) * (1 - quality) ** 2
            answers[code] = "no" if rng.random() < missed else "yes"
        elif question.type == "yes_no" and _is_follow_up(framework, code):
            answers[code] = _follow_up(framework, code, answers, quality, rng)
        elif question.type == "scene_rating":
            answers[code] = _scene(question, quality, built, rng)
        else:
            answers[code] = _answer(question, quality, rng)
    return answers


def must_meet_questions(framework: Framework) -> frozenset[str]:
    """Unscored yes/no questions that a level's `condition` rule reads: the must-meet gates."""
    read: set[str] = set()
    for level in framework.levels:
        for rule in level.rules:
            if rule.kind == "condition" and rule.expr is not None:
                read |= references(rule.expr)
    return frozenset(
        code
        for code in read
        if code in framework.nodes
        and framework.nodes[code].question is not None
        and framework.question(code).type == "yes_no"
        and _unscored(framework, code)
    )


def _unscored(framework: Framework, code: str) -> bool:
    return all(not plan.total_shares.get(code) for plan in framework.plans.values())


def _is_follow_up(framework: Framework, code: str) -> bool:
    """An unscored question asked only when an earlier answer allows it."""
    return framework.nodes[code].condition is not None and _unscored(framework, code)


def _follow_up(
    framework: Framework, code: str, answers: dict[str, Any], quality: float, rng: random.Random
) -> str:
    """Yes more often after a higher-rated scene and for a stronger enterprise; without a rated
    scene to follow, with probability quality²."""
    condition = framework.nodes[code].condition
    assert condition is not None
    rated = [
        answers[ref] / framework.question(ref).max_level
        for ref in sorted(references(condition))
        if ref in answers and framework.question(ref).type == "scene_rating"
    ]
    share = max(rated) if rated else quality
    return "yes" if rng.random() < quality * share else "no"


def _pick(quality: float, rng: random.Random) -> float:
    """A value in [0, 1] around `quality`."""
    return min(1.0, max(0.0, rng.gauss(quality, 0.18)))


def _answer(question: Question, quality: float, rng: random.Random) -> Any:
    if question.level is not None:
        # Requirements of a level (CMMM): lower levels are met first, as in real factories.
        quality = min(1.0, quality + 0.45 - 0.18 * (question.level - 1))
    p = _pick(quality, rng)
    kind = question.type
    if kind == "yes_no":
        return "yes" if p >= 0.5 else "no"
    if kind == "single_choice":
        ranked = sorted(question.options, key=lambda option: option.score)
        return ranked[min(len(ranked) - 1, int(p * len(ranked)))].code
    if kind == "multiple_choice":
        return _multiple(question, p, rng)
    if kind == "number":
        return _number(question, p)
    if kind == "text":
        return "（演示）已建立相关制度并持续改进。"
    return "（演示）见佐证材料。"


def _scene(
    question: Question, quality: float, built: tuple[float, float], rng: random.Random
) -> int:
    """0 (not built) or a level from 1 up: built more often, and higher, for higher quality."""
    floor, curve = built
    if rng.random() >= floor + (1 - floor) * quality**curve:
        return 0
    return 1 + round(_pick(quality, rng) * (question.max_level - 1))


def _multiple(question: Question, p: float, rng: random.Random) -> list[str]:
    plain = [option.code for option in question.options if not option.exclusive]
    chosen = [code for code in plain if rng.random() < p]
    if chosen:
        return chosen
    exclusive = [option.code for option in question.options if option.exclusive]
    return exclusive[:1] or plain[:1]


def _number(question: Question, p: float) -> float:
    if question.bands:
        ranked = sorted(question.bands, key=lambda band: band.score)
        band = ranked[min(len(ranked) - 1, int(p * len(ranked)))]
        return _inside(band.low, band.high, band.low_closed, band.high_closed, question)
    low = question.min if question.min is not None else 0.0
    high = question.max if question.max is not None else 100.0
    return round(low + p * (high - low), 2)


def _inside(
    low: float | None, high: float | None, low_closed: bool, high_closed: bool, question: Question
) -> float:
    """A number inside the band and inside the question's own range."""
    lo = low if low is not None else (question.min if question.min is not None else 0.0)
    hi = high if high is not None else (question.max if question.max is not None else lo + 100.0)
    if low is not None and high is not None:
        return (lo + hi) / 2
    if low is not None:
        return lo if low_closed else lo + min(1.0, (hi - lo) / 2 or 1.0)
    return hi if high_closed else hi - min(1.0, (hi - lo) / 2 or 1.0)
