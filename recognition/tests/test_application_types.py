"""The application types file (recognition/data/types.yaml) against the default models: every
model and level a rule names exists, sheets add up, and unverified entries say so."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from recognition.application_types import (
    TYPES_FILE,
    application_type,
    application_types,
    catalogue,
    catalogue_parse,
)
from recognition.tests.factories import DATA_DIR, MODEL_FILES
from scoring.maturity import compile_framework

TYPE_CODES = ["advanced_factory", "zero_carbon", "smart_workshop", "national_excellent",
              "national_leading"]  # fmt: skip


def _levels(code: str) -> list[str]:
    with (DATA_DIR / MODEL_FILES[code]).open(encoding="utf-8") as f:
        return [level.code for level in compile_framework(yaml.safe_load(f)).levels]


def _raw() -> dict[str, Any]:
    with TYPES_FILE.open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


def test_the_file_defines_the_five_application_types() -> None:
    assert [kind.code for kind in application_types()] == TYPE_CODES


@pytest.mark.parametrize(
    ("type_code", "rule_id"),
    [
        (kind.code, rule.id)
        for kind in application_types()
        for rule in kind.rules
        if rule.kind == "result_level"
    ],
)
def test_every_required_level_exists_in_its_default_model(type_code: str, rule_id: str) -> None:
    rule = next(r for r in application_type(type_code).rules if r.id == rule_id)
    assert rule.min_level in _levels(rule.framework)


@pytest.mark.parametrize("type_code", TYPE_CODES)
def test_every_rule_has_a_source_and_a_label(type_code: str) -> None:
    kind = application_type(type_code)
    assert all(rule.source.document and rule.label.zh and rule.label.en for rule in kind.rules)


@pytest.mark.parametrize("type_code", TYPE_CODES)
def test_score_sheets_total_100_points(type_code: str) -> None:
    assert application_type(type_code).score_sheet.max_total == 100


@pytest.mark.parametrize("type_code", TYPE_CODES)
def test_certificate_numbers_are_unverified_and_distinct_per_type(type_code: str) -> None:
    certificate = application_type(type_code).certificate
    number = certificate.number(year=2026, seq=7)
    assert not certificate.verified
    assert "2026" in number
    assert "0007" in number
    others = [k.certificate.number(year=2026, seq=7) for k in application_types()]
    assert others.count(number) == 1


def test_only_rules_read_in_an_official_text_are_verified() -> None:
    verified = {(k.code, r.id) for k in application_types() for r in k.rules if r.verified}
    assert verified == {
        ("advanced_factory", "gen_js_score"),
        ("advanced_factory", "sf_js_level"),
        ("advanced_factory", "cmmm_level"),
        ("national_excellent", "advanced_recognised"),
    }


def test_the_advanced_factory_needs_60_points_on_the_general_self_test() -> None:
    rule = application_type("advanced_factory").rules[0]
    assert (rule.framework, rule.gte) == ("GEN-JS", 60)


def test_strategic_enterprises_apply_directly() -> None:
    assert catalogue().direct_categories == ("strategic",)


def test_unknown_type_is_a_key_error_with_a_message() -> None:
    with pytest.raises(KeyError, match="Unknown application type"):
        application_type("nope")


def test_a_rule_of_unknown_kind_is_refused() -> None:
    raw = _raw()
    raw["types"][0]["rules"][0]["kind"] = "guess"
    with pytest.raises(ImproperlyConfigured, match="unknown rule kind"):
        catalogue_parse(raw)


def test_a_recognised_rule_naming_a_missing_type_is_refused() -> None:
    raw = _raw()
    raw["types"][3]["rules"][0]["type"] = "missing"
    with pytest.raises(ImproperlyConfigured, match="unknown type"):
        catalogue_parse(raw)
