"""The demo province's assessment results (assessments/demo.py) have a plausible shape: scored by
the real engine from synthetic answers, the smart-factory self-test's levels fall off above
基础级 as a real province's do, the next year is better, and SF-JS results cite a CMMM result of
the same year submitted before them."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from statistics import mean

import pytest
from django.db import transaction

from assessments import demo
from assessments.models import Assessment
from assessments.tests.factories import load_default_models
from frameworks.selectors import framework_version_compiled
from registry.models import Enterprise
from scoring import maturity

ENTERPRISES = 900
LEVELS = ("WORKSHOP", "BASIC", "ADVANCED", "EXCELLENT", "LEADING")
Row = tuple[Assessment, maturity.Result]


@pytest.fixture(scope="module")
def sf_js_rows(django_db_setup, django_db_blocker) -> Iterator[list[Row]]:
    """Demo results of ENTERPRISES above-scale enterprises (not saved) that take the smart-factory
    self-test with a probability equal to their quality (share MEAN_QUALITY, lean 1). Built once
    for the module inside a transaction that is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic(), pytest.MonkeyPatch.context() as mp:
        versions = load_default_models()
        models = {code: (v, framework_version_compiled(v)) for code, v in versions.items()}
        mp.setattr(demo, "PARTICIPATION", (("SF-JS", demo.MEAN_QUALITY, "above_scale", 1.0),))
        rng, by = random.Random(2025), demo._system_user()
        rows: list[Row] = []
        for pk in range(1, ENTERPRISES + 1):
            enterprise = Enterprise(pk=pk, uscc=f"91320000{pk:09d}X", name=f"演示企业{pk}")
            rows += demo._score_enterprise(enterprise, {"above_scale"}, rng, models, by)
        yield rows
        transaction.set_rollback(True)


def _shares(rows: list[Row], year: int) -> dict[str, float]:
    levels = Counter(
        a.level or "none" for a, r in rows if r.framework == "SF-JS" and a.year == year
    )
    total = sum(levels.values())
    return {level: levels[level] / total for level in ("none", *LEVELS)}


def test_smart_factory_levels_fall_off_above_basic(sf_js_rows, db) -> None:
    shares = _shares(sf_js_rows, 2026)
    assert shares["WORKSHOP"] == max(shares.values())
    assert shares["BASIC"] > shares["ADVANCED"] > shares["EXCELLENT"] >= shares["LEADING"]
    assert shares["none"] <= 0.2
    assert 0.35 <= 1 - shares["none"] - shares["WORKSHOP"] <= 0.65  # at least 基础级
    assert shares["LEADING"] <= 0.03


def test_the_next_year_is_better(sf_js_rows, db) -> None:
    by_enterprise: dict[int, dict[int, int]] = {}
    for assessment, result in sf_js_rows:
        if result.framework == "SF-JS":
            by_enterprise.setdefault(assessment.enterprise_id, {})[assessment.year] = (
                assessment.level_rank
            )
    repeated = [ranks for ranks in by_enterprise.values() if len(ranks) == 2]
    assert len(repeated) >= 30
    assert mean(r[2026] for r in repeated) > mean(r[2025] for r in repeated)
    assert _shares(sf_js_rows, 2025)["WORKSHOP"] + _shares(sf_js_rows, 2025)["none"] > (
        _shares(sf_js_rows, 2026)["WORKSHOP"] + _shares(sf_js_rows, 2026)["none"]
    )


def test_smart_factory_results_cite_a_cmmm_result_of_the_same_year(sf_js_rows, db) -> None:
    cmmm = {(a.enterprise_id, a.year): (a, r) for a, r in sf_js_rows if r.framework == "CMMM"}
    smart = [(a, r) for a, r in sf_js_rows if r.framework == "SF-JS"]
    assert smart
    for assessment, result in smart:
        cited, cited_result = cmmm[(assessment.enterprise_id, assessment.year)]
        assert cited.submitted_at < assessment.submitted_at
        rule = next(
            rule
            for level in result.levels
            if level.code == "BASIC"
            for rule in level.rules
            if rule.id == "basic_cmmm_l2"
        )
        assert (rule.status == "pass") == (cited_result.level_rank >= 2)
        assert assessment.answers["basic.scale"] == "yes"  # the registry says 规上


def test_the_same_seed_gives_the_same_results(db) -> None:
    models = {code: (v, framework_version_compiled(v)) for code, v in load_default_models().items()}
    by = demo._system_user()

    def run() -> list[tuple[str, int, str, object, dict[str, object]]]:
        rng, rows = random.Random(7), []
        for pk in range(1, 41):
            enterprise = Enterprise(pk=pk, uscc=f"91320000{pk:09d}X", name=f"演示企业{pk}")
            rows += demo._score_enterprise(enterprise, {"above_scale"}, rng, models, by)
        return [(r.framework, a.year, a.level, a.submitted_at, a.answers) for a, r in rows]

    first = run()
    assert first
    assert first == run()
