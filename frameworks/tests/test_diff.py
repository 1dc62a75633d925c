"""Differences between two model versions, matched by identity and told in words."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from frameworks.diff import Change, definition_diff
from frameworks.tests.examples import example_definition

Edit = Callable[[dict[str, Any]], None]


def _diff(edit: Edit) -> list[Change]:
    new = example_definition()
    edit(new)
    return definition_diff(example_definition(), new)


def _node(definition: dict[str, Any], code: str) -> dict[str, Any]:
    stack = list(definition["nodes"])
    while stack:
        node: dict[str, Any] = stack.pop()
        if node["code"] == code:
            return node
        stack.extend(node.get("children", []))
    raise LookupError(code)


def test_identical_definitions_have_no_differences() -> None:
    assert definition_diff(example_definition(), example_definition()) == []


def test_differences_are_taken_on_canonical_forms() -> None:
    new = example_definition()
    _node(new, "base.network")["weight"] = 8.0
    new["framework"]["issuer"] = " 江苏省工业和信息化厅 "
    new["nodes"][0]["title"]["en"] = "Digital foundation  "
    assert definition_diff(example_definition(), new) == []


def test_a_weight_change_is_one_changed_node_field() -> None:
    changes = _diff(lambda d: _node(d, "base.network").update(weight=10))
    assert changes == [Change("changed", "node", "nodes/base.network/weight", 8, 10)]
    assert changes[0].text == "节点 base.network：权重 8 → 10 (node base.network: weight 8 → 10)"


def test_a_variant_weight_change_names_the_variant() -> None:
    changes = _diff(lambda d: d["nodes"][0]["weight"].update(process=5))
    assert changes == [Change("changed", "node", "nodes/base/weight/process", 4.5, 5)]
    assert changes[0].text == "节点 base：权重process 4.5 → 5 (node base: weight.process 4.5 → 5)"


def test_a_renamed_level_is_a_changed_name() -> None:
    def rename(d: dict[str, Any]) -> None:
        d["levels"][1]["name"] = {"zh": "二级（协同级）", "en": "Level 2"}

    changes = _diff(rename)
    assert changes == [
        Change("changed", "level", "levels/L2/name/zh", "二级（集成级）", "二级（协同级）")
    ]
    assert changes[0].text == (
        "等级 L2：名称（中文） 二级（集成级） → 二级（协同级） "
        "(level L2: name.zh 二级（集成级） → 二级（协同级）)"
    )


def test_an_added_option_is_matched_by_code() -> None:
    option = {"code": "wifi", "label": {"zh": "无线网络"}, "score": 0.25}
    changes = _diff(lambda d: _node(d, "base.network")["question"]["options"].insert(0, option))
    assert changes == [
        Change("added", "option", "nodes/base.network/question/options/wifi", None, option)
    ]
    assert changes[0].text == (
        "节点 base.network 选项 wifi：新增 (node base.network option wifi: added)"
    )


def test_a_changed_option_score_names_node_and_option() -> None:
    def rescore(d: dict[str, Any]) -> None:
        _node(d, "base.network")["question"]["options"][1]["score"] = 0.75

    changes = _diff(rescore)
    assert changes == [
        Change("changed", "option", "nodes/base.network/question/options/g5/score", 0.5, 0.75)
    ]
    assert changes[0].text == (
        "节点 base.network 选项 g5：得分 0.5 → 0.75 (node base.network option g5: score 0.5 → 0.75)"
    )


def test_a_removed_rule_is_matched_by_level_and_id() -> None:
    changes = _diff(lambda d: d["levels"][1]["rules"].pop(2))
    removed = example_definition()["levels"][1]["rules"][2]
    assert changes == [Change("removed", "rule", "levels/L2/rules/l2_gate", removed, None)]
    assert changes[0].text == "等级 L2 规则 l2_gate：删除 (level L2 rule l2_gate: removed)"


def test_a_changed_rule_threshold_names_level_and_rule() -> None:
    changes = _diff(lambda d: d["levels"][0]["rules"][0].update(gte=45))
    assert changes == [Change("changed", "rule", "levels/L1/rules/l1_total/gte", 40, 45)]
    assert (
        changes[0].text
        == "等级 L1 规则 l1_total：阈值 40 → 45 (level L1 rule l1_total: gte 40 → 45)"
    )


def test_a_moved_node_is_a_changed_parent_not_a_removal() -> None:
    def move(d: dict[str, Any]) -> None:
        report = d["nodes"][2]["children"].pop(2)
        d["nodes"][0]["children"].append(report)

    changes = _diff(move)
    assert changes == [Change("changed", "node", "nodes/result.report/parent", "result", "base")]
    assert changes[0].text == (
        "节点 result.report：上级节点 result → base (node result.report: parent result → base)"
    )


def test_a_node_moved_to_the_top_level_shows_the_top_level_as_its_parent() -> None:
    def move(d: dict[str, Any]) -> None:
        d["nodes"].append(d["nodes"][2]["children"].pop(3))

    changes = _diff(move)
    assert changes == [Change("changed", "node", "nodes/result.notes/parent", "result", "")]
    assert changes[0].text == (
        "节点 result.notes：上级节点 result → (顶层) "
        "(node result.notes: parent result → (top level))"
    )


def test_an_added_node_is_one_change_with_its_parent() -> None:
    node = {"code": "scene.energy", "title": {"zh": "能源管理"}, "question": {"type": "text"}}
    changes = _diff(lambda d: d["nodes"][1]["children"].append(node))
    assert changes == [
        Change("added", "node", "nodes/scene.energy", None, {**node, "parent": "scene"})
    ]
    assert changes[0].text == "节点 scene.energy：新增 (node scene.energy: added)"


def test_a_removed_subtree_lists_each_removed_node() -> None:
    changes = _diff(lambda d: d["nodes"].pop(1))
    assert [(c.kind, c.path) for c in changes] == [
        ("removed", "nodes/scene"),
        ("removed", "nodes/scene.equipment"),
        ("removed", "nodes/scene.quality"),
    ]


def test_reordered_siblings_are_an_order_change() -> None:
    changes = _diff(lambda d: d["nodes"][0]["children"].reverse())
    assert changes == [
        Change(
            "changed",
            "node",
            "nodes/base/children/(order)",
            ["base.mes", "base.network", "base.employees", "base.rate"],
            ["base.rate", "base.employees", "base.network", "base.mes"],
        )
    ]
    assert changes[0].text.startswith("节点 base：下级节点顺序 base.mes, base.network")
    assert "(node base: children order base.mes" in changes[0].text


def test_a_band_is_matched_by_its_range_whatever_the_spacing() -> None:
    def edit(d: dict[str, Any]) -> None:
        bands = _node(d, "base.rate")["question"]["bands"]
        bands[0] = {"range": "[0,33.3)", "score": 0.3}

    changes = _diff(edit)
    assert changes == [
        Change("changed", "band", "nodes/base.rate/question/bands/[0,33.3)/score", 0.25, 0.3)
    ]
    assert changes[0].text == (
        "节点 base.rate 分段 [0,33.3)：得分 0.25 → 0.3 "
        "(node base.rate band [0,33.3): score 0.25 → 0.3)"
    )


def test_an_option_set_change_names_the_set() -> None:
    changes = _diff(lambda d: d["option_sets"]["trend"][1].update(score=0.4))
    assert changes == [Change("changed", "option", "option_sets/trend/flat/score", 0.5, 0.4)]
    assert changes[0].text == (
        "选项集 trend 选项 flat：得分 0.5 → 0.4 (option set trend option flat: score 0.5 → 0.4)"
    )


def test_a_crosswalk_value_change_names_both_questions() -> None:
    changes = _diff(lambda d: d["crosswalks"][0]["values"].update(g5="wireless"))
    path = "crosswalks/base.network/SME-DL/base.equipment.network/values/g5"
    assert changes == [Change("changed", "crosswalk", path, "g5", "wireless")]
    assert changes[0].text == (
        "答案映射 base.network ← SME-DL:base.equipment.network：答案对应g5 g5 → wireless "
        "(crosswalk base.network ← SME-DL:base.equipment.network: values.g5 g5 → wireless)"
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: d["framework"].update(version="2026"),
            Change("changed", "framework", "framework/version", "2025", "2026"),
        ),
        (
            lambda d: d["framework"].pop("issuer"),
            Change("removed", "framework", "framework/issuer", "江苏省工业和信息化厅", None),
        ),
        (
            lambda d: d["framework"].update(gate_threshold=0.8),
            Change("added", "framework", "framework/gate_threshold", None, 0.8),
        ),
        (
            lambda d: d["levels"].reverse(),
            Change("changed", "level", "levels/(order)", ["L1", "L2"], ["L2", "L1"]),
        ),
        (
            lambda d: _node(d, "result.notes")["question"].update(type="evidence"),
            Change("changed", "node", "nodes/result.notes/question/type", "text", "evidence"),
        ),
        (
            lambda d: _node(d, "base.mes").update(tags=["ai"]),
            Change("changed", "node", "nodes/base.mes/tags", ["constrained", "ai"], ["ai"]),
        ),
    ],
)
def test_other_changes_are_found(edit: Edit, expected: Change) -> None:
    assert _diff(edit) == [expected]


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (
            Change("changed", "framework", "framework/version", "2025", "2026"),
            "模型：版本 2025 → 2026 (framework: version 2025 → 2026)",
        ),
        (
            Change("changed", "framework", "format", "a", "b"),
            "模型：格式 a → b (framework: format a → b)",
        ),
        (
            Change("added", "framework", "framework/gate_threshold", None, 0.8),
            "模型：逐级门槛 （无） → 0.8 (framework: gate_threshold (none) → 0.8)",
        ),
        (
            Change("changed", "level", "levels/(order)", ["L1", "L2"], ["L2", "L1"]),
            "等级：顺序 L1, L2 → L2, L1 (levels: order L1, L2 → L2, L1)",
        ),
        (
            Change("added", "option", "option_sets/scale", None, []),
            "选项集 scale：新增 (option set scale: added)",
        ),
        (
            Change("changed", "node", "nodes/q/question/level_scores", [0, 1], [0, 0.5, 1]),
            "节点 q：题目各级得分 0, 1 → 0, 0.5, 1 "
            "(node q: question.level_scores 0, 1 → 0, 0.5, 1)",
        ),
    ],
)
def test_change_text_is_chinese_with_the_english_in_brackets(change: Change, text: str) -> None:
    assert change.text == text


def test_long_values_are_shortened_in_the_text() -> None:
    change = Change("changed", "node", "nodes/q/condition", "a" * 100, "b")
    assert "a" * 59 + "…" in change.text
    assert "a" * 60 not in change.text


def test_differences_are_sorted_by_section_then_path() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["crosswalks"].pop()
        _node(d, "base.network").update(weight=9)
        d["framework"]["version"] = "2026"
        d["levels"][0]["rules"].pop()
        d["option_sets"]["trend"][0]["score"] = 0.1
        d["format"] = "zhigai-framework/2"

    paths = [change.path for change in _diff(edit)]
    assert paths == [
        "format",
        "framework/version",
        "levels/L1/rules/l1_base",
        "option_sets/trend/down/score",
        "nodes/base.network/weight",
        "crosswalks/scene.quality/CMMM/manufacturing.quality",
    ]


def test_the_result_does_not_depend_on_the_order_of_mapping_keys() -> None:
    new = example_definition()
    _node(new, "base.mes")["weight"] = 3
    reordered = {key: new[key] for key in reversed(list(new))}
    assert definition_diff(example_definition(), new) == definition_diff(
        example_definition(), reordered
    )


def test_a_change_is_frozen() -> None:
    change = Change("changed", "node", "nodes/a/weight", 1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.kind = "added"  # type: ignore[misc]
