"""Golden tests: hand-worked examples of the published rules on the six default models.

Every expected total, node score and level below was computed BY HAND from the rule (reference
/work/shared/reference/frameworks.md: §2.3 CMMM, §3.2-3.3 SME 2024, §1 smart-factory levels) and
the weights and option scores of frameworks/data/*.yaml; the arithmetic is in the comment next to
each case. None of them was obtained by running the engine. `test_hand_computations_assume_*`
pin the YAML weights the arithmetic relies on, so a changed weight points here.

Every case that scores is run twice: `score_assessment` (the explainable path) and `score_frame`
on a one-row Polars frame of text cells (the batch path); both must give the hand-computed total
and level. Plain functions, no database.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from scoring.maturity import (
    AnswerError,
    PrerequisiteResult,
    Result,
    compile_framework,
    result_as_dict,
    score_assessment,
    score_frame,
)
from scoring.maturity.types import Framework

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
FILES = {
    "CMMM": "cmmm-2020.yaml",
    "SME-DL": "sme-dl-2024.yaml",
    "GEN-JS": "gen-js-2025.yaml",
    "SF-JS": "sf-js-2025.yaml",
    "AI-SCENE": "ai-scene-2025.yaml",
    "ZERO-CARBON": "zero-carbon-2025.yaml",
}
CMMM_ORDER = ("L1", "L2", "L3", "L4", "L5")
Models = dict[str, Framework]
Answers = dict[str, Any]


def load_definition(code: str) -> dict[str, Any]:
    """Read the YAML file from disk (every call)."""
    with (DATA_DIR / FILES[code]).open(encoding="utf-8") as f:
        definition: dict[str, Any] = yaml.safe_load(f)
    return definition


@cache
def definition(code: str) -> dict[str, Any]:
    """The YAML file read once for the module (do not mutate)."""
    return load_definition(code)


@pytest.fixture(scope="module")
def fw() -> dict[str, Framework]:
    """The six default models, compiled once for the module."""
    return {code: compile_framework(definition(code)) for code in FILES}


# --- both scoring paths ---------------------------------------------------------------------


def _cell(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    return str(value)


def batch_row(
    framework: Framework,
    answers: Mapping[str, Any],
    *,
    variant: str | None = None,
    prerequisites: Mapping[str, PrerequisiteResult] | None = None,
) -> dict[str, Any]:
    """Score the answers as one row of text cells (lists joined with "|")."""
    row = {code: _cell(value) for code, value in answers.items()}
    if variant is not None:
        row["variant"] = variant
    for code, result in (prerequisites or {}).items():
        row[f"@{code}.level"] = result.level if result.level is not None else "none"
        if result.total is not None:
            row[f"@{code}.total"] = repr(result.total)
    frame = pl.DataFrame({k: [v] for k, v in row.items()}, schema=dict.fromkeys(row, pl.String))
    out = score_frame(framework, frame, prerequisite_levels={"CMMM": CMMM_ORDER})
    return out.row(0, named=True)


def check(
    framework: Framework,
    answers: Mapping[str, Any],
    total: float,
    level: str | None,
    *,
    variant: str | None = None,
    prerequisites: Mapping[str, PrerequisiteResult] | None = None,
) -> Result:
    """Both paths give the hand-computed total and level; returns the single-path result."""
    result = score_assessment(framework, answers, variant=variant, prerequisites=prerequisites)
    assert result.total == pytest.approx(total, abs=1e-9)
    assert result.level == level
    row = batch_row(framework, answers, variant=variant, prerequisites=prerequisites)
    assert row["errors"] is None
    assert row["total"] == pytest.approx(total, abs=1e-9)
    assert row["level"] == level
    return result


def problem_codes(framework: Framework, answers: Mapping[str, Any], **kw: Any) -> set[str]:
    with pytest.raises(AnswerError) as caught:
        score_assessment(framework, answers, **kw)
    return {p.code for p in caught.value.problems}


def merge(*parts: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        out.update(part)
    return out


def at(level: int, *codes: str) -> dict[str, int]:
    return dict.fromkeys(codes, level)


def without_node(definition: dict[str, Any], code: str) -> dict[str, Any]:
    """A deep copy of the definition with one node (and its subtree) removed."""
    pruned = copy.deepcopy(definition)

    def prune(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = [n for n in nodes if n["code"] != code]
        for n in kept:
            if n.get("children"):
                n["children"] = prune(n["children"])
        return kept

    pruned["nodes"] = prune(pruned["nodes"])
    return pruned


def raw_weights(definition: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def walk(nodes: Sequence[Mapping[str, Any]]) -> None:
        for n in nodes:
            out[n["code"]] = n.get("weight", 1)
            walk(n.get("children") or [])

    walk(definition["nodes"])
    return out


# =============================================================================================
# CMMM (GB/T 39117 §6 as known, reference §2.3): satisfaction 1/0.8/0.5/0; S_n = weighted mean of
# the level-n requirements; total = S_1 + … + S_m, m = first level with S_m < 0.8; bands
# 0.8/1.8/2.8/3.8/4.8 → L1…L5.
#
# Discrete weights are per hundred of the total: people 12 (strategy 6, skills 6), technology 21
# (data 8, integration 8, security 5), resources 13 (equipment 7, network 6), manufacturing 54
# (design 12 = product 6 + process 6, production 24 = 7 sub-domains × 24/7, logistics 6, sales 6,
# service 6 = customer 3 + product service 3). Process: technology 22 (security 6), resources 14
# (equipment 8), manufacturing 52 (design 6, production 32, logistics 6, sales 4, service 4 =
# 2 + 2). At levels 2-5 every sub-domain has requirements, so S_n = Σ share × sub-domain mean.
# Level 1 has no integration and no product-service requirement (renormalised within technology
# and service); a sub-domain with two requirements at a level (data l2/l2b, planning l2/l2b,
# operations l2/l2b and l3/l3b) scores their mean.
# =============================================================================================


def cmmm_answers(
    framework: Framework,
    by_level: Sequence[str],
    overrides: Iterable[tuple[str, int | None, str]] = (),
) -> dict[str, str]:
    """Every requirement answered by its level (by_level[0] for level 1 …); an override
    (node prefix, level or None for all, option) replaces the answers under that node."""
    answers = {}
    for code in framework.question_codes:
        level = framework.question(code).level
        assert level is not None
        answer = by_level[level - 1]
        for prefix, at_level, option in overrides:
            if (at_level is None or at_level == level) and (
                code == prefix or code.startswith(prefix + ".")
            ):
                answer = option
        answers[code] = answer
    return answers


FULL5 = ("full", "full", "full", "full", "full")
CMMM_355_LEVELS = ("full", "full", "full", "partly", "full")
CMMM_355_OVERRIDES = [
    ("resources.equipment", 4, "full"),
    ("manufacturing.service.customer_service", 4, "full"),
]

CMMM_CASES = [
    # S1 = S2 = S3 = 1 (all full). S4: equipment (7/100) and customer service (3/100) full, the
    # other 90/100 partly: S4 = 0.10 × 1 + 0.90 × 0.5 = 0.55 < 0.8, so S5 (all full, = 1) is not
    # counted. Total = 1 + 1 + 1 + 0.55 = 3.55 → 2.8 ≤ 3.55 < 3.8 → 三级 (L3), the "3.55分/三级"
    # example of the reference.
    pytest.param(
        CMMM_355_LEVELS,
        CMMM_355_OVERRIDES,
        "discrete",
        (1, 1, 1, 0.55, 1),
        3.55,
        "L3",
        id="S4=0.55-total-3.55-L3",
    ),
    # Same answers, process weights: equipment 8/100 + customer service 2/100 (service 4 over
    # two sub-domains) = 0.10 again → S4 = 0.10 + 0.90 × 0.5 = 0.55, total 3.55 → L3.
    pytest.param(
        CMMM_355_LEVELS,
        CMMM_355_OVERRIDES,
        "process",
        (1, 1, 1, 0.55, 1),
        3.55,
        "L3",
        id="S4=0.55-process-3.55-L3",
    ),
    # S1 = 1; S2: all "mostly" = 0.8 ≥ 0.8 (met) → S3 counted: all "none" = 0 < 0.8 → stop.
    # Total = 1 + 0.8 + 0 = 1.8 → exactly the 二级 bound → L2.
    pytest.param(
        ("full", "mostly", "none", "full", "full"),
        [],
        "discrete",
        (1, 0.8, 0, 1, 1),
        1.8,
        "L2",
        id="exactly-1.8-L2",
    ),
    # S2: all "mostly" except 数据 l2b "partly": 数据 = (0.8 + 0.5)/2 = 0.65, weight 0.08 →
    # S2 = 0.8 − 0.08 × 0.15 = 0.788 < 0.8 → stop (S3 = 1 not counted).
    # Total = 1 + 0.788 = 1.788 < 1.8 → L1.
    pytest.param(
        ("full", "mostly", "full", "full", "full"),
        [("technology.data.data.l2b", 2, "partly")],
        "discrete",
        (1, 0.788, 1, 1, 1),
        1.788,
        "L1",
        id="just-below-1.8-L1",
    ),
    # Gate: S2 with people (0.12) + technology (0.21) + equipment (0.07) = 0.40 full and the other
    # 0.60 partly = 0.40 + 0.30 = 0.7 < 0.8 → S3 (= 1) is not counted. Total = 1 + 0.7 = 1.7 → L1.
    pytest.param(
        ("full", "partly", "full", "full", "full"),
        [("people", 2, "full"), ("technology", 2, "full"), ("resources.equipment", 2, "full")],
        "discrete",
        (1, 0.7, 1, 1, 1),
        1.7,
        "L1",
        id="gate-S2=0.7-S3-not-counted-1.7-L1",
    ),
    # S1: all "partly" = 0.5 < 0.8 → total = S1 = 0.5 < 0.8 → no level (S2…S5 = 1 ignored).
    pytest.param(
        ("partly", "full", "full", "full", "full"),
        [],
        "discrete",
        (0.5, 1, 1, 1, 1),
        0.5,
        None,
        id="S1=0.5-no-level",
    ),
    # S1: all "mostly" except 物流 l1 "partly": 物流 is 6/54 of manufacturing's 0.54 = 0.06 at
    # level 1 too (design, production, logistics, sales, service all have l1) →
    # S1 = 0.8 − 0.06 × 0.3 = 0.782 < 0.8 → total 0.782 → no level.
    pytest.param(
        ("mostly", "full", "full", "full", "full"),
        [("manufacturing.logistics", 1, "partly")],
        "discrete",
        (0.782, 1, 1, 1, 1),
        0.782,
        None,
        id="S1=0.782-no-level",
    ),
    # S1 = 0.8 (all mostly) meets the gate; S2 = 0 counted and stops. Total 0.8 → L1.
    pytest.param(
        ("mostly", "none", "full", "full", "full"),
        [],
        "discrete",
        (0.8, 0, 1, 1, 1),
        0.8,
        "L1",
        id="exactly-0.8-L1",
    ),
    # 1 + 1 + 0.8 + 0 = 2.8 → L3 (S4 = 0 counted, S5 = 1 not).
    pytest.param(
        ("full", "full", "mostly", "none", "full"),
        [],
        "discrete",
        (1, 1, 0.8, 0, 1),
        2.8,
        "L3",
        id="exactly-2.8-L3",
    ),
    # 1 + 1 + 1 + 0.8 + 0 = 3.8 → L4.
    pytest.param(
        ("full", "full", "full", "mostly", "none"),
        [],
        "discrete",
        (1, 1, 1, 0.8, 0),
        3.8,
        "L4",
        id="exactly-3.8-L4",
    ),
    # 1 + 1 + 1 + 1 + 0.8 = 4.8 → L5.
    pytest.param(
        ("full", "full", "full", "full", "mostly"),
        [],
        "discrete",
        (1, 1, 1, 1, 0.8),
        4.8,
        "L5",
        id="exactly-4.8-L5",
    ),
    # S5: all mostly except 数据 l5 partly: 0.8 − 0.08 × 0.3 = 0.776 → total 4.776 < 4.8 → L4.
    pytest.param(
        ("full", "full", "full", "full", "mostly"),
        [("technology.data", 5, "partly")],
        "discrete",
        (1, 1, 1, 1, 0.776),
        4.776,
        "L4",
        id="just-below-4.8-L4",
    ),
    # Everything full: 5 × 1 = 5 → L5 (met levels never count above 1).
    pytest.param(FULL5, [], "discrete", (1, 1, 1, 1, 1), 5.0, "L5", id="all-full-5-L5"),
]


@pytest.mark.parametrize(
    ("by_level", "overrides", "variant", "level_scores", "total", "level"), CMMM_CASES
)
def test_cmmm_total_sums_level_scores_up_to_the_first_unmet_level_and_maps_to_its_band(
    fw: Models,
    by_level: tuple[str, ...],
    overrides: list[tuple[str, int | None, str]],
    variant: str,
    level_scores: tuple[float, ...],
    total: float,
    level: str | None,
) -> None:
    framework = fw["CMMM"]
    answers = cmmm_answers(framework, by_level, overrides)
    result = check(framework, answers, total, level, variant=variant)
    assert result.level_scores == pytest.approx(level_scores, abs=1e-9)


# Level 3: 生产 (all seven sub-domains, l3 and l3b) full, 设计 none, everything else mostly;
# level 4 all partly (0.5); level 5 none.
CMMM_VARIANT_OVERRIDES = [
    ("manufacturing.production", 3, "full"),
    ("manufacturing.design", 3, "none"),
]


@pytest.mark.parametrize(
    ("variant", "s3", "total", "level"),
    [
        # Discrete: S3 = 0.24 × 1 + 0.12 × 0 + (1 − 0.36) × 0.8 = 0.24 + 0.512 = 0.752 < 0.8
        # → stop. Total = 1 + 1 + 0.752 = 2.752 → L2.
        pytest.param("discrete", 0.752, 2.752, "L2", id="discrete-2.752-L2"),
        # Process: S3 = 0.32 × 1 + 0.06 × 0 + (1 − 0.38) × 0.8 = 0.32 + 0.496 = 0.816 ≥ 0.8 → S4
        # = 0.5 counted. Total = 1 + 1 + 0.816 + 0.5 = 3.316 → L3.
        pytest.param("process", 0.816, 3.316, "L3", id="process-3.316-L3"),
    ],
)
def test_cmmm_discrete_and_process_weights_give_different_totals_for_the_same_answers(
    fw: Models, variant: str, s3: float, total: float, level: str
) -> None:
    framework = fw["CMMM"]
    answers = cmmm_answers(
        framework, ("full", "full", "mostly", "partly", "none"), CMMM_VARIANT_OVERRIDES
    )
    result = check(framework, answers, total, level, variant=variant)
    assert result.level_scores[2] == pytest.approx(s3, abs=1e-9)


CMMM_TAILORING = [
    # 产品设计 (tailorable) N/A at every level; level 3: all partly except 工艺设计 full.
    # 设计 at level 3 = 工艺设计 alone = 1 (renormalised), weight 0.12:
    # S3 = 0.12 × 1 + 0.88 × 0.5 = 0.56 < 0.8 → total 1 + 1 + 0.56 = 2.56 → L2.
    # Not tailored (产品设计 answered like the rest: full, full, partly …): 设计 at level 3 =
    # (0.5 + 1)/2 = 0.75 → S3 = 0.12 × 0.75 + 0.44 = 0.53 → total 2.53.
    pytest.param(
        "manufacturing.design.product_design",
        [
            ("manufacturing.design.product_design", None, "N/A"),
            ("manufacturing.design.process_design", 3, "full"),
        ],
        0.56,
        2.56,
        2.53,
        id="product-design-NA",
    ),
    # 物流 (a whole domain) N/A; level 3: all partly except 生产 full. Manufacturing at level 3
    # without 物流: design 12 + production 24 + sales 6 + service 6 = 48, production = 24/48 of
    # 0.54 = 0.27: S3 = 0.27 + 0.73 × 0.5 = 0.635 → total 2.635 → L2.
    # Not tailored (物流 partly at level 3): S3 = 0.24 + 0.76 × 0.5 = 0.62 → total 2.62.
    pytest.param(
        "manufacturing.logistics",
        [("manufacturing.logistics", None, "N/A"), ("manufacturing.production", 3, "full")],
        0.635,
        2.635,
        2.62,
        id="logistics-NA",
    ),
]


@pytest.mark.parametrize(("removed", "overrides", "s3", "total", "untailored"), CMMM_TAILORING)
def test_cmmm_tailored_sub_domain_is_renormalised_away_like_a_model_without_it(
    fw: Models,
    removed: str,
    overrides: list[tuple[str, int | None, str]],
    s3: float,
    total: float,
    untailored: float,
) -> None:
    framework = fw["CMMM"]
    by_level = ("full", "full", "partly", "full", "full")
    answers = cmmm_answers(framework, by_level, overrides)
    result = check(framework, answers, total, "L2", variant="discrete")
    assert result.level_scores[2] == pytest.approx(s3, abs=1e-9)

    pruned = compile_framework(without_node(definition("CMMM"), removed))
    kept = {c: a for c, a in answers.items() if not c.startswith(removed + ".")}
    assert len(kept) < len(answers)
    same = check(pruned, kept, total, "L2", variant="discrete")
    assert same.level_scores == pytest.approx(result.level_scores, abs=1e-9)

    untailored_answers = cmmm_answers(framework, by_level, overrides[1:])
    check(framework, untailored_answers, untailored, "L2", variant="discrete")


def test_cmmm_tailorable_requirements_must_still_be_answered_explicitly(fw: Models) -> None:
    framework = fw["CMMM"]
    answers = cmmm_answers(framework, FULL5)
    del answers["manufacturing.logistics.logistics.l3"]
    assert problem_codes(framework, answers) == {"missing_mandatory"}


@pytest.mark.parametrize(
    ("code", "raw"),
    [
        ("people.strategy.strategy.l1", "N/A"),
        ("manufacturing.service.customer_service.l3", "不适用"),
        ("technology.integration.integration.l2", "n/a"),
    ],
)
def test_cmmm_na_on_a_non_tailorable_requirement_is_refused(
    fw: Models, code: str, raw: str
) -> None:
    framework = fw["CMMM"]
    answers = cmmm_answers(framework, FULL5) | {code: raw}
    with pytest.raises(AnswerError) as caught:
        score_assessment(framework, answers)
    assert [(p.code, p.question) for p in caught.value.problems] == [("na_not_allowed", code)]
    row = batch_row(framework, answers, variant="discrete")
    assert row["total"] is None
    assert code in row["errors"]


@pytest.mark.parametrize(
    ("code", "discrete", "process"),
    [
        ("people", 12, 12),
        ("technology", 21, 22),
        ("resources", 13, 14),
        ("manufacturing", 54, 52),
        ("people.strategy", 6, 6),
        ("people.skills", 6, 6),
        ("technology.data", 8, 8),
        ("technology.integration", 8, 8),
        ("technology.security", 5, 6),
        ("resources.equipment", 7, 8),
        ("resources.network", 6, 6),
        ("manufacturing.design", 12, 6),
        ("manufacturing.production", 24, 32),
        ("manufacturing.logistics", 6, 6),
        ("manufacturing.sales", 6, 4),
        ("manufacturing.service", 6, 4),
    ],
)
def test_hand_computations_assume_these_cmmm_weights(
    code: str, discrete: int, process: int
) -> None:
    assert raw_weights(definition("CMMM"))[code] == {"discrete": discrete, "process": process}


# =============================================================================================
# SME-DL 2024 (reference §3.2-3.3). Points: 数字化基础 50 = 设备系统 20 (网络建设 8,
# 设备数字化 6, 设备联网 6) + 数据采集 10 + 信息系统 10 + 信息安全 10 (网络 5, 数据 5);
# 数字化管理 30 = 规划管理 15 (规划实施 7.5, 管理机制 7.5) + 要素保障 15 (人才 7.5, 资金 7.5);
# 数字化成效 20 = 绿色低碳 7 + 产品质量 7 + 市场效益 6 (市场表现 3, 价值效益 3).
# 数字化经营: 16 scenes (10 约束性), unscored.
# Levels: 四级 ≥80 & ≥10 scenes at 4 & ≥6 constrained at 4; 三级 ≥60 & 8 at ≥3 & 5 constrained;
# 二级 ≥40 & 6 at ≥2 & 3 constrained; 一级 ≥20 & 6 at ≥1 & 3 constrained; highest reached.
# =============================================================================================

SME_CONSTRAINED = (
    "ops.lifecycle.product_design",
    "ops.lifecycle.marketing",
    "ops.execution.production_control",
    "ops.execution.quality",
    "ops.execution.equipment",
    "ops.execution.safety",
    "ops.execution.energy",
    "ops.supply_chain.procurement",
    "ops.supply_chain.warehousing",
    "ops.decision.finance",
)
SME_OTHER_SCENES = (
    "ops.lifecycle.process_design",
    "ops.lifecycle.after_sales",
    "ops.execution.planning",
    "ops.decision.hr",
    "ops.decision.collaboration",
    "ops.decision.decision_support",
)
SME_LINKS = [
    "product_design",
    "process_design",
    "marketing",
    "after_sales",
    "planning",
    "production_control",
    "quality",
    "equipment",
    "safety",
    "energy",
    "procurement",
    "warehousing",
    "finance",
    "hr",
]
LINKS_WITHOUT_FINANCE = [x for x in SME_LINKS if x != "finance"]  # 12 × 0.07 + 0.09 = 0.93
LINKS_WITHOUT_HR = [x for x in SME_LINKS if x != "hr"]  # 13 × 0.07 = 0.91


def sme_scenes(constrained: Sequence[int], other: Sequence[int]) -> dict[str, int]:
    """Levels of the 10 constrained scenes and of the 6 others, in the orders above."""
    assert len(constrained) == len(SME_CONSTRAINED)
    assert len(other) == len(SME_OTHER_SCENES)
    return dict(zip(SME_CONSTRAINED, constrained, strict=True)) | dict(
        zip(SME_OTHER_SCENES, other, strict=True)
    )


# 网络 4 × 0.25 × 8 = 8; 数字化 80 % ∈ (60,100] → 6; 联网 80 % → 6; 数据采集 13 × 0.07 + 0.09 =
# 1.00 → 10; 信息系统 全部 → 10; 网络安全 4 × 0.25 × 5 = 5; 数据安全 5. Sum 50.
SME_BASE_FULL = {
    "base.equipment.network": ["ot_net", "it_net", "g5", "full"],
    "base.equipment.digitised": 80,
    "base.equipment.connected": 80,
    "base.data_collection": SME_LINKS,
    "base.info_systems": "all",
    "base.security.network": ["policy", "products", "assessment", "boundary"],
    "base.security.data": ["policy", "products", "assessment", "ledger"],
}
# 信息系统 无 → 0: 50 − 10 = 40.
SME_BASE_40 = SME_BASE_FULL | {"base.info_systems": "none"}
# Only 数据采集 10 + 信息系统 10 = 20: network 无, 5 % ∈ [0,10] → 0, security 无.
SME_BASE_20 = SME_BASE_FULL | {
    "base.equipment.network": ["none"],
    "base.equipment.digitised": 5,
    "base.equipment.connected": 5,
    "base.security.network": ["none"],
    "base.security.data": ["none"],
}
# 规划实施 持续推进 1 × 7.5; 机制 4 × 0.25 × 7.5; 人才 5 × 0.2 × 7.5; 资金 80 % → 7.5. Sum 30.
SME_MGMT_FULL = {
    "mgmt.planning.implementation": "benchmarking",
    "mgmt.planning.mechanism": ["workflow", "is_rules", "data_rules", "incentives"],
    "mgmt.resources.talent": ["staff", "department", "training", "incentives", "pipeline"],
    "mgmt.resources.funding": 80,
}
SME_MGMT_ZERO = {
    "mgmt.planning.implementation": "not_started",
    "mgmt.planning.mechanism": ["none"],
    "mgmt.resources.talent": ["none"],
    "mgmt.resources.funding": 0,
}
# 能耗 下降 7 + 合格率 上升 7 + 人均收入 上升 3 + 成本 下降 3 = 20.
SME_RESULTS_FULL = {
    "results.green.energy": "down",
    "results.quality": "up",
    "results.market.performance": "up",
    "results.market.value": "down",
}
# Worst trend everywhere: 能耗 上升 0, 合格率 下降 0, 人均收入 下降 0, 成本 上升 0.
SME_RESULTS_ZERO = {
    "results.green.energy": "up",
    "results.quality": "down",
    "results.market.performance": "down",
    "results.market.value": "up",
}
# 能耗 持平 3.5 + 合格率 持平 3.5 + 人均收入 上升 3 + 成本 上升 0 = 10.
SME_RESULTS_10 = {
    "results.green.energy": "flat",
    "results.quality": "flat",
    "results.market.performance": "up",
    "results.market.value": "up",
}

SME_80 = merge(SME_BASE_FULL, SME_MGMT_FULL, SME_RESULTS_ZERO)  # 50 + 30 + 0 = 80
SME_79_3 = SME_80 | {"base.data_collection": LINKS_WITHOUT_FINANCE}  # 80 − 0.7 = 79.3
SME_60 = merge(SME_BASE_FULL, SME_MGMT_ZERO, SME_RESULTS_10)  # 50 + 0 + 10 = 60
SME_59_3 = SME_60 | {"base.data_collection": LINKS_WITHOUT_FINANCE}  # 60 − 0.7 = 59.3
SME_40 = merge(SME_BASE_40, SME_MGMT_ZERO, SME_RESULTS_ZERO)  # 40 + 0 + 0 = 40
SME_39_1 = SME_40 | {"base.data_collection": LINKS_WITHOUT_HR}  # 40 − 0.9 (人力资源) = 39.1
SME_20 = merge(SME_BASE_20, SME_MGMT_ZERO, SME_RESULTS_ZERO)  # 20
SME_19_3 = SME_20 | {"base.data_collection": LINKS_WITHOUT_FINANCE}  # 20 − 0.7 = 19.3
SME_100 = merge(SME_BASE_FULL, SME_MGMT_FULL, SME_RESULTS_FULL)  # 50 + 30 + 20 = 100

SME_LEVEL_CASES = [
    # Full marks: 50 + 30 + 20 = 100, all 16 scenes at 4 → L4.
    pytest.param(SME_100, sme_scenes([4] * 10, [4] * 6), 100, "L4", id="full-marks-100-L4"),
    # 100 points but no scene built: 一级 needs 6 scenes at ≥1 → below 一级.
    pytest.param(SME_100, sme_scenes([0] * 10, [0] * 6), 100, None, id="100-no-scenes-none"),
    # --- 四级: 80 and 10 scenes at 4 of which 6 constrained (6 + 4 others).
    pytest.param(
        SME_80, sme_scenes([4] * 6 + [0] * 4, [4] * 4 + [0] * 2), 80, "L4", id="80-10at4-6c-L4"
    ),
    # 10 at 4 but only 5 constrained (5 + 5 others) → not 四级; 三级: 80 ≥ 60, 10 at ≥3,
    # 5 constrained at ≥3 → L3.
    pytest.param(
        SME_80, sme_scenes([4] * 5 + [0] * 5, [4] * 5 + [0]), 80, "L3", id="80-10at4-5c-L3"
    ),
    # 9 at 4 (6 constrained + 3 others) → not 四级 → L3 (9 ≥ 8, 6 ≥ 5).
    pytest.param(
        SME_80, sme_scenes([4] * 6 + [0] * 4, [4] * 3 + [0] * 3), 80, "L3", id="80-9at4-L3"
    ),
    # 79.3 (数据采集 without 财务管理: 12 × 0.07 + 0.09 = 0.93 → 9.3) with the 四级 scenes → L3.
    pytest.param(
        SME_79_3, sme_scenes([4] * 6 + [0] * 4, [4] * 4 + [0] * 2), 79.3, "L3", id="79.3-L3"
    ),
    # --- 三级: 60 and 8 scenes at ≥3 of which 5 constrained (5 + 3 others) → L3.
    pytest.param(
        SME_60, sme_scenes([3] * 5 + [0] * 5, [3] * 3 + [0] * 3), 60, "L3", id="60-8at3-5c-L3"
    ),
    # 59.3 → not 三级; 二级: 59.3 ≥ 40, 8 at ≥2, 5 constrained at ≥2 → L2.
    pytest.param(
        SME_59_3, sme_scenes([3] * 5 + [0] * 5, [3] * 3 + [0] * 3), 59.3, "L2", id="59.3-L2"
    ),
    # 7 at ≥3 (5 constrained + 2 others; the rest at 2) → not 三级 → L2.
    pytest.param(
        SME_60, sme_scenes([3] * 5 + [2] * 5, [3] * 2 + [2] * 4), 60, "L2", id="60-7at3-L2"
    ),
    # 8 at ≥3 but 4 constrained (4 + 4 others) → not 三级 → L2.
    pytest.param(
        SME_60, sme_scenes([3] * 4 + [2] * 6, [3] * 4 + [2] * 2), 60, "L2", id="60-8at3-4c-L2"
    ),
    # --- 二级: 40 (信息系统 无: 50 − 10) and 6 at ≥2 of which 3 constrained → L2.
    pytest.param(
        SME_40, sme_scenes([2] * 3 + [0] * 7, [2] * 3 + [0] * 3), 40, "L2", id="40-6at2-3c-L2"
    ),
    # 39.1 (数据采集 without 人力资源: 13 × 0.07 = 0.91 → 9.1) → not 二级; 一级 holds → L1.
    pytest.param(
        SME_39_1, sme_scenes([2] * 3 + [0] * 7, [2] * 3 + [0] * 3), 39.1, "L1", id="39.1-L1"
    ),
    # 5 at ≥2 (3 constrained + 2 others; the rest at 1) → not 二级 → L1.
    pytest.param(
        SME_40, sme_scenes([2] * 3 + [1] * 7, [2] * 2 + [1] * 4), 40, "L1", id="40-5at2-L1"
    ),
    # 6 at ≥2 but 2 constrained → not 二级 → L1.
    pytest.param(
        SME_40, sme_scenes([2] * 2 + [1] * 8, [2] * 4 + [1] * 2), 40, "L1", id="40-6at2-2c-L1"
    ),
    # --- 一级: 20 (数据采集 10 + 信息系统 10) and 6 at ≥1 of which 3 constrained → L1.
    pytest.param(
        SME_20, sme_scenes([1] * 3 + [0] * 7, [1] * 3 + [0] * 3), 20, "L1", id="20-6at1-3c-L1"
    ),
    # 19.3 → below 一级.
    pytest.param(
        SME_19_3, sme_scenes([1] * 3 + [0] * 7, [1] * 3 + [0] * 3), 19.3, None, id="19.3-none"
    ),
    # 5 at ≥1 → below 一级.
    pytest.param(
        SME_20, sme_scenes([1] * 3 + [0] * 7, [1] * 2 + [0] * 4), 20, None, id="20-5at1-none"
    ),
    # 6 at ≥1 but 2 constrained → below 一级.
    pytest.param(
        SME_20, sme_scenes([1] * 2 + [0] * 8, [1] * 4 + [0] * 2), 20, None, id="20-6at1-2c-none"
    ),
]


@pytest.mark.parametrize(("points", "scenes", "total", "level"), SME_LEVEL_CASES)
def test_sme_level_needs_the_score_and_both_scene_counts(
    fw: Models, points: Answers, scenes: dict[str, int], total: float, level: str | None
) -> None:
    check(fw["SME-DL"], points | scenes, total, level)


# A mixed answer set: bands, multiple choice, trends, the 0.07/0.09 data-collection fractions and
# unscored raw figures.
SME_MIXED = {
    "base.equipment.network": ["ot_net", "g5"],  # 2 × 0.25 × 8 = 4
    "base.equipment.digitised": 35,  # (20,40] → 0.5 × 6 = 3
    "base.equipment.connected": 10,  # [0,10] (closed) → 0
    "base.equipment.devices_total": 200,  # unscored
    "base.equipment.devices_digitised": 70,  # unscored
    "base.equipment.devices_connected": 20,  # unscored
    "base.data_collection": ["product_design", "quality", "hr"],  # 0.07 + 0.07 + 0.09 = 0.23 → 2.3
    "base.info_systems": "over_80",  # 0.75 × 10 = 7.5
    "base.security.network": ["policy", "products", "assessment", "boundary"],  # 5
    "base.security.data": ["policy"],  # 0.25 × 5 = 1.25
    "mgmt.planning.implementation": "started",  # 0.6 × 7.5 = 4.5
    "mgmt.planning.mechanism": ["workflow", "data_rules"],  # 0.5 × 7.5 = 3.75
    "mgmt.resources.talent": ["staff", "training", "pipeline"],  # 0.6 × 7.5 = 4.5
    "mgmt.resources.funding": 20.5,  # (20,40] → 0.5 × 7.5 = 3.75
    "mgmt.resources.funding_amount": 120,  # unscored
    "results.green.energy": "down",  # lower is better: 1 × 7 = 7
    "results.quality": "flat",  # 0.5 × 7 = 3.5
    "results.market.performance": "down",  # higher is better: 0
    "results.market.value": "flat",  # 0.5 × 3 = 1.5
    "results.market.revenue_last_year": 5000,  # unscored
}
# Scenes: at ≥2 → 6 constrained + 2 others = 8, at ≥1 → 12 (8 constrained).
SME_MIXED_SCENES = sme_scenes([3, 3, 3, 2, 2, 2, 1, 1, 0, 0], [2, 2, 1, 1, 0, 0])


@pytest.mark.parametrize(
    ("node", "points"),
    [
        ("base.equipment", 7.0),  # 4 + 3 + 0
        ("base.data_collection", 2.3),
        ("base.info_systems", 7.5),
        ("base.security", 6.25),  # 5 + 1.25
        ("base", 23.05),  # 7 + 2.3 + 7.5 + 6.25
        ("mgmt.planning", 8.25),  # 4.5 + 3.75
        ("mgmt.resources", 8.25),  # 4.5 + 3.75
        ("mgmt", 16.5),
        ("results.green", 7.0),
        ("results.market", 1.5),  # 0 + 1.5
        ("results", 12.0),  # 7 + 3.5 + 1.5
    ],
)
def test_sme_mixed_answers_score_the_hand_computed_points(
    fw: Models, node: str, points: float
) -> None:
    # Total 23.05 + 16.5 + 12 = 51.55 ≥ 40 with 8 scenes at ≥2 (6 constrained), < 60 → 二级.
    result = check(fw["SME-DL"], SME_MIXED | SME_MIXED_SCENES, 51.55, "L2")
    assert result.nodes[node].points == pytest.approx(points, abs=1e-9)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"base.equipment.network": ["none", "ot_net"]}, "exclusive_combined"),
        ({"base.data_collection": ["hr", "none"]}, "exclusive_combined"),
        ({"mgmt.resources.talent": ["none", "staff", "training"]}, "exclusive_combined"),
        # The bands of every rate cover [0, 100] = [min, max]: a number outside every band is
        # necessarily outside min/max, reported as out_of_range (no_band cannot occur here).
        ({"base.equipment.digitised": 150}, "out_of_range"),
        ({"base.equipment.connected": -1}, "out_of_range"),
        ({"mgmt.resources.funding": 100.5}, "out_of_range"),
        ({"base.equipment.devices_total": -3}, "out_of_range"),
        ({"ops.decision.hr": 5}, "out_of_range"),
        ({"base.info_systems": "most"}, "unknown_option"),
        ({"results.quality": "N/A"}, "na_not_allowed"),
        ({"ops.lifecycle.after_sales": None}, "missing_mandatory"),
    ],
)
def test_sme_invalid_answer_is_an_error_on_both_paths(
    fw: Models, change: Answers, code: str
) -> None:
    framework = fw["SME-DL"]
    answers = SME_MIXED | SME_MIXED_SCENES | change
    answers = {k: v for k, v in answers.items() if v is not None}
    assert problem_codes(framework, answers) == {code}
    row = batch_row(framework, answers)
    assert row["total"] is None
    assert row["level"] is None
    assert row["errors"]


@pytest.mark.parametrize("value", [-5, 100.5])
def test_sme_number_in_no_band_is_an_error_when_min_and_max_do_not_catch_it_first(
    fw: Models, value: float
) -> None:
    # The default file cannot show no_band (its bands cover [min, max]); without min/max the
    # 设备数字化 bands still only cover [0, 100], so −5 and 100.5 fall in no band.
    changed = copy.deepcopy(definition("SME-DL"))
    equipment = next(n for n in changed["nodes"] if n["code"] == "base")["children"][0]
    digitised = next(n for n in equipment["children"] if n["code"] == "base.equipment.digitised")
    del digitised["question"]["min"], digitised["question"]["max"]
    framework = compile_framework(changed)
    answers = SME_MIXED | SME_MIXED_SCENES | {"base.equipment.digitised": value}
    assert problem_codes(framework, answers) == {"no_band"}
    assert batch_row(framework, answers)["errors"]


@pytest.mark.parametrize(
    ("code", "weight"),
    [
        ("base", 50),
        ("mgmt", 30),
        ("results", 20),
        ("ops", 0),
        ("base.equipment", 40),
        ("base.data_collection", 20),
        ("base.info_systems", 20),
        ("base.security", 20),
        ("base.equipment.network", 8),
        ("base.equipment.digitised", 6),
        ("base.equipment.connected", 6),
        ("mgmt.planning", 50),
        ("mgmt.resources", 50),
        ("results.green", 35),
        ("results.quality", 35),
        ("results.market", 30),
    ],
)
def test_hand_computations_assume_these_sme_weights(code: str, weight: int) -> None:
    assert raw_weights(definition("SME-DL"))[code] == weight


def test_hand_computations_assume_these_sme_constrained_scenes(fw: Models) -> None:
    framework = fw["SME-DL"]
    tagged = {c for c, n in framework.nodes.items() if "constrained" in n.tags}
    scenes = {c for c, n in framework.nodes.items() if "scene" in n.tags}
    assert tagged == set(SME_CONSTRAINED)
    assert scenes == set(SME_CONSTRAINED) | set(SME_OTHER_SCENES)


# =============================================================================================
# GEN-JS (Jiangsu 通用能力自评测, provisional structure; the 60-point line is the official rule).
# Areas: 工厂建设 15 (5 questions × 3), 研发设计 15 (4 children × 3.75; PDM node: 2 × 1.875),
# 生产作业 20 (5 × 4), 经营管理 15 (5 × 3), 能耗与碳排放 10 (5 × 2; carbon node 2 × 1),
# 网络与安全 15 (5 × 3), 数据与人工智能 10 (5 × 2). Text and evidence questions weigh 0.
# =============================================================================================

GEN_60 = {
    # 工厂建设 15: 95 % ∈ [90,100] 1 → 3; 85 % ∈ [80,100] 1 → 3; 4 × 0.25 → 3; 数字孪生 1 → 3;
    # 规划 是 → 3.
    "factory.key_process_nc": 95,
    "factory.equipment_connected": 85,
    "factory.smart_equipment": ["robots", "agv", "inspection", "smart_lines"],
    "factory.layout": "digital_twin",
    "factory.retrofit_plan": "yes",
    "factory.projects": "一期改造",  # text, unscored
    # 研发设计 7.5: CAD + CAE 0.5 → 1.875; 95 % → 1 → 3.75; PDM 否 → 0 and its follow-up is not
    # asked (the answer below is ignored; na_policy zero: (0 + 0)/2 = 0) → 0; 部分仿真 0.5 → 1.875.
    "rnd.tools": ["cad", "cae"],
    "rnd.tool_share": 95,
    "rnd.pdm.deployed": "no",
    "rnd.pdm.integration": "end_to_end",
    "rnd.validation": "partial",
    # 生产作业 20: every question at its top option → 5 × 4.
    "production.execution": "integrated",
    "production.data_collection": 80,  # [80,100] → 1
    "production.quality": ["online_inspection", "spc", "traceability", "machine_vision"],
    "production.scheduling": "aps",
    "production.predictive_maintenance": "yes",
    "production.evidence": "report.pdf",  # unscored
    # 经营管理 7.5: core 0.5 → 1.5; SRM + CRM 0.5 → 1.5; 经验 0 → 0; 上云 是 → 3; 1.5 % ∈ [1,2)
    # 0.5 → 1.5.
    "management.erp": "core",
    "management.supply_chain": ["srm", "crm"],
    "management.decision": "experience",
    "management.cloud": "yes",
    "management.investment": 1.5,
    # 能耗与碳排放 5: 人工 0; 持平 0.5 → 1; carbon: 核算 是 1, 核查 否 0 → 0.5 × 2 = 1; 30 % ∈
    # [30,100] → 2; 2 × 0.25 → 1.
    "energy_carbon.metering": "manual",
    "energy_carbon.intensity_trend": "flat",
    "energy_carbon.carbon.accounting": "yes",
    "energy_carbon.carbon.verified": "no",
    "energy_carbon.renewable_share": 30,
    "energy_carbon.measures": ["retrofit", "waste_heat"],
    # 网络与安全 3: 无, 无, 无, 等保 否 → 0; 安全事件 否 → no_score 1 → 3.
    "network_security.coverage": ["none"],
    "network_security.new_networks": ["none"],
    "network_security.measures": ["none"],
    "network_security.graded": "no",
    "network_security.incidents": "no",
    # 数据与人工智能 2: 0; 制度 0.25 → 0.5; 否 0; 2 个 ∈ [1,3) 0.5 → 1; 视觉 0.25 → 0.5.
    "data_ai.governance": "none",
    "data_ai.data_security": ["policy"],
    "data_ai.platform": "no",
    "data_ai.ai_scenes": 2,
    "data_ai.ai_types": ["vision"],
    "data_ai.next_steps": "推进大模型应用",  # text, unscored
}
# Total 15 + 7.5 + 20 + 7.5 + 5 + 3 + 2 = 60.

GEN_CASES = [
    pytest.param(GEN_60, 60, "PASS", id="exactly-60-PASS"),
    # 决策 定期报表 0.33 × 3 = +0.99 and AI 场景 0 个 ∈ [0,1) → −1:
    # 60 + 0.99 − 1 = 59.99 → no level.
    pytest.param(
        GEN_60 | {"management.decision": "reports", "data_ai.ai_scenes": 0},
        59.99,
        None,
        id="59.99-no-level",
    ),
    # PDM 是: the follow-up is asked and counted: PDM = (1 + 1)/2 × 3.75 = 3.75 → 63.75 → PASS.
    pytest.param(GEN_60 | {"rnd.pdm.deployed": "yes"}, 63.75, "PASS", id="pdm-yes-63.75"),
    # 碳核算 否: 核查 not asked (its "yes" ignored): carbon = (0 + 0)/2 = 0 instead of 1 →
    # 能耗与碳排放 4 → total 59 → no level.
    pytest.param(
        GEN_60 | {"energy_carbon.carbon.accounting": "no", "energy_carbon.carbon.verified": "yes"},
        59,
        None,
        id="carbon-no-verified-ignored-59",
    ),
    # 设计工具 N/A (allowed), 验证 virtual: 研发设计 renormalises over the other three:
    # (1 + 0 + 1)/3 × 15 = 10 → 60 − 7.5 + 10 = 62.5 → PASS.
    pytest.param(
        GEN_60 | {"rnd.tools": "N/A", "rnd.validation": "virtual"}, 62.5, "PASS", id="tools-NA-62.5"
    ),
    # Same with 设计工具 无 (0) instead: (0 + 1 + 0 + 1)/4 × 15 = 7.5 → 60 → PASS.
    pytest.param(
        GEN_60 | {"rnd.tools": ["none"], "rnd.validation": "virtual"}, 60, "PASS", id="tools-none"
    ),
    # Both N/A: (0 + 1)/2 × 15 = 7.5 → 60 → PASS.
    pytest.param(
        GEN_60 | {"rnd.tools": "N/A", "rnd.tool_share": "不适用", "rnd.validation": "virtual"},
        60,
        "PASS",
        id="tools-and-share-NA",
    ),
]


@pytest.mark.parametrize(("answers", "total", "level"), GEN_CASES)
def test_gen_js_passes_at_60_points(
    fw: Models, answers: Answers, total: float, level: str | None
) -> None:
    check(fw["GEN-JS"], answers, total, level)


def test_gen_js_follow_up_not_asked_is_ignored_and_scores_zero(fw: Models) -> None:
    framework = fw["GEN-JS"]
    without = {k: v for k, v in GEN_60.items() if k != "rnd.pdm.integration"}
    given = check(framework, GEN_60, 60, "PASS")
    omitted = check(framework, without, 60, "PASS")
    for result in (given, omitted):
        assert result.questions["rnd.pdm.integration"].status == "not_applicable"
        assert result.questions["rnd.pdm.integration"].contribution == 0
        assert result.nodes["rnd.pdm"].points == pytest.approx(0.0, abs=1e-9)
        assert result.nodes["rnd"].points == pytest.approx(7.5, abs=1e-9)


def test_gen_js_follow_up_is_mandatory_once_its_condition_holds(fw: Models) -> None:
    answers = {k: v for k, v in GEN_60.items() if k != "rnd.pdm.integration"}
    answers["rnd.pdm.deployed"] = "yes"
    with pytest.raises(AnswerError) as caught:
        score_assessment(fw["GEN-JS"], answers)
    assert [(p.code, p.question) for p in caught.value.problems] == [
        ("missing_mandatory", "rnd.pdm.integration")
    ]
    assert batch_row(fw["GEN-JS"], answers)["errors"]


@pytest.mark.parametrize(
    ("code", "weight"),
    [
        ("factory", 15),
        ("rnd", 15),
        ("production", 20),
        ("management", 15),
        ("energy_carbon", 10),
        ("network_security", 15),
        ("data_ai", 10),
        ("rnd.pdm", 1),
        ("energy_carbon.carbon", 1),
    ],
)
def test_hand_computations_assume_these_gen_js_weights(code: str, weight: int) -> None:
    assert raw_weights(definition("GEN-JS"))[code] == weight


# =============================================================================================
# SF-JS (smart-factory gradient, provisional thresholds; cumulative levels). Five areas of 20
# points: 工厂建设, 研发设计, 生产作业 4 scenes × 5 (1.25 per scene level), 生产管理, 运营管理
# 5 scenes × 4 (1 per level). AI share = scenes with AI 是 / scenes built (level ≥ 1).
# =============================================================================================

SF_FACTORY = (
    "factory.planning",
    "factory.infrastructure",
    "factory.digital_twin",
    "factory.line_reconfiguration",
)
SF_RND = ("rnd.product_design", "rnd.virtual_test", "rnd.process_design", "rnd.knowledge")
SF_PRODUCTION = (
    "production.online_inspection",
    "production.process_control",
    "production.human_robot",
    "production.material_handling",
)
SF_PROD_MGMT = (
    "prod_mgmt.scheduling",
    "prod_mgmt.equipment",
    "prod_mgmt.quality",
    "prod_mgmt.energy",
    "prod_mgmt.safety_env",
)
SF_OPERATIONS = (
    "operations.supply_chain",
    "operations.warehousing",
    "operations.sales",
    "operations.remote_service",
    "operations.decision",
)
SF_SCENES = SF_FACTORY + SF_RND + SF_PRODUCTION + SF_PROD_MGMT + SF_OPERATIONS
SF_GATES = (
    "basic.scale",
    "basic.finance_credit",
    "basic.no_accident",
    "basic.secure_controllable",
    "basic.org_talent",
)


def sf_answers(
    levels: Mapping[str, int], ai: Iterable[str] = (), gates: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Every scene at its level (0 when not listed); the AI follow-up of each built scene is
    "yes" for the scenes in `ai`, "no" otherwise; the basic requirements "yes"."""
    ai = set(ai)
    assert ai <= {s for s, lvl in levels.items() if lvl >= 1}, "AI only on built scenes"
    answers: dict[str, Any] = dict.fromkeys(SF_GATES, "yes") | dict(gates or {})
    for scene in SF_SCENES:
        answers[scene] = levels.get(scene, 0)
        if answers[scene] >= 1:
            answers[f"{scene}_ai"] = "yes" if scene in ai else "no"
    return answers


def cmmm_level(level: str | None) -> dict[str, PrerequisiteResult]:
    totals = {None: 0.5, "L1": 1.0, "L2": 2.0, "L3": 3.55, "L4": 4.0, "L5": 5.0}
    return {"CMMM": PrerequisiteResult(level, totals[level], CMMM_ORDER)}


# 生产作业 4 × 5 = 20 + 生产管理 2 × 4 = 8 + 运营管理 3 × 4 = 12 → 40; 9 scenes, no AI.
SF_40 = (
    at(4, *SF_PRODUCTION)
    | at(4, "prod_mgmt.scheduling", "prod_mgmt.equipment")
    | at(4, "operations.supply_chain", "operations.warehousing", "operations.sales")
)
# 工厂 20 + 研发 20 + 生产作业 2 × 5 = 10 + 生产管理 4 + 2 × 1 = 6 + 运营 4 → 60; 13 built.
SF_60 = (
    at(4, *SF_FACTORY, *SF_RND)
    | at(4, "production.online_inspection", "production.process_control")
    | at(4, "prod_mgmt.scheduling")
    | at(2, "prod_mgmt.equipment")
    | at(4, "operations.supply_chain")
)
# All 22 but 运营管理 销售 and 决策 at 4: 100 − 2 × 4 = 92; 20 built.
SF_92 = at(4, *SF_SCENES) | at(0, "operations.sales", "operations.decision")
# 工厂 20 + 研发 20 + 生产作业 20 + 生产管理 4 × 4 = 16 + 运营 供应链 4 → 80; 17 built.
SF_80 = (
    at(4, *SF_FACTORY, *SF_RND, *SF_PRODUCTION)
    | at(4, "prod_mgmt.scheduling", "prod_mgmt.equipment", "prod_mgmt.quality", "prod_mgmt.energy")
    | at(4, "operations.supply_chain")
)

SF_CASES = [
    # --- WORKSHOP: 2 production/production-management scenes built and ≥ 10 points.
    # 在线检测 4 + 过程控制 4 = 5 + 5 = 10, 2 scenes → WORKSHOP; BASIC fails 10 < 20.
    pytest.param(
        at(4, "production.online_inspection", "production.process_control"),
        (),
        "L2",
        10,
        "WORKSHOP",
        id="workshop-10",
    ),
    # 5 + 3 × 1.25 = 3.75 + 排产 1 × 1 = 9.75 < 10 (3 scenes) → none.
    pytest.param(
        at(4, "production.online_inspection")
        | at(3, "production.process_control")
        | at(1, "prod_mgmt.scheduling"),
        (),
        "L2",
        9.75,
        None,
        id="9.75-none",
    ),
    # 工厂 2 × 5 = 10 + 在线检测 1 × 1.25 = 11.25 but only 1 production scene → none.
    pytest.param(
        at(4, "factory.planning", "factory.infrastructure") | at(1, "production.online_inspection"),
        (),
        "L2",
        11.25,
        None,
        id="11.25-one-production-scene-none",
    ),
    # --- BASIC: gates, CMMM ≥ L2, ≥ 1 scene, ≥ 20 points. 生产作业 4 × 5 = 20 → BASIC.
    pytest.param(at(4, *SF_PRODUCTION), (), "L2", 20, "BASIC", id="basic-20"),
    # 3 × 5 + 排产 4 = 19 → WORKSHOP.
    pytest.param(
        at(4, *SF_PRODUCTION[:3]) | at(4, "prod_mgmt.scheduling"),
        (),
        "L2",
        19,
        "WORKSHOP",
        id="19-workshop",
    ),
    # --- ADVANCED: CMMM ≥ L2, production, production management, operations, ≥ 40.
    pytest.param(SF_40, (), "L2", 40, "ADVANCED", id="advanced-40-cmmm-L2"),
    # CMMM L1 < L2 → BASIC fails → capped at WORKSHOP.
    pytest.param(SF_40, (), "L1", 40, "WORKSHOP", id="40-cmmm-L1-workshop"),
    # CMMM assessed but below 一级 → fails → WORKSHOP.
    pytest.param(SF_40, (), None, 40, "WORKSHOP", id="40-cmmm-no-level-workshop"),
    # 销售 at 3 → 3 instead of 4 → 39 → BASIC.
    pytest.param(SF_40 | at(3, "operations.sales"), (), "L2", 39, "BASIC", id="39-basic"),
    # No operations scene: 生产作业 20 + 生产管理 5 × 4 = 20 + 工厂规划 5 = 45 → BASIC.
    pytest.param(
        at(4, *SF_PRODUCTION, *SF_PROD_MGMT, "factory.planning"),
        (),
        "L2",
        45,
        "BASIC",
        id="45-no-operations-basic",
    ),
    # --- EXCELLENT: CMMM ≥ L3, AI share ≥ 20 %, factory, R&D, ≥ 60.
    # 60 points, AI on 3 of 13 built = 23.1 % → EXCELLENT (LEADING: CMMM L3 < L4).
    pytest.param(SF_60, SF_FACTORY[:3], "L3", 60, "EXCELLENT", id="excellent-60"),
    # 设备管理 at 1 → 1 instead of 2 → 59 → ADVANCED.
    pytest.param(
        SF_60 | at(1, "prod_mgmt.equipment"), SF_FACTORY[:3], "L3", 59, "ADVANCED", id="59-advanced"
    ),
    # CMMM L2 < L3 → ADVANCED.
    pytest.param(SF_60, SF_FACTORY[:3], "L2", 60, "ADVANCED", id="60-cmmm-L2-advanced"),
    # No factory scene: 研发 20 + 生产作业 20 + 生产管理 20 + 供应链 4 = 64, AI 3/14 = 21.4 %
    # → ADVANCED.
    pytest.param(
        at(4, *SF_RND, *SF_PRODUCTION, *SF_PROD_MGMT, "operations.supply_chain"),
        SF_RND[:3],
        "L3",
        64,
        "ADVANCED",
        id="64-no-factory-advanced",
    ),
    # AI share exactly 20 %: 15 built (工厂 20 + 研发 20 + 生产作业 20 + 排产、设备 8 + 供应链 4
    # = 72), AI on 3 → 3/15 = 0.2 → EXCELLENT.
    pytest.param(
        at(4, *SF_FACTORY, *SF_RND, *SF_PRODUCTION)
        | at(4, "prod_mgmt.scheduling", "prod_mgmt.equipment", "operations.supply_chain"),
        SF_FACTORY[:3],
        "L3",
        72,
        "EXCELLENT",
        id="ai-3-of-15-excellent",
    ),
    # 21 built (all but 决策: 100 − 4 = 96), AI on 4 → 4/21 = 19.05 % < 20 % → ADVANCED even
    # with CMMM L4.
    pytest.param(
        at(4, *SF_SCENES) | at(0, "operations.decision"),
        SF_FACTORY,
        "L4",
        96,
        "ADVANCED",
        id="ai-4-of-21-advanced",
    ),
    # --- LEADING: CMMM ≥ L4, AI share ≥ 60 %, ≥ 80.
    # 92 points, AI on 12 of 20 = 0.6 → LEADING.
    pytest.param(
        SF_92, SF_FACTORY + SF_RND + SF_PRODUCTION, "L4", 92, "LEADING", id="ai-12-of-20-leading"
    ),
    # AI on 11 of 20 = 0.55 → EXCELLENT.
    pytest.param(
        SF_92, SF_FACTORY + SF_RND + SF_PRODUCTION[:3], "L4", 92, "EXCELLENT", id="ai-11-of-20"
    ),
    # CMMM L3 < L4 → EXCELLENT.
    pytest.param(
        SF_92, SF_FACTORY + SF_RND + SF_PRODUCTION, "L3", 92, "EXCELLENT", id="92-cmmm-L3"
    ),
    # 80 points, AI 11/17 = 64.7 % → LEADING.
    pytest.param(
        SF_80, SF_FACTORY + SF_RND + SF_PRODUCTION[:3], "L4", 80, "LEADING", id="leading-80"
    ),
    # 供应链 at 3 → 3 instead of 4 → 79 → EXCELLENT.
    pytest.param(
        SF_80 | at(3, "operations.supply_chain"),
        SF_FACTORY + SF_RND + SF_PRODUCTION[:3],
        "L4",
        79,
        "EXCELLENT",
        id="79-excellent",
    ),
]


@pytest.mark.parametrize(("levels", "ai", "cmmm", "total", "level"), SF_CASES)
def test_sf_js_level_is_the_highest_reached_with_every_level_below_it(
    fw: Models,
    levels: dict[str, int],
    ai: tuple[str, ...],
    cmmm: str | None,
    total: float,
    level: str | None,
) -> None:
    check(fw["SF-JS"], sf_answers(levels, ai), total, level, prerequisites=cmmm_level(cmmm))


@pytest.mark.parametrize("gate", SF_GATES)
def test_sf_js_failing_a_basic_requirement_caps_the_result_at_workshop(
    fw: Models, gate: str
) -> None:
    # 生产作业 4 × 5 = 20 would reach BASIC; one basic requirement 否 → WORKSHOP.
    answers = sf_answers(at(4, *SF_PRODUCTION), gates={gate: "no"})
    check(fw["SF-JS"], answers, 20, "WORKSHOP", prerequisites=cmmm_level("L2"))


def test_sf_js_higher_levels_reached_do_not_count_above_a_failed_basic_level(fw: Models) -> None:
    # All 22 scenes at 4 (100 points), AI on all (share 1), CMMM L5, but 近 3 年有较大事故:
    # ADVANCED, EXCELLENT and LEADING rules all pass, BASIC fails → cumulative result WORKSHOP.
    answers = sf_answers(at(4, *SF_SCENES), SF_SCENES, gates={"basic.no_accident": "no"})
    result = check(fw["SF-JS"], answers, 100, "WORKSHOP", prerequisites=cmmm_level("L5"))
    statuses = {outcome.code: outcome.status for outcome in result.levels}
    assert statuses == {
        "WORKSHOP": "reached",
        "BASIC": "failed",
        "ADVANCED": "reached",
        "EXCELLENT": "reached",
        "LEADING": "reached",
    }
    row = batch_row(fw["SF-JS"], answers, prerequisites=cmmm_level("L5"))
    assert (row["level:BASIC"], row["level:LEADING"]) == ("failed", "reached")


def test_sf_js_cmmm_level_not_supplied_leaves_basic_pending_not_reached(fw: Models) -> None:
    # The 40-point ADVANCED answers without any CMMM result: BASIC and ADVANCED pending → the
    # result stays at WORKSHOP and is flagged pending.
    answers = sf_answers(SF_40)
    result = check(fw["SF-JS"], answers, 40, "WORKSHOP")
    statuses = {outcome.code: outcome.status for outcome in result.levels}
    assert statuses["BASIC"] == "pending"
    assert statuses["ADVANCED"] == "pending"
    assert result.pending
    basic = next(o for o in result.levels if o.code == "BASIC")
    rules = {r.id: r.status for r in basic.rules}
    assert rules["basic_cmmm_l2"] == "pending"
    assert {s for rid, s in rules.items() if rid != "basic_cmmm_l2"} == {"pass"}
    row = batch_row(fw["SF-JS"], answers)
    assert (row["level:BASIC"], row["level:ADVANCED"]) == ("pending", "pending")


@pytest.mark.parametrize(
    ("built", "with_ai", "rule", "status", "share"),
    [
        pytest.param(10, 2, "excellent_ai_share", "pass", 0.2, id="2/10=20%-pass"),
        pytest.param(15, 3, "excellent_ai_share", "pass", 0.2, id="3/15=20%-pass"),
        pytest.param(10, 1, "excellent_ai_share", "fail", 0.1, id="1/10=10%-fail"),
        pytest.param(21, 4, "excellent_ai_share", "fail", 4 / 21, id="4/21=19.05%-fail"),
        pytest.param(16, 3, "excellent_ai_share", "fail", 0.1875, id="3/16=18.75%-fail"),
        pytest.param(10, 6, "leading_ai_share", "pass", 0.6, id="6/10=60%-pass"),
        pytest.param(20, 12, "leading_ai_share", "pass", 0.6, id="12/20=60%-pass"),
        pytest.param(20, 11, "leading_ai_share", "fail", 0.55, id="11/20=55%-fail"),
        pytest.param(22, 13, "leading_ai_share", "fail", 13 / 22, id="13/22=59.1%-fail"),
    ],
)
def test_sf_js_ai_share_rule_compares_ai_scenes_with_built_scenes(
    fw: Models, built: int, with_ai: int, rule: str, status: str, share: float
) -> None:
    # The first `built` scenes at level 1, AI on the first `with_ai` of them; an AI "yes" given
    # for an unbuilt scene (not asked) must not count.
    answers = sf_answers(at(1, *SF_SCENES[:built]), SF_SCENES[:with_ai])
    if built < len(SF_SCENES):
        answers[f"{SF_SCENES[-1]}_ai"] = "yes"
    result = score_assessment(fw["SF-JS"], answers, prerequisites=cmmm_level("L5"))
    outcome = next(r for lvl in result.levels for r in lvl.rules if r.id == rule)
    assert outcome.status == status
    assert outcome.observed == pytest.approx(share, abs=1e-9)
    row = batch_row(fw["SF-JS"], answers, prerequisites=cmmm_level("L5"))
    assert row["total"] == pytest.approx(result.total, abs=1e-9)
    assert row["level"] == result.level


def test_hand_computations_assume_these_sf_js_scenes(fw: Models) -> None:
    framework = fw["SF-JS"]
    scenes = tuple(c for c, n in framework.nodes.items() if "scene" in n.tags)
    assert scenes == SF_SCENES
    assert raw_weights(definition("SF-JS"))["basic"] == 0
    assert {raw_weights(definition("SF-JS"))[a] for a in framework.roots[1:]} == {1}


# =============================================================================================
# AI-SCENE (provisional; highest level). 应用基础 40 = 5 questions × 8; 场景 60 = 10 scenes × 6
# (1.5 per level). L1: 1 scene ≥1; L2: 2 scenes ≥2 & ≥30; L3: 3 scenes ≥3 & ≥50; L4: 2 scenes at
# 4 & 5 scenes ≥3 & ≥70.
# =============================================================================================

AI_SCENES = (
    "scene.design",
    "scene.process_optimisation",
    "scene.visual_inspection",
    "scene.predictive_maintenance",
    "scene.scheduling",
    "scene.energy",
    "scene.supply_chain",
    "scene.safety",
    "scene.knowledge",
    "scene.customer",
)
# 组织 1 → 8; 数据集 1 → 8; 4 × 0.25 → 8; 10 人 ∈ [10,) → 8; 制度 是 → 8. Sum 40.
AI_F40 = {
    "foundation.strategy": "organised",
    "foundation.data": "datasets",
    "foundation.computing": ["cloud", "onsite", "edge", "mlops"],
    "foundation.talent": 10,
    "foundation.governance": "yes",
}
AI_F38 = AI_F40 | {"foundation.computing": ["cloud", "onsite", "edge"]}  # 40 − 2
AI_F36 = AI_F40 | {"foundation.computing": ["cloud", "onsite"]}  # 40 − 4
AI_F32 = AI_F40 | {"foundation.computing": ["none"]}  # 40 − 8
AI_F24 = AI_F32 | {"foundation.talent": 0}  # 0 人 ∈ [0,1) → 0: 32 − 8
# 8 + 8 + 3 × 0.25 × 8 = 6 + 0 + 否 0 = 22.
AI_F22 = AI_F38 | {"foundation.talent": 0, "foundation.governance": "no"}


def ai_answers(foundation: Mapping[str, Any], levels: Sequence[int]) -> dict[str, Any]:
    padded = [*levels, *[0] * (len(AI_SCENES) - len(levels))]
    return dict(foundation) | dict(zip(AI_SCENES, padded, strict=True))


AI_CASES = [
    pytest.param(AI_F40, [], 40, None, id="40-no-scene-none"),
    pytest.param(AI_F40, [1], 41.5, "L1", id="41.5-one-scene-L1"),  # 40 + 1.5
    pytest.param(AI_F24, [2, 2], 30, "L2", id="exactly-30-L2"),  # 24 + 3 + 3
    pytest.param(AI_F22, [2, 2, 1], 29.5, "L1", id="29.5-L1"),  # 22 + 3 + 3 + 1.5
    pytest.param(AI_F40, [4, 1], 47.5, "L1", id="one-scene-at-2-L1"),  # 40 + 6 + 1.5
    pytest.param(AI_F32, [3, 3, 3, 1, 1, 1], 50, "L3", id="exactly-50-L3"),  # 32 + 13.5 + 4.5
    pytest.param(AI_F36, [3, 3, 3], 49.5, "L2", id="49.5-L2"),  # 36 + 13.5
    pytest.param(AI_F40, [3, 3, 2, 2], 55, "L2", id="two-scenes-at-3-L2"),  # 40 + 9 + 6
    pytest.param(AI_F40, [4, 4, 3, 3, 3, 3], 70, "L4", id="exactly-70-L4"),  # 40 + 12 + 18
    pytest.param(AI_F38, [4, 4, 3, 3, 3, 3, 1], 69.5, "L3", id="69.5-L3"),  # 38 + 30 + 1.5
    pytest.param(AI_F40, [4, 3, 3, 3, 3, 3, 3], 73, "L3", id="one-at-4-L3"),  # 40 + 6 + 27
    pytest.param(AI_F40, [4, 4, 3, 3, 2, 2, 2, 2], 73, "L3", id="four-at-3-L3"),  # 40 + 21 + 12
    pytest.param(AI_F40, [4] * 10, 100, "L4", id="full-100-L4"),  # 40 + 60
]


@pytest.mark.parametrize(("foundation", "levels", "total", "level"), AI_CASES)
def test_ai_scene_level_needs_the_score_and_the_scene_counts(
    fw: Models, foundation: Answers, levels: list[int], total: float, level: str | None
) -> None:
    check(fw["AI-SCENE"], ai_answers(foundation, levels), total, level)


def test_hand_computations_assume_these_ai_scene_weights(fw: Models) -> None:
    weights = raw_weights(definition("AI-SCENE"))
    assert (weights["foundation"], weights["scene"]) == (40, 60)
    assert tuple(c for c, n in fw["AI-SCENE"].nodes.items() if "scene" in n.tags) == AI_SCENES


# =============================================================================================
# ZERO-CARBON (provisional; cumulative). 核算 25 = 4 × 6.25 (na_policy zero), 能源 25 = 3 × 25/3,
# 可再生 30 = 3 × 10, 抵消 20 = 2 × 10. LOW_CARBON: gates & ≥40; NEAR_ZERO: 核查 是, 绿电 ≥50 %,
# ≥65; ZERO: 绿电 ≥80 %, 全部抵消, ≥85.
# =============================================================================================

ZC_GATES = {"gate.compliance": "yes", "gate.statistics": "yes"}
ZC_ACC_FULL = {  # 25
    "accounting.scope": ["scope1", "scope2", "scope3"],
    "accounting.method": "standard_report",
    "accounting.verified": "yes",
    "accounting.product_footprint": "yes",
}
ZC_ENERGY_FULL = {  # 3 × 25/3 = 25; 95 % ∈ [95,100]
    "energy.system": "centre",
    "energy.metering": 95,
    "energy.intensity_trend": "down",
}
ZC_ENERGY_HALF = {  # (1 + 0 + 0.5)/3 × 25 = 12.5; 50 % ∈ [0,60) → 0
    "energy.system": "centre",
    "energy.metering": 50,
    "energy.intensity_trend": "flat",
}
ZC_REN_FULL = {  # 80 % ∈ [80,100] → 10; 自建 10; 0.4 + 0.4 + 0.2 → 10
    "renewables.share": 80,
    "renewables.onsite": "yes",
    "renewables.green_power": ["trading", "certificates", "long_term"],
}
ZC_OFF_FULL = {"offsets.target": "yes", "offsets.residual": "full"}  # 10 + 10
ZC_FULL = merge(ZC_GATES, ZC_ACC_FULL, ZC_ENERGY_FULL, ZC_REN_FULL, ZC_OFF_FULL)  # 100
# 绿电 50 % ∈ [50,80) 0.75 → 7.5, 自建 否 0, 无 0 → 可再生 7.5: 25 + 12.5 + 7.5 + 20 = 65.
ZC_65 = (
    ZC_FULL
    | ZC_ENERGY_HALF
    | {
        "renewables.share": 50,
        "renewables.onsite": "no",
        "renewables.green_power": ["none"],
    }
)
# 核算: 无 0, 方法 none 0 (核查 not asked), 足迹 否 0 → 0; 能源: none 0, 0 % → 0, 上升 0 → 0;
# 可再生 30; 抵消: 目标 是 10, 无 0 → 10. Total 40.
ZC_40 = merge(
    ZC_GATES,
    {
        "accounting.scope": ["none"],
        "accounting.method": "none",
        "accounting.product_footprint": "no",
    },
    {"energy.system": "none", "energy.metering": 0, "energy.intensity_trend": "up"},
    ZC_REN_FULL,
    {"offsets.target": "yes", "offsets.residual": "none"},
)

ZC_CASES = [
    pytest.param(ZC_FULL, 100, "ZERO", id="full-100-ZERO"),
    # 目标 否 −10; 范围 only scope3 0.2 × 6.25 = 1.25 (−5): 100 − 15 = 85 → ZERO.
    pytest.param(
        ZC_FULL | {"offsets.target": "no", "accounting.scope": ["scope3"]},
        85,
        "ZERO",
        id="exactly-85-ZERO",
    ),
    # 能源 12.5 (−12.5); scope1 + scope2 0.8 × 6.25 = 5 (−1.25); 交易 + 绿证 0.8 × 10 = 8 (−2):
    # 100 − 15.75 = 84.25 → not ZERO → NEAR_ZERO.
    pytest.param(
        ZC_FULL
        | ZC_ENERGY_HALF
        | {
            "accounting.scope": ["scope1", "scope2"],
            "renewables.green_power": ["trading", "certificates"],
        },
        84.25,
        "NEAR_ZERO",
        id="84.25-NEAR_ZERO",
    ),
    # 能源 12.5, 绿电 80 %: 87.5 → ZERO.
    pytest.param(ZC_FULL | ZC_ENERGY_HALF, 87.5, "ZERO", id="share-80-ZERO"),
    # 绿电 79 % ∈ [50,80) 0.75 → 7.5 (−2.5): 85 ≥ 85 but 79 < 80 → NEAR_ZERO.
    pytest.param(
        ZC_FULL | ZC_ENERGY_HALF | {"renewables.share": 79}, 85, "NEAR_ZERO", id="share-79"
    ),
    # 部分抵消 0.5 × 10 (−5): 95 but residual not full → NEAR_ZERO.
    pytest.param(ZC_FULL | {"offsets.residual": "partial"}, 95, "NEAR_ZERO", id="residual-part"),
    # Exactly 65 with 核查 是 and 绿电 50 % → NEAR_ZERO.
    pytest.param(ZC_65, 65, "NEAR_ZERO", id="exactly-65-NEAR_ZERO"),
    # 范围 scope1 + scope2 (−1.25): 63.75 → LOW_CARBON.
    pytest.param(
        ZC_65 | {"accounting.scope": ["scope1", "scope2"]}, 63.75, "LOW_CARBON", id="63.75"
    ),
    # 绿电 49.9 % ∈ [30,50) 0.5 → 5 (−5): 95 but 49.9 < 50 → LOW_CARBON.
    pytest.param(ZC_FULL | {"renewables.share": 49.9}, 95, "LOW_CARBON", id="share-49.9"),
    # 核查 否 (−6.25): 93.75 → LOW_CARBON.
    pytest.param(ZC_FULL | {"accounting.verified": "no"}, 93.75, "LOW_CARBON", id="verified-no"),
    # 方法 none: 核查 not asked (its "yes" ignored) and, under na_policy zero, scored 0 rather
    # than dropped: 核算 = (1 + 0 + 0 + 1)/4 × 25 = 12.5 (renormalised would be 2/3 × 25) →
    # 87.5; 核查 has no value → NEAR_ZERO fails → LOW_CARBON.
    pytest.param(
        ZC_FULL | {"accounting.method": "none"}, 87.5, "LOW_CARBON", id="method-none-zero-policy"
    ),
    pytest.param(ZC_40, 40, "LOW_CARBON", id="exactly-40-LOW_CARBON"),
    # 交易 + 绿证 0.8 × 10 = 8 (−2): 38 → none.
    pytest.param(
        ZC_40 | {"renewables.green_power": ["trading", "certificates"]}, 38, None, id="38-none"
    ),
    # A failed gate caps everything, even at 100 points (cumulative).
    pytest.param(ZC_FULL | {"gate.compliance": "no"}, 100, None, id="compliance-no-none"),
    pytest.param(ZC_FULL | {"gate.statistics": "no"}, 100, None, id="statistics-no-none"),
]


@pytest.mark.parametrize(("answers", "total", "level"), ZC_CASES)
def test_zero_carbon_level_needs_its_conditions_the_score_and_every_level_below(
    fw: Models, answers: Answers, total: float, level: str | None
) -> None:
    check(fw["ZERO-CARBON"], answers, total, level)


def test_hand_computations_assume_these_zero_carbon_weights() -> None:
    weights = raw_weights(definition("ZERO-CARBON"))
    assert [weights[c] for c in ("gate", "accounting", "energy", "renewables", "offsets")] == [
        0,
        25,
        25,
        30,
        20,
    ]
    nodes = definition("ZERO-CARBON")["nodes"]
    accounting = next(n for n in nodes if n["code"] == "accounting")
    assert accounting["na_policy"] == "zero"


# =============================================================================================
# Architecture invariant: a result can always be re-scored from its answers with its pinned
# version and gives the same numbers.
# =============================================================================================


def _cmmm_355(framework: Framework) -> Answers:
    return cmmm_answers(framework, CMMM_355_LEVELS, CMMM_355_OVERRIDES)


RESCORE_CASES = [
    pytest.param("CMMM", _cmmm_355, "process", None, id="CMMM"),
    pytest.param("SME-DL", lambda _: SME_MIXED | SME_MIXED_SCENES, None, None, id="SME-DL"),
    pytest.param("GEN-JS", lambda _: GEN_60, None, None, id="GEN-JS"),
    pytest.param("SF-JS", lambda _: sf_answers(SF_60, SF_FACTORY[:3]), None, "L3", id="SF-JS"),
    pytest.param(
        "AI-SCENE", lambda _: ai_answers(AI_F32, [3, 3, 3, 1, 1, 1]), None, None, id="AI-SCENE"
    ),
    pytest.param(
        "ZERO-CARBON", lambda _: ZC_FULL | {"accounting.method": "none"}, None, None, id="ZC"
    ),
]


@pytest.mark.parametrize(("code", "build", "variant", "cmmm"), RESCORE_CASES)
def test_result_rescored_from_json_answers_and_recompiled_yaml_is_identical(
    fw: Models,
    code: str,
    build: Callable[[Framework], Answers],
    variant: str | None,
    cmmm: str | None,
) -> None:
    framework = fw[code]
    answers = build(framework)
    prerequisites = cmmm_level(cmmm) if cmmm else None
    first = score_assessment(framework, answers, variant=variant, prerequisites=prerequisites)

    stored = json.dumps({"answers": answers, "variant": first.variant}, ensure_ascii=False)
    loaded = json.loads(stored)
    again = compile_framework(load_definition(code))
    assert again is not framework
    second = score_assessment(
        again, loaded["answers"], variant=loaded["variant"], prerequisites=prerequisites
    )
    assert (second.framework, second.version) == (framework.code, framework.version)
    assert result_as_dict(second) == result_as_dict(first)
    assert json.dumps(result_as_dict(second), ensure_ascii=False) == json.dumps(
        result_as_dict(first), ensure_ascii=False
    )
