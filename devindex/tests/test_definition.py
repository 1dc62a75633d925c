"""The definition as data: the shipped JSDI file validates, bad definitions are refused with every
problem listed, the loader is idempotent by hash and never changes a loaded code@version."""

from __future__ import annotations

import copy
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from devindex.definition import (
    definition_nodes,
    definition_problems,
    definition_tree,
    pipeline_config,
    uncertainty_specs,
)
from devindex.models import IndexDefinition
from devindex.services import DEFINITION_CHANGED, index_definition_load
from devindex.tests.factories import jsdi, tiny
from monitoring.definitions import coverage_definition


def _known() -> dict[str, tuple[str, ...]]:
    coverage = coverage_definition()
    return {"populations": coverage.population_codes, "metrics": coverage.metric_codes}


def test_the_shipped_definition_is_valid_against_the_snapshot_metrics() -> None:
    assert definition_problems(jsdi(), **_known()) == []


def test_the_shipped_definition_marks_every_indicator_provisional_and_says_how() -> None:
    indicators = [n for n in definition_nodes(jsdi()) if n["level"] == 1]
    assert len(indicators) >= 15
    assert all(n["provisional"] for n in indicators)
    assert all(n["source"]["how"]["zh"] and n["source"]["task"] for n in indicators)


def test_the_shipped_dimension_weights_sum_to_one() -> None:
    content = jsdi()
    assert sum(d["weight"] for d in content["dimensions"]) == pytest.approx(1.0)


def test_the_tree_has_index_dimensions_and_indicators() -> None:
    tree = definition_tree(tiny())
    assert tree.indicator_codes == ("A", "B", "C")
    assert tree.aggregate_codes == ("D1", "D2", "IDX")


def test_goalposts_map_worst_to_the_low_end_of_the_scale() -> None:
    posts = pipeline_config(tiny(), "city")["normalise"]["posts"]
    worst, best = posts["A"]
    # score = 100 · (x − w′)/(b − w′): 1 at x = 0, 100 at x = 50
    assert 100 * (0 - worst) / (best - worst) == pytest.approx(1.0)
    assert best == 50


def test_counties_are_imputed_by_city_and_cities_overall() -> None:
    assert pipeline_config(tiny(), "county")["impute"] == {"method": "mean", "by": "group"}
    assert pipeline_config(tiny(), "city")["impute"] == {"method": "mean", "by": None}


def test_the_minmax_alternative_carries_the_jrc_rule() -> None:
    normalisation = uncertainty_specs(tiny())[0]
    minmax = normalisation.alternatives[1]
    assert minmax["normalise"] == {"method": "minmax", "lower": 1.0, "upper": 100.0}
    assert minmax["treat"] == {"winmax": 5, "skew": 2.0, "kurt": 3.5}


def _broken(path: list[str | int], value: object) -> dict:
    content = tiny()
    target = content
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return content


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (["format"], "x", "format: expected 'zhigai-devindex/1'"),
        (["dimensions", 0, "weight"], -1, "weight must be a number >= 0"),
        (
            ["dimensions", 0, "indicators", 0, "goalposts"],
            [5, 5],
            "goalposts must be [worst, best]",
        ),
        (["dimensions", 0, "indicators", 0, "direction"], -1, "contradict the direction"),
        (
            ["dimensions", 0, "indicators", 0, "data", "metric"],
            "nope",
            "unknown snapshot metric 'nope'",
        ),
        (["dimensions", 0, "indicators", 0, "data", "kind"], "guess", "data.kind must be one of"),
        (["dimensions", 0, "indicators", 0, "source"], {}, "source needs `how`"),
        (["dimensions", 1, "indicators", 0, "code"], "A", "duplicate iCode"),
        (["method", "aggregate"], {"method": "median"}, "aggregate: unknown method 'median'"),
        (["uncertainty", "n"], 1, "uncertainty.n: expected a whole number >= 2"),
        (["uncertainty", "inputs", 1, "weight_noise"], 2, "weight_noise must be in (0, 1)"),
        (["method", "tiers"], {"method": "kmeans"}, "method.tiers.method"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_problem(path, value, problem) -> None:
    problems = definition_problems(_broken(path, value), **_known())
    assert any(problem in p for p in problems), problems


def test_every_problem_is_listed_at_once() -> None:
    content = tiny()
    content["dimensions"][0]["weight"] = "heavy"
    content["dimensions"][1]["indicators"][0]["goalposts"] = None
    problems = definition_problems(content)
    assert len(problems) == 2


@pytest.mark.django_db
def test_loading_is_idempotent_by_hash() -> None:
    first, created = index_definition_load(content=tiny())
    again, created_again = index_definition_load(content=copy.deepcopy(tiny()))
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert IndexDefinition.objects.count() == 1
    assert AuditEvent.objects.filter(action="index_definition.load").count() == 1


@pytest.mark.django_db
def test_a_loaded_version_with_other_content_is_refused() -> None:
    index_definition_load(content=tiny())
    changed = tiny(title={"zh": "改过的名称"})
    with pytest.raises(ValidationError) as error:
        index_definition_load(content=changed)
    assert error.value.messages == [DEFINITION_CHANGED.format(label="TINY@1")]
    assert IndexDefinition.objects.get().title == "测试指数"


@pytest.mark.django_db
def test_a_bad_definition_is_not_stored() -> None:
    with pytest.raises(ValidationError) as error:
        index_definition_load(content=tiny(index={"name": {"zh": "无代码"}}))
    assert "index: expected {code: ..., name: ...}" in error.value.messages
    assert not IndexDefinition.objects.exists()


@pytest.mark.django_db
def test_the_command_loads_the_shipped_file_once() -> None:
    out = StringIO()
    call_command("load_index_definitions", stdout=out)
    call_command("load_index_definitions", stdout=out)
    definition = IndexDefinition.objects.get()
    assert (definition.code, definition.version, definition.provisional) == ("JSDI", "2025.1", True)
    assert definition.source_file == "jsdi-2025.yaml"
    assert "1 loaded, 0 unchanged" in out.getvalue()
    assert "0 loaded, 1 unchanged" in out.getvalue()


@pytest.mark.django_db
def test_the_command_lists_the_problems_and_loads_nothing(tmp_path: Path) -> None:
    (tmp_path / "a-good.yaml").write_text(yaml.safe_dump(tiny(), allow_unicode=True))
    bad = tiny(code="BAD")
    bad["dimensions"][0]["indicators"][0]["goalposts"] = [1]
    (tmp_path / "b-bad.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True))
    with pytest.raises(CommandError) as error:
        call_command("load_index_definitions", "--dir", str(tmp_path))
    assert "b-bad.yaml" in str(error.value)
    assert "goalposts must be [worst, best]" in str(error.value)
    assert not IndexDefinition.objects.exists()
