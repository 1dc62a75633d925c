"""The plan's data (targets/data/plan-2025-2027.yaml) against the plan text and the digest."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from targets.plan import DEFAULT, PLAN_TEXT, Plan, PlanError, Target, load_plan, plan_problems

ROOT = Path(__file__).resolve().parents[2]
SHARED_TEXT = ROOT.parent / "shared" / "plan" / "action-plan-2025-2027.zh-Hans.txt"
TEXT = PLAN_TEXT.read_text(encoding="utf-8")

# Every quantified target of the digest (../shared/plan/README.md), read off its tables:
# (task, what the digest says, a word of the target's Chinese name, value, kind, unit).
DIGEST = [
    (1, ">=10,000 start basic-level builds /yr", "基础级智能工厂建设", 10000, "per_year", "家"),
    (1, "~50% of above-scale at >= basic", "基础级及以上", 50, "share", "%"),
    (
        1,
        "above-scale basically complete smart-workshop retrofit",
        "智能车间",
        100,
        "full_coverage",
        "%",
    ),
    (2, ">=2,000 upgrade to advanced / zero-carbon /yr", "升级建设先进级", 2000, "per_year", "家"),
    (2, "~10% of above-scale at >= advanced", "先进级及以上", 10, "share", "%"),
    (2, "1,000 provincial advanced factories", "省先进级智能工厂", 1000, "cumulative", "家"),
    (2, "50 provincial zero-carbon factories", "省零碳工厂", 50, "cumulative", "家"),
    (3, ">=1,000 move toward excellent /yr", "跃升", 1000, "per_year", "家"),
    (3, "~5% of above-scale at >= excellent", "卓越级及以上", 5, "share", "%"),
    (3, "~100 national excellent factories", "国家卓越级", 100, "cumulative", "家"),
    (4, ">=200 excellent factories explore AI /yr", "人工智能", 200, "per_year", "家"),
    (4, "~1% at leading", "领航级智能工厂规上", 1, "share", "%"),
    (4, "~10 national leading factories", "国家领航级", 10, "cumulative", "家"),
    (5, "~10,000 innovative SMEs /yr", "上云", 10000, "per_year", "家"),
    (5, "all innovative SMEs at >= initial", "初始级及以上", 100, "full_coverage", "%"),
    (6, "~3,000 specialised SMEs /yr", "提升数字化水平", 3000, "per_year", "家"),
    (
        6,
        "all provincial specialised SMEs at >= standardised",
        "规范级及以上",
        100,
        "full_coverage",
        "%",
    ),
    (7, "~1,000 little giants /yr", "开展集成级", 1000, "per_year", "家"),
    (7, "all little giants at >= integrated", "集成级及以上", 100, "full_coverage", "%"),
    (8, "60% of development zones are 10-gigabit parks", "万兆园区", 60, "share", "%"),
    (9, "800,000 standard racks", "标准机架", 80, "count", "万架"),
    (9, "intelligent computing > 25 EFLOPS", "智算", 25, "count", "EFLOPS"),
    (9, "total computing > 35 EFLOPS", "总算力", 35, "count", "EFLOPS"),
    (10, "200 provincial enterprise-level platforms", "企业级", 200, "cumulative", "个"),
    (10, "150 industry/regional platforms", "行业和区域级", 150, "cumulative", "个"),
    (10, "30 cross-industry (双跨) platforms", "“双跨”工业互联网平台", 30, "cumulative", "个"),
    (10, "3 双跨 platforms with revenue > 1 bn yuan", "10亿元", 3, "cumulative", "个"),
    (11, "3-5 AI leading enterprises", "人工智能领军企业", 3, "cumulative", "家"),
    (12, "~100 AI application benchmarks", "人工智能应用标杆", 100, "cumulative", "个"),
    (12, "2-3 industry large models", "大模型", 2, "cumulative", "个"),
    (12, "~100 smart products promoted", "智能产品", 100, "cumulative", "项"),
    (14, ">= 1 security training per city /yr", "安全培训", 1, "per_year", "场"),
    (14, ">= 1 attack-defence drill per city /yr", "攻防演练", 1, "per_year", "场"),
    (15, ">= 50 excellent security solutions", "安全解决方案", 50, "cumulative", "个"),
    (18, "100 excellent industrial-software enterprises", "工业软件企业", 100, "cumulative", "家"),
    (18, "200 software products/solutions (首版次)", "首版次", 200, "cumulative", "项"),
    (18, "~80,000 industrial OS units updated", "操作系统", 80000, "cumulative", "台(套)"),
    (
        19,
        ">= 100,000 manufacturing-skill trainings /yr",
        "制造业职业技能",
        100000,
        "per_year",
        "人次",
    ),
    (19, ">= 100,000 digital-skill trainings /yr", "数字类职业技能", 100000, "per_year", "人次"),
    (20, "each city >= 10% of above-scale self-assess /yr", "自评估", 10, "share", "%"),
]


@pytest.fixture(scope="module")
def content() -> Any:
    return yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(text_path=PLAN_TEXT)


def test_the_file_has_no_problems(content: Any) -> None:
    assert plan_problems(content, TEXT) == []


def test_the_text_is_the_shared_plan_text() -> None:
    if not SHARED_TEXT.exists():
        pytest.skip("../shared/plan is not beside the work tree")
    assert SHARED_TEXT.read_text(encoding="utf-8") == TEXT


def test_twenty_tasks_numbered_1_to_20_in_six_parts(plan: Plan) -> None:
    assert [task.number for task in plan.tasks] == list(range(1, 21))
    parts = {task.number: task.part for task in plan.tasks}
    assert [parts[n] for n in (1, 4, 5, 7, 8, 10, 11, 13, 14, 15, 16, 20)] == list(
        "一一二二三三四四五五六六"
    )
    assert plan.document in TEXT
    assert plan.issuer in TEXT


def test_every_task_title_and_department_list_is_the_plan_text(plan: Plan) -> None:
    for task in plan.tasks:
        assert f"{task.number}﹒{task.title['zh']}。" in TEXT
        assert task.departments_text.endswith("按职责分工负责")
        assert task.departments_text in TEXT
        assert task.lead
        assert task.lead not in task.cooperating
        listed = task.departments_text.removesuffix("按职责分工负责")
        if task.number == 1:
            listed = listed.replace(",各市、县(市、区)人民政府", "、各市、县(市、区)人民政府")
            assert task.cooperating[-1] == plan.local_governments
            expected = listed.removesuffix("、" + plan.local_governments).split("、")
            assert list(task.departments) == [*expected, plan.local_governments]
        else:
            assert list(task.departments) == listed.split("、")
    assert plan.task(9).lead == "省数据局"
    assert plan.task(19).lead == "省人力资源社会保障厅"
    assert plan.task(8).lead == "省通信管理局"


def _match(plan: Plan, task: int, word: str) -> Target:
    found = [t for t in plan.task(task).targets if word in t.name["zh"]]
    assert len(found) == 1, (task, word, [t.code for t in found])
    return found[0]


@pytest.mark.parametrize(("task", "what", "word", "value", "kind", "unit"), DIGEST)
def test_every_digest_target_is_present(
    plan: Plan, task: int, what: str, word: str, value: float, kind: str, unit: str
) -> None:
    target = _match(plan, task, word)
    assert target.value_2027 == value, what
    assert (target.kind, target.unit) == (kind, unit), what
    assert target.task == task
    assert target.quote in TEXT
    if kind == "per_year":
        assert target.values == {2025: value, 2026: value, 2027: value}
    if target.verified:
        number = {80: "80万", 100000: "10万", 10000: "1万", 80000: "8万"}.get(value, str(value))
        if kind == "full_coverage":
            number = "全覆盖"
        assert number in target.quote, (what, target.quote)


def test_the_digest_covers_every_target(plan: Plan) -> None:
    matched = {_match(plan, task, word).code for task, _, word, *_ in DIGEST}
    assert len(matched) == len(DIGEST) == 40
    assert {t.code for t in plan.targets} == matched


def test_every_quote_occurs_in_the_plan_text(plan: Plan) -> None:
    for target in plan.targets:
        assert target.quote in TEXT, target.code
        assert target.baseline is None  # the plan gives no baseline


def test_computed_targets_name_figures_that_exist(plan: Plan) -> None:
    coverage = yaml.safe_load((ROOT / "monitoring/data/coverage.yaml").read_text(encoding="utf-8"))
    metrics = {m["code"] for m in coverage["metrics"]}
    populations = {p["code"] for p in coverage["populations"]}
    types = yaml.safe_load((ROOT / "recognition/data/types.yaml").read_text(encoding="utf-8"))
    type_codes = {t["code"] for t in types["types"]}
    computed = [t for t in plan.targets if t.actual == "computed"]
    assert {t.figure.metric for t in computed if t.figure.source == "monitoring"} == {
        "sf_new_ge_BASIC", "sf_ge_BASIC", "sf_ge_WORKSHOP", "sf_new_ge_ADVANCED",
        "sf_ge_ADVANCED", "recognised_advanced", "sf_new_ge_EXCELLENT", "sf_ge_EXCELLENT",
        "sf_ge_LEADING", "sme_new_ge_L1", "sme_ge_L1", "sme_new_ge_L2", "sme_ge_L2",
        "sme_new_ge_L3", "sme_ge_L3", "assessed",
    }  # fmt: skip
    for target in computed:
        figure = target.figure
        if figure.source == "monitoring":
            assert figure.metric in metrics, target.code
            assert figure.population in populations, target.code
        else:
            assert figure.application_type in type_codes, target.code
    for target in plan.targets:
        assert (target.figure is None) == (target.actual == "reported"), target.code


def test_shares_are_read_against_their_population(plan: Plan) -> None:
    for target in plan.targets:
        if target.kind in ("share", "full_coverage") and target.actual == "computed":
            assert target.figure.measure == "share", target.code
        if target.kind == "per_year" and target.actual == "computed":
            assert target.figure.measure == "count", target.code
    assert plan.target("above_scale_self_assessed_per_city").scope == "each_city"
    assert plan.target("ai_leading_enterprises").value_max == 5
    assert plan.target("industry_large_models").value_max == 3


def _planted(content: Any) -> Any:
    bad = copy.deepcopy(content)
    tasks = bad["tasks"]
    tasks[0]["targets"][0]["kind"] = "sometimes"
    tasks[0]["targets"][1]["actual"] = "guessed"
    del tasks[1]["targets"][0]["unit"]
    tasks[1]["targets"][1]["code"] = tasks[1]["targets"][2]["code"]
    tasks[2]["targets"][0]["quote"] = "每年推动一百万家企业"
    del tasks[4]["targets"][0]["figure"]
    tasks[8]["lead"] = "省不存在厅"
    tasks[19]["number"] = 19
    return bad


def test_plan_problems_finds_planted_errors(content: Any) -> None:
    problems = plan_problems(_planted(content), TEXT)
    expected = [
        "task 1 target basic_factory_builds_per_year: unknown kind 'sometimes'",
        "task 1 target basic_factory_coverage: unknown actual 'guessed'",
        "task 1 target basic_factory_coverage: only a computed target has a figure",
        "task 2 target advanced_factory_builds_per_year: missing unit",
        "duplicate target code 'provincial_advanced_factories'",
        "task 3 target excellent_factory_moves_per_year: quote not found in the plan text",
        "task 5 target innovative_sme_cloud_per_year: a computed target needs a figure",
        "task 9: a department is not in departments_text",
        "tasks must be numbered 1 to 20 once each",
    ]
    for message in expected:
        assert any(p.startswith(message) for p in problems), (message, problems)
    assert len(problems) == len(expected)


def test_quotes_are_only_checked_when_the_text_is_given(content: Any) -> None:
    problems = plan_problems(_planted(content))
    assert not any("plan text" in p for p in problems)
    assert plan_problems([]) == ["the plan file must be a mapping"]
    assert plan_problems({"format": "other"})[0].startswith("format must be zhigai-plan/1")


def test_load_plan_refuses_a_bad_file(content: Any, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(_planted(content), allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanError, match="unknown kind 'sometimes'"):
        load_plan(path)
    bad = copy.deepcopy(content)
    bad["tasks"][11]["targets"][1]["value_max"] = 1
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanError, match="value_max above value_2027"):
        load_plan(path)
