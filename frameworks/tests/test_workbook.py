"""The XLSX form of a model: layout, the round trip law, cell types and every reader error."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from frameworks.files import DefinitionFileError, canonical, read_definition
from frameworks.tests.examples import definitions, example_definition
from frameworks.workbook import (
    SHEET_NAMES,
    WorkbookError,
    caption,
    definition_to_xlsx,
    map_text,
    xlsx_to_definition,
)

DATA_FILES = sorted((Path(__file__).resolve().parents[1] / "data").glob("*.yaml"))


def _open(data: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _saved(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column(book: Workbook, sheet: str, key: str) -> str:
    """The letter of the column whose row-1 header is `key`."""
    for cell in book[sheet][1]:
        if cell.value == key:
            return str(cell.column_letter)
    raise LookupError(key)


def _row(book: Workbook, sheet: str, first: str, nth: int = 1) -> int:
    """The number of the nth row whose column-A value is `first`."""
    rows = [int(cell.row) for cell in book[sheet]["A"] if cell.value == first]
    return rows[nth - 1]


def _ref(book: Workbook, sheet: str, first: str, key: str) -> str:
    return f"{_column(book, sheet, key)}{_row(book, sheet, first)}"


def _edit(data: bytes, sheet: str, first: str, key: str, value: Any) -> bytes:
    book = _open(data)
    book[sheet][_ref(book, sheet, first, key)].value = value
    return _saved(book)


def _read_back(definition: dict[str, Any]) -> dict[str, Any]:
    return xlsx_to_definition(definition_to_xlsx(definition))


def _hand_made(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A workbook as an official might type it: only the given sheets, rows and columns."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


MINIMAL: dict[str, list[list[Any]]] = {
    "framework": [
        ["key", "value"],
        ["code", "MINI"],
        ["version", 2024],
        ["title.zh", "最小模型"],
        ["score_scale", 100],
    ],
    "levels": [["name.zh", "code"], ["一级", "L1"]],
    "nodes": [
        ["parent", "code", "title.zh", "question.type", "weight"],
        [None, "q1", "题一", "yes_no", "2"],
    ],
}
MINIMAL_DEFINITION: dict[str, Any] = {
    "format": "zhigai-framework/1",
    "framework": {
        "code": "MINI",
        "version": "2024",
        "title": {"zh": "最小模型"},
        "score_scale": 100,
    },
    "levels": [{"code": "L1", "name": {"zh": "一级"}}],
    "nodes": [{"code": "q1", "title": {"zh": "题一"}, "weight": 2, "question": {"type": "yes_no"}}],
}


# --- Round trip ----------------------------------------------------------------------------------


def test_example_definition_round_trips_through_the_workbook() -> None:
    assert _read_back(example_definition()) == canonical(example_definition())


@pytest.mark.parametrize("path", DATA_FILES, ids=[path.name for path in DATA_FILES])
def test_default_model_round_trips_through_the_workbook_identically(path: Path) -> None:
    definition = read_definition(path.read_bytes(), filename=path.name)
    assert _read_back(definition) == canonical(definition)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions())
def test_any_valid_definition_round_trips_through_the_workbook(definition: dict[str, Any]) -> None:
    assert canonical(_read_back(definition)) == canonical(definition)


def test_read_definition_dispatches_xlsx_files_to_the_workbook_reader() -> None:
    data = definition_to_xlsx(example_definition())
    assert read_definition(data, filename="a.XLSX") == xlsx_to_definition(data)


def test_a_hand_made_workbook_with_few_columns_in_any_order_is_read() -> None:
    assert xlsx_to_definition(_hand_made(MINIMAL)) == MINIMAL_DEFINITION


# --- Layout --------------------------------------------------------------------------------------


def test_workbook_has_the_documented_sheets_in_order() -> None:
    book = _open(definition_to_xlsx(example_definition()))
    assert tuple(book.sheetnames) == SHEET_NAMES
    assert book.sheetnames[0] == "说明"


@pytest.mark.parametrize("sheet", SHEET_NAMES[1:])
def test_each_sheet_has_key_headers_a_caption_row_and_frozen_panes(sheet: str) -> None:
    book = _open(definition_to_xlsx(example_definition()))
    keys = [cell.value for cell in book[sheet][1]]
    captions = [cell.value for cell in book[sheet][2]]
    assert all(isinstance(key, str) and key for key in keys)
    assert captions[0].startswith("# ")
    assert book[sheet].freeze_panes == "B3"


def test_nodes_sheet_has_a_parent_column_variant_weights_and_descriptor_columns() -> None:
    book = _open(definition_to_xlsx(example_definition()))
    keys = [cell.value for cell in book["nodes"][1]]
    assert keys[:2] == ["code", "parent"]
    assert {"weight", "weight.discrete", "weight.process", "tags", "question.type"} <= set(keys)
    assert "question.level_descriptors.4.en" in keys
    assert "question.level_descriptors.5.zh" not in keys
    assert [c.value for c in book["nodes"]["A"][2:6]] == [
        "base",
        "base.mes",
        "base.network",
        "base.employees",
    ]


def test_nodes_are_written_depth_first_with_their_parent() -> None:
    book = _open(definition_to_xlsx(example_definition()))
    rows = [(row[0].value, row[1].value) for row in book["nodes"].iter_rows(min_row=3)]
    assert rows[:3] == [("base", None), ("base.mes", "base"), ("base.network", "base")]
    assert ("scene.quality", "scene") in rows


def test_option_sets_are_written_as_at_rows_in_the_options_sheet() -> None:
    book = _open(definition_to_xlsx(example_definition()))
    owners = [row[0].value for row in book["options"].iter_rows(min_row=3)]
    assert owners[:3] == ["@trend", "@trend", "@trend"]
    assert "base.network" in owners


def test_instructions_sheet_documents_every_column_and_points_to_the_format_document() -> None:
    book = _open(definition_to_xlsx(example_definition()))
    text = [str(cell.value) for row in book["说明"].iter_rows() for cell in row if cell.value]
    assert any("docs/framework-format.md" in line for line in text)
    documented = {(row[0].value, row[1].value) for row in book["说明"].iter_rows() if row[1].value}
    for sheet in SHEET_NAMES[2:]:
        for cell in book[sheet][1]:
            assert (sheet, cell.value) in documented


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("title.zh", "标题（中文）"),
        ("question.text.en", "题目·文字（英文）"),
        ("weight.discrete", "权重·discrete"),
        ("question.level_descriptors.2.zh", "题目·等级描述·2（中文）"),
    ],
)
def test_caption_translates_a_column_key(key: str, expected: str) -> None:
    assert caption(key) == expected


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"])
def test_formula_like_text_is_stored_as_text_not_as_a_formula(text: str) -> None:
    book = _open(definition_to_xlsx(example_definition()))
    cells = [cell for row in book["nodes"].iter_rows() for cell in row if cell.value == text]
    assert len(cells) == 1
    assert cells[0].data_type == "s"


@pytest.mark.parametrize("value", [0.1 + 0.2, 2**60 + 1, 1 / 3, 1e-300])
def test_numbers_excel_cannot_hold_exactly_still_round_trip(value: Any) -> None:
    definition = example_definition()
    definition["nodes"][0]["children"][2]["question"]["max"] = value
    assert _read_back(definition)["nodes"][0]["children"][2]["question"]["max"] == value


@pytest.mark.parametrize(
    "values",
    [{"a": "b"}, {"a,b": "c"}, {"x": "y=z"}, {"有 空格": "是"}, {"{": "}"}, {"3": "level 3"}],
)
def test_crosswalk_value_maps_round_trip(values: dict[str, str]) -> None:
    assert (
        xlsx_to_definition(definition_to_xlsx(_with_values(values)))["crosswalks"][0]["values"]
        == values
    )


def _with_values(values: dict[str, str]) -> dict[str, Any]:
    definition = example_definition()
    definition["crosswalks"][0]["values"] = values
    return definition


def test_map_text_is_pairs_when_simple_and_json_otherwise() -> None:
    assert map_text({"ot_net": "workshop", "g5": "wireless"}) == "ot_net=workshop, g5=wireless"
    assert map_text({"a b": "c"}) == '{"a b": "c"}'


def test_a_definition_with_text_longer_than_an_excel_cell_is_refused() -> None:
    definition = example_definition()
    definition["nodes"][0]["advice"]["zh"] = "长" * 40000
    with pytest.raises(ValueError, match="32767"):
        definition_to_xlsx(definition)


# --- Cell types ----------------------------------------------------------------------------------


def test_a_version_stored_as_a_number_is_read_as_text() -> None:
    data = _edit(definition_to_xlsx(example_definition()), "framework", "version", "value", 2024)
    assert xlsx_to_definition(data)["framework"]["version"] == "2024"


@pytest.mark.parametrize(("typed", "expected"), [("8", 8), (" 8.0 ", 8), (8.0, 8), ("0.5", 0.5)])
def test_numbers_typed_as_text_or_whole_floats_are_read_as_numbers(
    typed: Any, expected: str
) -> None:
    data = _edit(definition_to_xlsx(example_definition()), "nodes", "base.mes", "weight", typed)
    found = xlsx_to_definition(data)["nodes"][0]["children"][0]["weight"]
    assert found == expected
    assert type(found) is type(expected)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("是", True),
        ("否", False),
        ("TRUE", True),
        ("false", False),
        (1, True),
        (0, False),
        (True, True),
    ],
)
def test_yes_no_cells_accept_the_usual_spellings(typed: Any, expected: str) -> None:
    data = _edit(definition_to_xlsx(example_definition()), "nodes", "base", "verified", typed)
    assert xlsx_to_definition(data)["nodes"][0]["verified"] is expected


def test_lists_accept_chinese_separators() -> None:
    data = definition_to_xlsx(example_definition())
    data = _edit(data, "nodes", "scene.quality", "question.level_scores", "0，0.5、1")
    data = _edit(data, "nodes", "scene.quality", "tags", "scene；constrained ai")
    quality = xlsx_to_definition(data)["nodes"][1]["children"][0]
    assert quality["question"]["level_scores"] == [0, 0.5, 1]
    assert quality["tags"] == ["scene", "constrained", "ai"]


@pytest.mark.parametrize("typed", [None, "   "])
def test_an_empty_cell_means_absent(typed: Any) -> None:
    data = _edit(definition_to_xlsx(example_definition()), "nodes", "base", "title.en", typed)
    assert xlsx_to_definition(data)["nodes"][0]["title"] == {"zh": "数字化基础"}


def test_note_rows_and_note_columns_are_ignored() -> None:
    book = _open(definition_to_xlsx(example_definition()))
    sheet = book["nodes"]
    sheet.insert_rows(5)
    sheet["A5"] = "# 以下为基础类题目"
    sheet["C5"] = "备注"
    column = sheet.max_column + 1
    sheet.cell(row=1, column=column, value="# 审核意见")
    sheet.cell(row=4, column=column, value="已核对")
    assert xlsx_to_definition(_saved(book)) == canonical(example_definition())


# --- Errors --------------------------------------------------------------------------------------


def _reading_problems(data: bytes) -> list[str]:
    with pytest.raises(WorkbookError) as raised:
        xlsx_to_definition(data)
    return raised.value.problems


def _edited(change: Callable[[Workbook], None]) -> bytes:
    book = _open(definition_to_xlsx(example_definition()))
    change(book)
    return _saved(book)


def _set(sheet: str, first: str, key: str, value: Any) -> Callable[[Workbook], None]:
    def change(book: Workbook) -> None:
        book[sheet][_ref(book, sheet, first, key)].value = value

    return change


def _add_column(sheet: str, key: str) -> Callable[[Workbook], None]:
    def change(book: Workbook) -> None:
        book[sheet].cell(row=1, column=book[sheet].max_column + 1, value=key)

    return change


def _rename_column(sheet: str, key: str, new: str) -> Callable[[Workbook], None]:
    def change(book: Workbook) -> None:
        book[sheet][f"{_column(book, sheet, key)}1"].value = new

    return change


def _drop_sheet(name: str) -> Callable[[Workbook], None]:
    def change(book: Workbook) -> None:
        del book[name]

    return change


def _add_sheet(book: Workbook) -> None:
    book.create_sheet("notes")


def _headerless_value(book: Workbook) -> None:
    book["nodes"].cell(row=3, column=book["nodes"].max_column + 2, value="?")


def _two_node_cycle(book: Workbook) -> None:
    book["nodes"][_ref(book, "nodes", "base", "parent")].value = "base.mes"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_add_sheet, "notes: 未知的工作表 (unknown sheet)"),
        (_drop_sheet("nodes"), "nodes: 缺少工作表 (sheet missing)"),
        (_drop_sheet("framework"), "framework: 缺少工作表 (sheet missing)"),
        (_drop_sheet("levels"), "levels: 缺少工作表 (sheet missing)"),
        (
            _add_column("nodes", "colour"),
            "nodes!<new> colour: 未知的列 colour (unknown column colour)",
        ),
        (_add_column("levels", "rules"), "levels!<new> rules: 未知的列 rules"),
        (_add_column("nodes", "code"), "nodes!<new> code: 列 code 重复出现"),
        (_rename_column("nodes", "parent", "# parent"), "nodes: 缺少必需的列 parent"),
        (_rename_column("rules", "level", "等级"), "rules!A1 等级: 未知的列 等级"),
        (_headerless_value, "nodes!<gap>: 该列没有表头，值无法读取"),
        (
            _set("nodes", "base.mes", "parent", "nowhere"),
            "nodes!<base.mes|parent> parent: 上级节点 nowhere 不在 nodes 表中",
        ),
        (_set("nodes", "base", "parent", "base"), "nodes!<base|parent> parent: 上级节点形成循环"),
        (_two_node_cycle, "nodes!<base.mes|parent> parent: 上级节点形成循环 (the parent chain"),
        (
            _set("nodes", "result.notes", "code", "base"),
            "nodes!<result.notes|code> code: 编码 base 重复，另见第 3 行",
        ),
        (_set("nodes", "result.notes", "code", None), "nodes!<result.notes|code> code: 必填项为空"),
        (
            _set("nodes", "base.mes", "weight", "heavy"),
            "nodes!<base.mes|weight> weight: 不是数字：heavy",
        ),
        (
            _set("nodes", "base", "verified", "maybe"),
            "nodes!<base|verified> verified: 不是是/否值：maybe",
        ),
        (
            _set("nodes", "scene.quality", "question.level_descriptors.2.zh", None),
            "nodes!<scene.quality|question.level_descriptors.4.zh> "
            "question.level_descriptors.4.zh: 等级描述第 2 项为空",
        ),
        (
            _set("options", "base.network", "question", "nowhere"),
            "options!<base.network|question> question: 题目 nowhere 不在 nodes 表中",
        ),
        (
            _set("options", "base.network", "question", "base"),
            "options!<base.network|question> question: 题目 base 不在 nodes 表中，或该节点没有题目",
        ),
        (
            _set("options", "@trend", "question", "@"),
            "options!<@trend|question> question: 选项集名称为空",
        ),
        (_set("options", "@trend", "score", "高"), "options!<@trend|score> score: 不是数字：高"),
        (
            _set("bands", "base.rate", "question", "scene"),
            "bands!<base.rate|question> question: 题目 scene",
        ),
        (_set("rules", "L1", "level", "L9"), "rules!<L1|level> level: 等级 L9 不在 levels 表中"),
        (_set("levels", "L2", "code", "L1"), "levels!<L2|code> code: 编码 L1 重复，另见第 3 行"),
        (
            _set("crosswalks", "base.network", "values", "a=b=c"),
            "crosswalks!<base.network|values> values: 无法读取对应关系",
        ),
        (
            _set("crosswalks", "base.network", "values", '{"a": 1}'),
            "crosswalks!<base.network|values> values: 无法读取对应关系",
        ),
        (
            _set("framework", "issuer", "key", "colour"),
            "framework!<issuer|key> key: 未知的项目 colour",
        ),
        (
            _set("framework", "issuer", "key", "title"),
            "framework!<issuer|key> key: 未知的项目 title",
        ),
        (
            _set("framework", "score_scale", "value", "lots"),
            "framework!<score_scale|value> score_scale: 不是数字：lots",
        ),
    ],
)
def test_reader_reports_the_sheet_cell_and_column_of_a_problem_and_returns_nothing(
    change: Callable[[Workbook], None], expected: str
) -> None:
    expected = _located(expected, _open(definition_to_xlsx(example_definition())))
    problems = _reading_problems(_edited(change))
    assert any(problem.startswith(expected) for problem in problems), (expected, problems)


def _located(expected: str, book: Workbook) -> str:
    """`nodes!<base.mes|weight>` → `nodes!G4` (the cell in the exported example workbook);
    `<new>` is the first free header cell, `<gap>` a cell in row 3 one column further."""

    def cell(match: re.Match[str]) -> str:
        sheet, place = match[1], match[2]
        free = book[sheet].max_column + 1
        if place == "new":
            return f"{sheet}!{get_column_letter(free)}1"
        if place == "gap":
            return f"{sheet}!{get_column_letter(free + 1)}3"
        first, key = place.split("|")
        return f"{sheet}!{_ref(book, sheet, first, key)}"

    return re.sub(r"(\w+)!<([^>]+)>", cell, expected)


def test_reader_reports_a_repeated_framework_key_with_both_rows() -> None:
    book = _open(definition_to_xlsx(example_definition()))
    first = _row(book, "framework", "issuer")
    book["framework"].append(["issuer", "另一个单位"])
    repeated = book["framework"].max_row
    problems = _reading_problems(_saved(book))
    assert problems == [
        f"framework!A{repeated} key: 项目 issuer 重复出现，另见第 {first} 行 "
        f"(key issuer repeated, also in row {first})"
    ]


def test_nodes_below_an_unknown_parent_are_not_reported_as_a_cycle() -> None:
    problems = _reading_problems(_edited(_set("nodes", "base", "parent", "nowhere")))
    assert problems == [
        "nodes!B3 parent: 上级节点 nowhere 不在 nodes 表中 "
        "(parent nowhere is not in the nodes sheet)"
    ]


def test_reader_reports_every_problem_at_once() -> None:
    book = _open(definition_to_xlsx(example_definition()))
    for change in (
        _set("nodes", "base.mes", "weight", "heavy"),
        _set("nodes", "base.network", "parent", "nowhere"),
        _set("rules", "L1", "level", "L9"),
        _add_sheet,
    ):
        change(book)
    assert len(_reading_problems(_saved(book))) == 4


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"not a workbook", "文件不是 XLSX 工作簿 (The file is not an XLSX workbook)"),
        (b"PK\x03\x04broken zip", "无法读取工作簿"),
    ],
)
def test_reader_rejects_a_file_that_is_not_a_workbook(data: bytes, expected: str) -> None:
    problems = _reading_problems(data)
    assert len(problems) == 1
    assert expected in problems[0]


def test_workbook_error_is_a_definition_file_error() -> None:
    assert issubclass(WorkbookError, DefinitionFileError)


def test_a_hand_made_workbook_without_headers_reports_the_missing_columns() -> None:
    sheets = {**MINIMAL, "nodes": []}
    problems = _reading_problems(_hand_made(sheets))
    assert problems == [
        "nodes: 缺少必需的列 code (required column missing: code)",
        "nodes: 缺少必需的列 parent (required column missing: parent)",
    ]
