"""Synthetic answers for a compiled model: the demo province and the tests fill assessments with
them. `quality` in [0, 1] steers how strong the answers are; the random generator makes them vary.
Every answer produced is valid for its question (the engine's own parser accepts it)."""

from __future__ import annotations

import random
from typing import Any

from scoring.maturity.types import Framework, Question


def synthetic_answers(
    framework: Framework, *, quality: float, rng: random.Random
) -> dict[str, Any]:
    """An answer to every question of `framework`, stronger on average for higher `quality`."""
    return {
        code: _answer(framework.question(code), quality, rng) for code in framework.question_codes
    }


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
    if kind == "scene_rating":
        return round(p * question.max_level)
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
