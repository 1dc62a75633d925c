"""Synthetic answers (assessments/synthetic.py): valid for every default model, deterministic for
a seed, and shaped like real enterprises: must-meet gates met by almost everyone, scenes built
and AI applied more often the stronger the enterprise, registry facts kept as given."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from statistics import mean

import pytest
import yaml

from assessments.synthetic import must_meet_questions, synthetic_answers
from scoring import maturity
from scoring.maturity.types import Framework

DATA_DIR = Path(__file__).resolve().parents[2] / "frameworks" / "data"
MODELS = ("AI-SCENE", "CMMM", "GEN-JS", "SF-JS", "SME-DL", "ZERO-CARBON")
SF_JS_GATES = {
    "basic.scale",
    "basic.finance_credit",
    "basic.no_accident",
    "basic.secure_controllable",
    "basic.org_talent",
}


@cache
def _framework(code: str) -> Framework:
    for path in sorted(DATA_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as f:
            definition = yaml.safe_load(f)
        if definition["framework"]["code"] == code:
            return maturity.compile_framework(definition)
    raise LookupError(code)


def _scenes(framework: Framework) -> list[str]:
    return [c for c in framework.question_codes if framework.question(c).type == "scene_rating"]


@pytest.mark.parametrize("code", MODELS)
def test_answers_are_complete_and_scored_by_the_engine(code: str) -> None:
    framework = _framework(code)
    for quality in (0.0, 0.35, 1.0):
        answers = synthetic_answers(framework, quality=quality, rng=random.Random(3))
        assert set(answers) == set(framework.question_codes)
        maturity.score_assessment(framework, answers)  # raises AnswerError on a bad answer


def test_same_seed_same_answers() -> None:
    framework = _framework("SF-JS")
    first = synthetic_answers(framework, quality=0.4, rng=random.Random(9))
    assert first == synthetic_answers(framework, quality=0.4, rng=random.Random(9))
    assert first != synthetic_answers(framework, quality=0.4, rng=random.Random(10))


def test_must_meet_gates_are_the_unscored_yes_no_questions_a_level_condition_reads() -> None:
    assert must_meet_questions(_framework("SF-JS")) == SF_JS_GATES
    # accounting.verified is read by a NEAR_ZERO condition too, but it is scored: not a gate
    assert must_meet_questions(_framework("ZERO-CARBON")) == {"gate.compliance", "gate.statistics"}
    assert must_meet_questions(_framework("CMMM")) == frozenset()


@pytest.mark.parametrize(("quality", "at_least"), [(0.1, 0.55), (0.35, 0.72), (0.9, 0.97)])
def test_weak_and_strong_enterprises_alike_mostly_meet_every_basic_requirement(
    quality: float, at_least: float
) -> None:
    framework, rng = _framework("SF-JS"), random.Random(5)
    met = [
        all(answers[code] == "yes" for code in SF_JS_GATES)
        for answers in (synthetic_answers(framework, quality=quality, rng=rng) for _ in range(400))
    ]
    assert mean(met) >= at_least


def test_known_answers_are_taken_as_given() -> None:
    framework = _framework("SF-JS")
    for seed in range(50):
        answers = synthetic_answers(
            framework, quality=0.9, rng=random.Random(seed), known={"basic.scale": "no"}
        )
        assert answers["basic.scale"] == "no"


def _scene_profile(quality: float) -> tuple[float, float, float]:
    """Mean share of SF-JS scenes built, mean level of the built ones, mean AI share of them."""
    framework, rng = _framework("SF-JS"), random.Random(11)
    scenes = _scenes(framework)
    built, levels, ai = [], [], []
    for _ in range(200):
        answers = synthetic_answers(framework, quality=quality, rng=rng)
        rated = [answers[code] for code in scenes if answers[code] > 0]
        built.append(len(rated) / len(scenes))
        levels.extend(rated)
        with_ai = [answers[f"{code}_ai"] == "yes" for code in scenes if answers[code] > 0]
        ai.append(mean(with_ai) if with_ai else 0.0)
        for code in scenes:  # a follow-up of a scene not built is never yes
            assert answers[code] > 0 or answers[f"{code}_ai"] == "no"
    return mean(built), mean(levels), mean(ai)


def test_scenes_are_built_higher_and_with_more_ai_the_stronger_the_enterprise() -> None:
    weak, middling, strong = (_scene_profile(q) for q in (0.2, 0.5, 0.85))
    for i in range(3):
        assert weak[i] < middling[i] < strong[i]
    assert weak[0] < 0.45  # a weak enterprise has built a few scenes, not most
    assert middling[2] < 0.4 < strong[2]  # AI in most scenes only at the top


def test_sme_digital_operations_scenes_are_run_by_most_smes() -> None:
    framework, rng = _framework("SME-DL"), random.Random(2)
    scenes = _scenes(framework)
    built = [
        sum(answers[code] > 0 for code in scenes) / len(scenes)
        for answers in (synthetic_answers(framework, quality=0.3, rng=rng) for _ in range(200))
    ]
    assert 0.45 < mean(built) < 0.7
