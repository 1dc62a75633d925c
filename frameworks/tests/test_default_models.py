"""The six default maturity models in frameworks/data/: structure, provenance and scoring.

Plain functions over the YAML files; no database. See frameworks/data/README.md for what each
model is and how far it is verified.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from scoring.maturity import (
    PrerequisiteResult,
    compile_framework,
    crosswalk_answers,
    score_assessment,
)
from scoring.maturity.types import Framework

FRAMEWORKS_DIR = Path(__file__).resolve().parents[1]
DATA_DIR = FRAMEWORKS_DIR / "data"
SCHEMA_PATH = FRAMEWORKS_DIR / "schema" / "framework.schema.json"
ALL_FILES = sorted(p.name for p in DATA_DIR.glob("*.yaml"))

EXPECTED = {
    "gen-js-2025.yaml": ("GEN-JS", "2025"),
    "sf-js-2025.yaml": ("SF-JS", "2025"),
    "cmmm-2020.yaml": ("CMMM", "2020"),
    "sme-dl-2024.yaml": ("SME-DL", "2024"),
    "ai-scene-2025.yaml": ("AI-SCENE", "2025"),
    "zero-carbon-2025.yaml": ("ZERO-CARBON", "2025"),
}
DEFAULT_FILES = sorted(EXPECTED)
PROVISIONAL = [
    "gen-js-2025.yaml",
    "sf-js-2025.yaml",
    "cmmm-2020.yaml",
    "ai-scene-2025.yaml",
    "zero-carbon-2025.yaml",
]

# Rules read in an official notice or a page quoting it ([R] in the reference); nothing else.
VERIFIED_RULES = {
    ("gen-js-2025.yaml", "pass_score_60"),
    ("sf-js-2025.yaml", "excellent_ai_share"),
    ("sf-js-2025.yaml", "leading_ai_share"),
}
SME_CONSTRAINED_SCENES = 10


@cache
def load(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as f:
        definition: dict[str, Any] = yaml.safe_load(f)
    return definition


@cache
def compiled(name: str) -> Framework:
    return compile_framework(load(name))


def walk(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every node of a tree, depth first."""
    return [n for node in nodes for n in [node, *walk(node.get("children", []))]]


def rules_of(name: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (name, level["code"], rule) for level in load(name)["levels"] for rule in level["rules"]
    ]


ALL_RULES = [r for name in DEFAULT_FILES for r in rules_of(name)]
ALL_RULE_IDS = [f"{name}:{level}:{rule['id']}" for name, level, rule in ALL_RULES]
ALL_CROSSWALKS = [(name, cw) for name in DEFAULT_FILES for cw in load(name).get("crosswalks", [])]
FILE_OF_CODE = {code: name for name, (code, _version) in EXPECTED.items()}


def best_answers(framework: Framework) -> dict[str, Any]:
    """The answer that earns the most on every scored question."""
    answers: dict[str, Any] = {}
    for code in framework.question_codes:
        q = framework.question(code)
        if q.type in ("single_choice", "yes_no"):
            answers[code] = max(q.options, key=lambda o: o.score).code
        elif q.type == "multiple_choice":
            answers[code] = [o.code for o in q.options if not o.exclusive]
        elif q.type == "number":
            top = max(q.bands, key=lambda b: b.score)
            answers[code] = top.high if top.high is not None else top.low + 1
        elif q.type == "scene_rating":
            answers[code] = q.max_level
    return answers


TOP_PREREQUISITES = {
    "CMMM": PrerequisiteResult(level="L5", total=5.0, level_order=("L1", "L2", "L3", "L4", "L5")),
}


# --- every file ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FILES)
def test_every_model_file_validates_against_the_json_schema(name: str) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(load(name))]
    assert errors == []


@pytest.mark.parametrize(("name", "code", "version"), [(n, *cv) for n, cv in EXPECTED.items()])
def test_each_default_model_has_its_code_and_version(name: str, code: str, version: str) -> None:
    meta = load(name)["framework"]
    assert (meta["code"], meta["version"]) == (code, version)


@pytest.mark.parametrize("name", DEFAULT_FILES)
def test_every_default_model_compiles_in_the_scoring_engine(name: str) -> None:
    assert compiled(name).code == EXPECTED[name][0]


@pytest.mark.parametrize("name", DEFAULT_FILES)
def test_node_codes_are_unique_within_a_file(name: str) -> None:
    counts = Counter(node["code"] for node in walk(load(name)["nodes"]))
    assert [code for code, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("name", DEFAULT_FILES)
def test_child_codes_extend_their_parent_code(name: str) -> None:
    pairs = [
        (n["code"], c["code"]) for n in walk(load(name)["nodes"]) for c in n.get("children", [])
    ]
    assert [child for parent, child in pairs if not child.startswith(parent + ".")] == []


@pytest.mark.parametrize("name", PROVISIONAL)
def test_every_provisional_model_says_provisional_true(name: str) -> None:
    assert load(name)["framework"]["provisional"] is True


@pytest.mark.parametrize("name", DEFAULT_FILES)
def test_every_model_sets_the_unverified_default_explicitly(name: str) -> None:
    assert load(name)["framework"]["verified"] is False


@pytest.mark.parametrize(("name", "level", "rule"), ALL_RULES, ids=ALL_RULE_IDS)
def test_every_rule_has_an_id_a_source_and_a_verified_mark(
    name: str, level: str, rule: dict[str, Any]
) -> None:
    verified = rule.get("verified", load(name)["framework"]["verified"])
    assert rule["id"]
    assert rule["source"].get("document") or rule["source"].get("url")
    assert isinstance(verified, bool)


@pytest.mark.parametrize(("name", "level", "rule"), ALL_RULES, ids=ALL_RULE_IDS)
def test_only_rules_read_in_an_official_text_are_verified(
    name: str, level: str, rule: dict[str, Any]
) -> None:
    verified = rule.get("verified", load(name)["framework"]["verified"])
    assert verified == ((name, rule["id"]) in VERIFIED_RULES)


@pytest.mark.parametrize(("name", "rule_id"), sorted(VERIFIED_RULES))
def test_verified_rules_cite_the_page_they_were_read_on(name: str, rule_id: str) -> None:
    rule = next(rule for _, _, rule in rules_of(name) if rule["id"] == rule_id)
    assert rule["source"]["url"].startswith("https://")


@pytest.mark.parametrize("name", DEFAULT_FILES)
def test_the_best_answers_earn_the_full_score_and_the_top_level(name: str) -> None:
    framework = compiled(name)
    result = score_assessment(framework, best_answers(framework), prerequisites=TOP_PREREQUISITES)
    assert result.total == pytest.approx(framework.score_scale)
    assert result.level == framework.levels[-1].code


@pytest.mark.parametrize(
    ("name", "crosswalk"), ALL_CROSSWALKS, ids=[f"{n}:{cw['question']}" for n, cw in ALL_CROSSWALKS]
)
def test_crosswalk_values_name_options_that_exist_on_both_sides(
    name: str, crosswalk: dict[str, Any]
) -> None:
    target = compiled(name).question(crosswalk["question"])
    source_file = FILE_OF_CODE[crosswalk["from"]["framework"]]
    source = compiled(source_file).question(crosswalk["from"]["question"])
    source_codes = {o.code for o in source.options}
    values = crosswalk.get("values") or {c: c for c in source_codes}
    assert set(values) <= source_codes
    assert set(values.values()) <= {o.code for o in target.options}


# --- CMMM ---------------------------------------------------------------------------------------


def cmmm_tree() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    elements = load("cmmm-2020.yaml")["nodes"]
    domains = [d for e in elements for d in e["children"]]
    sub_domains = [s for d in domains for s in d["children"]]
    return elements, domains, sub_domains


def test_cmmm_has_4_elements_12_domains_and_20_sub_domains() -> None:
    elements, domains, sub_domains = cmmm_tree()
    assert (len(elements), len(domains), len(sub_domains)) == (4, 12, 20)
    assert [e["title"]["zh"] for e in elements] == ["人员", "技术", "资源", "制造"]


def test_cmmm_sub_domains_hold_only_satisfaction_requirements() -> None:
    requirements = [r for s in cmmm_tree()[2] for r in s["children"]]
    kinds = {(r["question"]["type"], r["question"]["option_set"]) for r in requirements}
    assert kinds == {("single_choice", "satisfaction")}


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_cmmm_has_requirements_at_every_level(level: int) -> None:
    requirements = [r for s in cmmm_tree()[2] for r in s["children"]]
    assert any(r["question"]["level"] == level for r in requirements)


@pytest.mark.parametrize("level", [2, 3, 4, 5])
def test_cmmm_every_sub_domain_has_a_requirement_at_levels_2_to_5(level: int) -> None:
    sub_domains = cmmm_tree()[2]
    missing = [
        s["code"]
        for s in sub_domains
        if all(r["question"]["level"] != level for r in s["children"])
    ]
    assert missing == []


@pytest.mark.parametrize(("total", "level"), [(0.79, None), (0.8, "L1"), (2.8, "L3"), (4.8, "L5")])
def test_cmmm_level_bands_start_at_0_8_and_step_by_one(total: float, level: str | None) -> None:
    bands = [(lv["rules"][0]["gte"], lv["code"]) for lv in load("cmmm-2020.yaml")["levels"]]
    reached = [code for gte, code in bands if total >= gte]
    assert (reached[-1] if reached else None) == level


@pytest.mark.parametrize("variant", ["discrete", "process"])
def test_cmmm_tailoring_logistics_away_still_allows_the_full_score(variant: str) -> None:
    framework = compiled("cmmm-2020.yaml")
    answers = best_answers(framework)
    answers.update({c: "N/A" for c in answers if c.startswith("manufacturing.logistics.")})
    result = score_assessment(framework, answers, variant=variant)
    assert result.total == pytest.approx(5.0)


def test_cmmm_process_variant_weighs_production_more_and_design_less() -> None:
    domains = {d["code"]: d["weight"] for d in cmmm_tree()[1]}
    production, design = domains["manufacturing.production"], domains["manufacturing.design"]
    assert production["process"] > production["discrete"]
    assert design["process"] < design["discrete"]


# --- SME-DL -------------------------------------------------------------------------------------


def test_sme_dimension_weights_are_50_30_20_with_unscored_operations() -> None:
    weights = {n["code"]: n["weight"] for n in load("sme-dl-2024.yaml")["nodes"]}
    assert weights == {"base": 50, "ops": 0, "mgmt": 30, "results": 20}


def test_sme_has_16_scenes_of_which_the_encoded_number_are_constrained() -> None:
    nodes = walk(load("sme-dl-2024.yaml")["nodes"])
    scenes = [n for n in nodes if "scene" in n.get("tags", [])]
    constrained = [n for n in scenes if "constrained" in n["tags"]]
    assert (len(scenes), len(constrained)) == (16, SME_CONSTRAINED_SCENES)


def test_sme_data_collection_links_add_up_to_the_full_ten_points() -> None:
    node = next(
        n for n in walk(load("sme-dl-2024.yaml")["nodes"]) if n["code"] == "base.data_collection"
    )
    assert sum(o["score"] for o in node["question"]["options"]) == pytest.approx(1.0)


@pytest.mark.parametrize(("constrained_at_4", "level"), [(2, None), (3, "L2"), (6, "L4")])
def test_sme_level_needs_enough_constrained_scenes(
    constrained_at_4: int, level: str | None
) -> None:
    framework = compiled("sme-dl-2024.yaml")
    answers = best_answers(framework)
    scenes = [c for c in framework.question_codes if "scene" in framework.nodes[c].tags]
    constrained = [c for c in scenes if "constrained" in framework.nodes[c].tags]
    answers.update(dict.fromkeys(constrained[constrained_at_4:], 0))
    assert score_assessment(framework, answers).level == level


# --- SF-JS --------------------------------------------------------------------------------------


def sf_answers(scene_level: int, ai_scenes: int) -> dict[str, Any]:
    framework = compiled("sf-js-2025.yaml")
    answers = best_answers(framework)
    scenes = [c for c in framework.question_codes if "scene" in framework.nodes[c].tags]
    answers.update(dict.fromkeys(scenes, scene_level))
    answers.update({f"{c}_ai": "yes" if i < ai_scenes else "no" for i, c in enumerate(scenes)})
    return answers


@pytest.mark.parametrize(("ai_scenes", "level"), [(4, "ADVANCED"), (5, "EXCELLENT")])
def test_sf_excellent_needs_ai_in_a_fifth_of_the_scenes_built(ai_scenes: int, level: str) -> None:
    cmmm_l3 = PrerequisiteResult(level="L3", total=3.2, level_order=("L1", "L2", "L3", "L4", "L5"))
    result = score_assessment(
        compiled("sf-js-2025.yaml"), sf_answers(3, ai_scenes), prerequisites={"CMMM": cmmm_l3}
    )
    assert result.level == level


def test_sf_without_a_cmmm_result_stops_below_basic_as_pending() -> None:
    result = score_assessment(compiled("sf-js-2025.yaml"), sf_answers(3, 22))
    statuses = {outcome.code: outcome.status for outcome in result.levels}
    assert (result.level, statuses["BASIC"]) == ("WORKSHOP", "pending")


# --- GEN-JS -------------------------------------------------------------------------------------


def test_gen_carries_the_sme_network_answer_over_through_its_crosswalk() -> None:
    carried = crosswalk_answers(
        compiled("gen-js-2025.yaml"), "SME-DL", {"base.equipment.network": ["ot_net", "g5"]}
    )
    assert carried == {"network_security.coverage": ["wireless", "workshop"]}
