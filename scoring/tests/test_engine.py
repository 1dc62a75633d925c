"""Unit tests of the engine's parts: expressions, compile-time checks, answer parsing, purity."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scoring.maturity import AnswerError, FrameworkError, compile_framework, score_assessment
from scoring.maturity import expr as ex


def _definition(**overrides):
    definition = {
        "format": "zhigai-framework/1",
        "framework": {"code": "T", "version": "1", "title": {"zh": "测试"}, "score_scale": 100},
        "levels": [{"code": "L1", "name": {"zh": "一级"}, "rules": [
            {"id": "s", "kind": "score", "node": "total", "gte": 60}]}],
        "nodes": [
            {"code": "a", "title": {"zh": "甲"}, "weight": 3, "question": {
                "type": "single_choice", "options": [
                    {"code": "x", "label": {"zh": "X"}, "score": 0},
                    {"code": "y", "label": {"zh": "Y"}, "score": 1}]}},
            {"code": "b", "title": {"zh": "乙"}, "weight": 1, "question": {
                "type": "number", "min": 0, "max": 100, "na_allowed": True,
                "bands": [{"range": "[0,50]", "score": 0}, {"range": "(50,100]", "score": 1}]}},
            {"code": "raw", "title": {"zh": "原始数据"}, "weight": 0, "question": {
                "type": "number", "mandatory": False}},
        ],
    }  # fmt: skip
    definition.update(overrides)
    return definition


def test_scoring_has_no_django_import():
    code = "import sys, scoring.maturity; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "source",
    ["__import__('os')", "a.b()", "x[0]", "lambda: 1", "(y := 1)", "a if b else c", "f'{a}'"],
)
def test_expressions_refuse_everything_outside_the_language(source):
    with pytest.raises(ex.ExpressionError):
        ex.parse(source)


def test_expressions_treat_a_missing_value_as_false_in_every_comparison():
    expression = ex.parse("not (q == 'a') and not (n > 1) and not (n != 1)")
    assert ex.evaluate(expression, {"q": None, "n": None})


def test_expressions_read_dotted_codes_and_chained_comparisons():
    expression = ex.parse("0 < base.share <= 50 and 'g5' in base.network")
    assert ex.references(expression) == {"base.share", "base.network"}
    assert ex.evaluate(expression, {"base.share": 50.0, "base.network": frozenset({"g5"})})


def test_compile_reports_every_problem_at_once():
    definition = _definition()
    definition["nodes"][0]["condition"] = "a == 'z'"
    definition["levels"][0]["rules"].append({"id": "s", "kind": "score", "node": "nope", "gte": 1})
    with pytest.raises(FrameworkError) as error:
        compile_framework(definition)
    text = "\n".join(error.value.problems)
    assert "'z'" in text
    assert "duplicate rule id" in text
    assert "unknown node" in text


def test_compile_refuses_overlapping_bands():
    definition = _definition()
    definition["nodes"][1]["question"]["bands"][1]["range"] = "[50,100]"
    with pytest.raises(FrameworkError, match="overlapping"):
        compile_framework(definition)


def test_an_unscored_number_without_bands_is_a_data_field():
    framework = compile_framework(_definition())
    result = score_assessment(framework, {"a": "y", "b": 70, "raw": 12})
    assert result.total == pytest.approx(100)
    assert result.questions["raw"].status == "unscored"


def test_na_renormalises_the_remaining_weight():
    framework = compile_framework(_definition())
    result = score_assessment(framework, {"a": "y", "b": "不适用"})
    assert result.total == pytest.approx(100)
    assert result.questions["a"].weight == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"a": "y", "b": 70, "zzz": 1}, "unknown_question"),
        ({"a": "q", "b": 70}, "unknown_option"),
        ({"a": "y", "b": 101}, "out_of_range"),
        ({"a": "y", "b": "many"}, "wrong_type"),
        ({"b": 70}, "missing_mandatory"),
        ({"a": "N/A", "b": 70}, "na_not_allowed"),
    ],
)
def test_bad_answers_are_errors_never_silent_zeros(answers, code):
    framework = compile_framework(_definition())
    with pytest.raises(AnswerError) as error:
        score_assessment(framework, answers)
    assert code in {p.code for p in error.value.problems}


def test_the_gap_names_the_items_worth_most_first():
    framework = compile_framework(_definition())
    result = score_assessment(framework, {"a": "x", "b": 70})
    assert result.level is None
    assert result.gap.level == "L1"
    assert [item.question for item in result.gap.items] == ["a"]
    assert result.gap.items[0].gain == pytest.approx(75)
