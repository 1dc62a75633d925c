"""Eligibility: each rule kind, with the sentence the applicant reads."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from recognition.eligibility import Check, Eligibility, eligibility_check
from recognition.models import Application
from recognition.tests.factories import (
    make_application,
    make_eligible_results,
    make_result,
    model_version,
)


def _year() -> int:
    return timezone.localdate().year


def _check(world: World, type_code: str, rule: str) -> Check:
    found = eligibility_check(enterprise=world.e1, type_code=type_code, year=_year())
    return next(c for c in found.checks if c.rule == rule)


def test_an_enterprise_with_every_result_in_place_is_eligible(world: World) -> None:
    make_eligible_results(world.e1)
    found = eligibility_check(enterprise=world.e1, type_code="advanced_factory", year=_year())
    assert found.eligible
    assert [c.rule for c in found.checks] == [
        "gen_js_score",
        "sf_js_level",
        "cmmm_level",
        "no_blocking_flags",
    ]


def test_a_score_below_the_line_fails_with_the_numbers_in_the_reason(world: World) -> None:
    make_result(enterprise=world.e1, code="GEN-JS", total=58.0)
    check = _check(world, "advanced_factory", "gen_js_score")
    assert not check.passed
    assert check.text_zh == "数字化转型通用能力自评 58.0 分，低于 60 分"
    assert check.text_en == "General digital capability self-test 58.0, below 60"
    assert (check.observed, check.required) == ("58.0", "≥ 60")


def test_a_score_on_the_line_passes(world: World) -> None:
    make_result(enterprise=world.e1, code="GEN-JS", total=60.0)
    check = _check(world, "advanced_factory", "gen_js_score")
    assert check.passed
    assert "达到 60 分" in check.text_zh


@pytest.mark.parametrize(
    ("level", "passed", "phrase"),
    [
        ("BASIC", False, "智能工厂等级水平自评等级为基础级，未达到先进级"),
        ("ADVANCED", True, "智能工厂等级水平自评等级为先进级，达到先进级"),
        ("LEADING", True, "智能工厂等级水平自评等级为领航级，达到先进级"),
        ("", False, "智能工厂等级水平自评未达到任何等级，需达到先进级"),
    ],
)
def test_levels_compare_by_the_order_of_the_results_model(
    world: World, level: str, passed: bool, phrase: str
) -> None:
    make_result(enterprise=world.e1, code="SF-JS", level=level)
    check = _check(world, "advanced_factory", "sf_js_level")
    assert (check.passed, check.text_zh) == (passed, phrase)


def test_cmmm_level_one_is_below_the_required_level_two(world: World) -> None:
    make_result(enterprise=world.e1, code="CMMM", total=1.2, level="L1")
    check = _check(world, "advanced_factory", "cmmm_level")
    assert not check.passed
    assert check.verified


def test_a_missing_result_fails_and_says_what_is_needed(world: World) -> None:
    model_version("CMMM")
    check = _check(world, "advanced_factory", "cmmm_level")
    assert not check.passed
    assert check.text_zh == "尚无有效的智能制造能力成熟度自评结果（需 ≥ 二级（规范级））"
    assert check.observed == "—"


def test_a_missing_result_of_a_model_not_loaded_names_the_level_code(world: World) -> None:
    check = _check(world, "advanced_factory", "cmmm_level")
    assert check.text_en == "No valid result of the CMMM self-assessment (≥ L2 required)"


def test_a_result_older_than_last_year_does_not_count(world: World) -> None:
    make_result(enterprise=world.e1, code="GEN-JS", total=90.0, year=_year() - 2)
    check = _check(world, "advanced_factory", "gen_js_score")
    assert not check.passed
    assert f"早于 {_year() - 1} 年" in check.text_zh


def test_last_years_result_counts(world: World) -> None:
    make_result(enterprise=world.e1, code="GEN-JS", total=90.0, year=_year() - 1)
    assert _check(world, "advanced_factory", "gen_js_score").passed


HIGH_MISSING = {"code": "missing_evidence", "severity": "high", "message": "8 项高分作答未上传佐证"}
MEDIUM_MISSING = {"code": "missing_evidence", "severity": "medium", "message": "4 项"}
JUMP = {"code": "jump", "severity": "high", "message": "总分跳升"}


@pytest.mark.parametrize(
    ("flags", "passed"),
    [([], True), ([MEDIUM_MISSING], True), ([JUMP], True), ([HIGH_MISSING], False)],
    ids=["none", "medium-missing-evidence", "other-code", "high-missing-evidence"],
)
def test_only_flags_listed_as_blocking_block(
    world: World, flags: list[dict[str, Any]], passed: bool
) -> None:
    make_result(enterprise=world.e1, code="SF-JS", level="ADVANCED", flags=flags)
    check = _check(world, "advanced_factory", "no_blocking_flags")
    assert check.passed is passed


def test_a_blocking_flag_is_named_in_the_reason(world: World) -> None:
    make_result(enterprise=world.e1, code="SF-JS", level="ADVANCED", flags=[HIGH_MISSING])
    check = _check(world, "advanced_factory", "no_blocking_flags")
    assert "智能工厂等级水平自评：8 项高分作答未上传佐证" in check.text_zh
    assert "missing_evidence" in check.text_en


def test_a_national_recommendation_needs_a_recognised_advanced_factory(world: World) -> None:
    check = _check(world, "national_excellent", "advanced_recognised")
    assert not check.passed
    assert check.text_zh == "尚未获认定为省先进级智能工厂"


def test_a_recognised_advanced_factory_meets_the_national_rule(world: World) -> None:
    make_application(
        enterprise=world.e1,
        by=world.users["enterprise"],
        status=Application.Status.RECOGNISED,
        year=_year() - 1,
        certificate_no="苏智能工厂〔2025〕0001号",
        certificate_year=2025,
    )
    check = _check(world, "national_excellent", "advanced_recognised")
    assert check.passed
    assert "苏智能工厂〔2025〕0001号" in check.text_zh


def test_zero_carbon_needs_the_zero_carbon_level(world: World) -> None:
    make_result(enterprise=world.e1, code="ZERO-CARBON", total=70.0, level="NEAR_ZERO")
    check = _check(world, "zero_carbon", "zero_carbon_level")
    assert not check.passed
    assert not check.verified


def test_eligibility_round_trips_through_its_stored_form(world: World) -> None:
    make_eligible_results(world.e1)
    found = eligibility_check(enterprise=world.e1, type_code="advanced_factory", year=_year())
    assert Eligibility.from_dict(found.as_dict()) == found


def test_every_check_carries_its_source_and_verified_mark(world: World) -> None:
    found = eligibility_check(enterprise=world.e1, type_code="advanced_factory", year=_year())
    assert {c.rule: c.verified for c in found.checks} == {
        "gen_js_score": True,
        "sf_js_level": True,
        "cmmm_level": True,
        "no_blocking_flags": False,
    }
    assert all(c.source["document"] for c in found.checks)
