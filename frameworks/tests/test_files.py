"""Reading model files, the schema check, the canonical form, the digest and the YAML writer."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from frameworks.files import (
    SCHEMA_PATH,
    YAML_HEADER,
    DefinitionFileError,
    canonical,
    canonical_json,
    digest,
    dump_yaml,
    load_schema,
    read_definition,
    schema_at,
    schema_problems,
)
from frameworks.tests.examples import definitions, example_definition
from frameworks.workbook import definition_to_xlsx

Edit = Callable[[dict[str, Any]], None]


def test_file_modules_import_no_django() -> None:
    code = (
        "import sys, frameworks.files, frameworks.workbook, frameworks.diff; "
        "assert 'django' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- The schema -------------------------------------------------------------------------------


def test_load_schema_reads_the_schema_file_once() -> None:
    assert SCHEMA_PATH.name == "framework.schema.json"
    assert load_schema() is load_schema()
    assert load_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_example_definition_is_valid() -> None:
    assert schema_problems(example_definition()) == []


@pytest.mark.parametrize(
    ("path", "types"),
    [
        (("framework", "version"), ["string"]),
        (("nodes", 0, "children", 1, "question", "cap"), ["number"]),
        (("levels", 0, "rules", 0, "gte"), ["number"]),
        (("option_sets", "trend", 0, "exclusive"), ["boolean"]),
        (("nodes", 0, "weight", "discrete"), ["number"]),
    ],
)
def test_schema_at_follows_refs_branches_and_maps(
    path: tuple[str | int, ...], types: list[str]
) -> None:
    found = schema_at(path)
    assert found is not None
    assert found.get("type") in (types[0], types)


def test_schema_at_returns_none_for_a_place_the_schema_does_not_have() -> None:
    assert schema_at(("nodes", 0, "colour")) is None


# --- schema_problems -----------------------------------------------------------------------------


def _broken(change: Edit) -> dict[str, Any]:
    definition = example_definition()
    change(definition)
    return definition


def _set_type(d: dict[str, Any]) -> None:
    d["nodes"][0]["children"][1]["question"]["type"] = "foo"


def _number_version(d: dict[str, Any]) -> None:
    d["framework"]["version"] = 2024


def _negative_weight(d: dict[str, Any]) -> None:
    d["nodes"][1]["weight"] = -1


def _text_weight(d: dict[str, Any]) -> None:
    d["nodes"][1]["weight"] = "heavy"


def _no_title(d: dict[str, Any]) -> None:
    del d["framework"]["title"]


def _leaf_without_question(d: dict[str, Any]) -> None:
    del d["nodes"][2]["children"][3]["question"]


def _both_children_and_question(d: dict[str, Any]) -> None:
    d["nodes"][1]["question"] = {"type": "text"}


def _rule_field_of_another_kind(d: dict[str, Any]) -> None:
    d["levels"][0]["rules"][0]["expr"] = "x"


def _two_prerequisite_targets(d: dict[str, Any]) -> None:
    d["levels"][1]["rules"][3]["min_score"] = 2


def _empty_chinese_title(d: dict[str, Any]) -> None:
    d["nodes"][0]["title"]["zh"] = ""


def _bad_option_set_name(d: dict[str, Any]) -> None:
    d["option_sets"]["bad name"] = d["option_sets"]["trend"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _set_type,
            "nodes[0].children[1].question.type: 'foo' 不是允许的值 ('foo' is not one of",
        ),
        (
            _number_version,
            "framework.version: 2024 类型错误，应为文字 (2024 is not of type string)",
        ),
        (_negative_weight, "nodes[1].weight: -1 小于最小值 0 (-1 is less than the minimum of 0)"),
        (_text_weight, "nodes[1].weight: 'heavy' 类型错误，应为数字或映射"),
        (_no_title, "framework: 缺少必填项 'title' ('title' is a required property)"),
        (
            _leaf_without_question,
            "nodes[2].children[3]: 需要以下其中一项：children、question "
            "(one of these is required: children, question)",
        ),
        (
            _both_children_and_question,
            "nodes[1]: 只能有以下其中一项：children、question "
            "(only one of these is allowed: children, question)",
        ),
        (_rule_field_of_another_kind, "levels[0].rules[0]: 不允许的字段：'expr'"),
        (_two_prerequisite_targets, "levels[1].rules[3]: 只能有以下其中一项：min_level、min_score"),
        (_empty_chinese_title, "nodes[0].title.zh: 不能为空 (must not be empty)"),
        (_bad_option_set_name, "option_sets: 'bad name' 格式不符"),
    ],
)
def test_schema_problems_names_the_path_in_both_languages(change: Edit, expected: str) -> None:
    problems = schema_problems(_broken(change))
    assert any(problem.startswith(expected) for problem in problems), problems


def test_schema_problems_are_sorted_by_path_with_list_positions_as_numbers() -> None:
    definition = example_definition()
    definition["nodes"] = [dict(definition["nodes"][0], code=f"n{i}") for i in range(12)]
    definition["nodes"][10]["weight"] = -1
    definition["nodes"][2]["weight"] = -2
    definition["framework"]["score_scale"] = 0
    problems = schema_problems(definition)
    assert [problem.split(":")[0] for problem in problems] == [
        "framework.score_scale",
        "nodes[2].weight",
        "nodes[10].weight",
    ]


def test_schema_problems_of_a_non_mapping_are_reported_at_the_top_level() -> None:
    assert schema_problems([]) == [  # type: ignore[arg-type]
        "(顶层 top level): [] 类型错误，应为映射 ([] is not of type object)"
    ]


# --- read_definition -----------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["model.yaml", "MODEL.YML", "dir/model.yml"])
def test_read_definition_reads_yaml(filename: str) -> None:
    data = dump_yaml(example_definition()).encode()
    assert read_definition(data, filename=filename) == canonical(example_definition())


def test_read_definition_reads_json() -> None:
    data = json.dumps(example_definition(), ensure_ascii=False).encode()
    assert read_definition(data, filename="model.json") == example_definition()


def test_read_definition_reads_a_workbook() -> None:
    data = definition_to_xlsx(example_definition())
    assert read_definition(data, filename="模型.xlsx") == canonical(example_definition())


def test_read_definition_accepts_a_utf8_byte_order_mark() -> None:
    data = "\ufeff".encode() + dump_yaml(example_definition()).encode()
    assert read_definition(data, filename="model.yaml") == canonical(example_definition())


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"format: [\n  a\nb: 1", "m.yaml", "YAML 语法错误，第 3 行"),
        (b"a: 1\nb:\n  - x\n  y: 2\n", "m.yml", "YAML 语法错误，第 4 行"),
        (b"a: 1\nb: 2\na: 3\n", "m.yaml", "YAML 中键 'a' 重复出现，第 3 行"),
        (b"- 1\n- 2\n", "m.yaml", "文件内容应为一个映射"),
        (b"", "m.yaml", "实际为 NoneType"),
        (b'{"a": 1,\n}', "m.json", "JSON 语法错误，第 2 行第 1 列"),
        (b"[1, 2]", "m.json", "实际为 list"),
        (b"\xff\xfe\x00a", "m.yaml", "文件不是 UTF-8 编码的文本"),
        (b"format: x", "m.txt", "无法识别的文件类型 m.txt"),
        (b"format: x", "model", "无法识别的文件类型 model"),
        (b"format: x", "m.xlsx", "文件不是 XLSX 工作簿"),
    ],
)
def test_read_definition_rejects_an_unreadable_file_with_a_reason(
    data: bytes, filename: str, expected: str
) -> None:
    with pytest.raises(DefinitionFileError) as raised:
        read_definition(data, filename=filename)
    assert len(raised.value.problems) == 1
    assert expected in raised.value.problems[0]
    assert expected in str(raised.value)


def test_read_definition_does_not_check_the_structure() -> None:
    assert read_definition(b"format: 1\n", filename="m.yaml") == {"format": 1}


# --- canonical and digest ------------------------------------------------------------------------


def test_canonical_sorts_keys_at_every_depth() -> None:
    found = canonical({"b": 1, "a": {"z": 1, "y": [{"d": 1, "c": 2}]}})
    assert json.dumps(found) == '{"a": {"y": [{"c": 2, "d": 1}], "z": 1}, "b": 1}'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (8.0, 8),
        (-0.0, 0),
        (0.5, 0.5),
        (True, True),
        (False, False),
        (0, 0),
        ("  中文 ", "中文"),
        ([1.0, " a "], [1, "a"]),
    ],
)
def test_canonical_normalises_scalars(value: Any, expected: str) -> None:
    found = canonical({"v": value})["v"]
    assert found == expected
    assert type(found) is type(expected)


def test_canonical_drops_empty_optional_values_but_keeps_falsy_ones() -> None:
    found = canonical(
        {"en": "", "blank": "  ", "tags": [], "source": {}, "none": None, "w": 0, "v": False}
    )
    assert found == {"w": 0, "v": False}


def test_canonical_drops_a_mapping_emptied_by_the_rule() -> None:
    assert canonical({"title": {"en": " "}, "code": "a"}) == {"code": "a"}


def test_canonical_keeps_list_order_and_does_not_fill_defaults() -> None:
    definition = example_definition()
    found = canonical(definition)
    assert [node["code"] for node in found["nodes"]] == ["base", "scene", "result"]
    assert "weight" not in found["nodes"][1]["children"][0]
    assert "mandatory" not in found["nodes"][0]["children"][0]["question"]


def test_canonical_is_idempotent() -> None:
    once = canonical(example_definition())
    assert canonical(once) == once


def test_digest_is_the_sha256_of_the_compact_canonical_json() -> None:
    definition = example_definition()
    text = json.dumps(
        canonical(definition), ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )
    assert canonical_json(definition) == text
    assert digest(definition) == hashlib.sha256(text.encode()).hexdigest()


def test_digest_ignores_key_order_whole_floats_and_surrounding_spaces() -> None:
    definition = example_definition()
    variant = example_definition()
    variant["framework"] = dict(reversed(list(variant["framework"].items())))
    variant["framework"]["score_scale"] = 100.0
    variant["framework"]["issuer"] = " 江苏省工业和信息化厅 "
    assert digest(variant) == digest(definition)


def test_digest_changes_with_the_content() -> None:
    changed = example_definition()
    changed["nodes"][0]["children"][1]["weight"] = 9
    assert digest(changed) != digest(example_definition())


# --- dump_yaml -----------------------------------------------------------------------------------


def test_dump_yaml_loads_back_to_the_canonical_form() -> None:
    assert yaml.safe_load(dump_yaml(example_definition())) == canonical(example_definition())


def test_dump_yaml_starts_with_a_header_naming_the_format_and_the_schema() -> None:
    first = dump_yaml(example_definition()).splitlines()[0]
    assert first + "\n" == YAML_HEADER
    assert first.startswith("# ")
    assert "zhigai-framework/1" in first
    assert "frameworks/schema/framework.schema.json" in first


def test_dump_yaml_writes_sections_in_the_documented_order() -> None:
    lines = dump_yaml(example_definition()).splitlines()
    top = [line.split(":")[0] for line in lines if line[:1].isalpha()]
    assert top == ["format", "framework", "levels", "option_sets", "nodes", "crosswalks"]


def test_dump_yaml_puts_code_then_title_then_the_schema_order() -> None:
    text = dump_yaml(example_definition())
    assert "framework:\n  code: EX-DEMO\n  title: {zh: 示例成熟度模型（2025年版）" in text
    assert "  - code: L1\n    name: {zh: 一级（起步级）, en: Level 1}\n    description:" in text
    assert (
        "      - id: l2_scenes\n        kind: count\n        select: {tag: scene, under: scene}\n"
        "        min_value: 3\n        gte: 2\n" in text
    )


def test_dump_yaml_writes_nodes_in_block_style_and_small_texts_on_one_line() -> None:
    text = dump_yaml(example_definition())
    assert "\nnodes:\n  - code: base\n    title: {zh: 数字化基础, en: Digital foundation}\n" in text
    assert "    weight: {discrete: 6, process: 4.5}\n" in text
    assert "        tags: [constrained, ai]\n" in text


def test_dump_yaml_writes_unicode_as_is_and_never_aliases() -> None:
    text = dump_yaml(example_definition())  # SOURCE is one object used three times
    assert "江苏省工业和信息化厅" in text
    assert "\\u" not in text
    assert "&id" not in text
    assert "*id" not in text


@pytest.mark.parametrize("value", ["2024", "yes", "no", "null", "1.0", "0x1F", "=A1", "a: b"])
def test_dump_yaml_quotes_text_that_yaml_would_read_as_something_else(value: Any) -> None:
    definition = example_definition()
    definition["framework"]["issuer"] = value
    assert yaml.safe_load(dump_yaml(definition))["framework"]["issuer"] == value


@pytest.mark.parametrize("value", ["第一行\n第二行", "a\rb", "a\x85b", "a\u2028b", "tab\there"])
def test_dump_yaml_keeps_line_breaks_yaml_would_fold(value: Any) -> None:
    definition = example_definition()
    definition["levels"][1]["rules"][2]["expr"] = value
    definition["nodes"][0]["advice"]["zh"] = value
    loaded = yaml.safe_load(dump_yaml(definition))
    assert loaded["levels"][1]["rules"][2]["expr"] == value
    assert loaded["nodes"][0]["advice"]["zh"] == value


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions())
def test_dump_yaml_round_trips_any_valid_definition(definition: dict[str, Any]) -> None:
    assert yaml.safe_load(dump_yaml(definition)) == canonical(definition)
