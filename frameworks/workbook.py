"""The XLSX form of a maturity model: officials author models in Excel, so a workbook and the YAML
file must convert into each other exactly: `canonical(xlsx_to_definition(definition_to_xlsx(d)))
== canonical(d)`.

Sheets: 说明 (instructions), framework (key, value), levels, rules, nodes (one row per node,
depth-first, with a `parent` column), options (`@name` rows are option sets), bands, crosswalks.
Row 1 holds the English key paths the reader matches (`title.zh`, `question.type`); row 2 holds
Chinese captions and starts with `#`: rows and columns whose first cell starts with `#` are notes
and are ignored. Cell types come from the JSON Schema (frameworks.files.schema_at).
"""

from __future__ import annotations

import datetime
import functools
import io
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import python_calamine
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from frameworks.files import (
    FIELD_NAMES_ZH,
    FORMAT,
    DefinitionFileError,
    canonical,
    property_order,
    schema_at,
    schema_types,
)

# --- Messages ----------------------------------------------------------------------------------
NOT_XLSX = "文件不是 XLSX 工作簿 (The file is not an XLSX workbook)"
UNREADABLE = "无法读取工作簿：{detail} (The workbook cannot be read: {detail})"
UNKNOWN_SHEET = "未知的工作表 (unknown sheet); 可用 (known): {known}"
MISSING_SHEET = "缺少工作表 (sheet missing)"
MISSING_COLUMN = "缺少必需的列 {key} (required column missing: {key})"
UNKNOWN_COLUMN = "未知的列 {key} (unknown column {key})"
DUPLICATE_COLUMN = "列 {key} 重复出现 (column {key} appears twice)"
HEADERLESS_VALUE = "该列没有表头，值无法读取 (value in a column without a header)"
UNKNOWN_KEY = "未知的项目 {key} (unknown key {key})"
DUPLICATE_KEY = "项目 {key} 重复出现，另见第 {row} 行 (key {key} repeated, also in row {row})"
EMPTY_REQUIRED = "必填项为空 (required value is empty)"
DUPLICATE_CODE = "编码 {code} 重复，另见第 {row} 行 (code {code} repeated, also in row {row})"
UNKNOWN_LEVEL = "等级 {code} 不在 levels 表中 (level {code} is not in the levels sheet)"
UNKNOWN_PARENT = "上级节点 {code} 不在 nodes 表中 (parent {code} is not in the nodes sheet)"
PARENT_CYCLE = "上级节点形成循环 (the parent chain of {code} loops back to itself)"
UNKNOWN_QUESTION = (
    "题目 {code} 不在 nodes 表中，或该节点没有题目 "
    "(question {code} is not in the nodes sheet, or that node has no question)"
)
EMPTY_SET_NAME = "选项集名称为空，应写作 @名称 (option set name missing: write @name)"
DESCRIPTOR_GAP = (
    "等级描述第 {missing} 项为空，但后面还有描述 "
    "(level descriptor {missing} is empty while a later one is given)"
)
NOT_A_NUMBER = "不是数字：{value} (not a number: {value})"
NOT_A_BOOLEAN = (
    "不是是/否值：{value}，请填 TRUE/FALSE、是/否 或 1/0 "
    "(not a yes/no value: {value}; use TRUE/FALSE, 是/否 or 1/0)"
)
NOT_A_MAPPING = (
    "无法读取对应关系：{value}，请写作 源=目标, 源=目标 或 JSON "
    "(cannot read the mapping {value}: write from=to, from=to or a JSON object)"
)
TEXT_TOO_LONG = (
    "{where} 的文字超过 Excel 单元格上限 32767 个字符 "
    "(text at {where} is longer than an Excel cell allows: 32767 characters)"
)
PROBLEM_AT_CELL = "{where}: {message}"
PROBLEM_AT_SHEET = "{sheet}: {message}"

NOTES_SHEET = "说明"
FRAMEWORK_SHEET = "framework"
NOTE_MARK = "#"
XLSX_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
EXCEL_CELL_LIMIT = 32767
EXACT_INT_LIMIT = 2**53
LIST_SPLIT = re.compile(r"[\s,，;；、]+")
MAP_PAIR_SPLIT = re.compile(r"[,，\n]")
SIMPLE_TOKEN = re.compile(r"[^\s,，=＝{}\"]+")
NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
INTEGER_TEXT = re.compile(r"[+-]?\d+")
TRUE_TEXTS = frozenset({"true", "t", "yes", "y", "1", "是", "对", "√"})
FALSE_TEXTS = frozenset({"false", "f", "no", "n", "0", "否", "错", "×"})

CAPTION_EXTRA = {"key": "项目", "value": "值", "zh": "（中文）", "en": "（英文）"}
KIND_NOTES = {
    "string": "文字 (text)",
    "number": "数字 (number)",
    "integer": "整数 (whole number)",
    "boolean": "TRUE/FALSE、是/否、1/0 (yes/no)",
    "string_list": "逗号分隔的编码 (comma-separated codes)",
    "number_list": "逗号分隔的数字 (comma-separated numbers)",
    "string_map": "源=目标, 源=目标 或 JSON (from=to pairs or a JSON object)",
    "link": "所属对象的编码 (code of the owner)",
}
SHEET_NOTES = {
    FRAMEWORK_SHEET: "模型基本信息，每行一项：key 为项目，value 为值 (model facts: key, value)",
    "levels": "等级，自低到高排列 (levels, lowest first)",
    "rules": "等级规则，level 列填所属等级编码 (level rules; `level` names the level)",
    "nodes": "指标树，每行一个节点，parent 填上级节点编码，顶层为空 (the tree, one row per node; "
    "`parent` is the parent's code, empty at the top; weight per variant: weight.<variant>)",
    "options": "选项，question 填题目编码，或 @选项集名称 (options of a question, or of the option "
    "set @name)",
    "bands": "数值题的分段，range 如 [0,10) (bands of number questions, range like [0,10))",
    "crosswalks": "答案映射：本模型题目 ← 其他模型题目 (crosswalks: this question ← another "
    "model's question)",
}
GENERAL_NOTES = (
    "成熟度模型工作簿，格式见 docs/framework-format.md (maturity model workbook; format: "
    "docs/framework-format.md)",
    "第 1 行是英文列名，读取时按列名匹配；第 2 行是中文说明 (row 1: English column keys, matched "
    "when reading; row 2: Chinese captions)",
    "第一格以 # 开头的行、表头以 # 开头的列是注释，读取时忽略 (rows whose first cell, and columns "
    "whose header, starts with # are notes and are ignored)",
    "空单元格表示“未填写” (an empty cell means the value is absent)",
    "是/否：TRUE/FALSE、是/否 或 1/0；列表用逗号分隔 (yes/no: TRUE/FALSE, 是/否 or 1/0; lists are "
    "comma-separated)",
    "以 = + - @ 开头的文字按文字保存，不是公式 (text starting with = + - @ is text, not a formula)",
    "导入后按 frameworks/schema/framework.schema.json 校验 (checked against the JSON Schema after "
    "reading)",
)


class WorkbookError(DefinitionFileError):
    """A workbook that cannot be read into a definition; `problems` names sheet, cell and column
    of every problem found."""


@dataclass(frozen=True)
class SheetSpec:
    """A table sheet: `base` is the schema path of the object one row describes, `link` the
    column naming the row's owner (not a field of the object)."""

    name: str
    base: tuple[str | int, ...]
    link: str | None = None
    required: tuple[str, ...] = ()


LEVELS = SheetSpec("levels", ("levels", 0), required=("code",))
RULES = SheetSpec("rules", ("levels", 0, "rules", 0), "level", ("level", "id"))
NODES = SheetSpec("nodes", ("nodes", 0), "parent", ("code", "parent"))
OPTIONS = SheetSpec("options", ("option_sets", "_", 0), "question", ("question", "code"))
BANDS = SheetSpec("bands", ("nodes", 0, "question", "bands", 0), "question", ("question", "range"))
CROSSWALKS = SheetSpec("crosswalks", ("crosswalks", 0), required=("question",))
TABLES = (LEVELS, RULES, NODES, OPTIONS, BANDS, CROSSWALKS)
SHEET_NAMES = (NOTES_SHEET, FRAMEWORK_SHEET, *(spec.name for spec in TABLES))
TAIL_FIELDS = ("text", "verified", "source")


# --- Columns: key paths, kinds and captions -----------------------------------------------------


@functools.cache
def column_path(key: str) -> tuple[str | int, ...]:
    """`title.zh` → (title, zh); the map keys and list positions inside a key are kept whole:
    `weight.a.b` → (weight, a.b), `question.level_descriptors.2.zh` → (…, 1, zh)."""
    if match := re.fullmatch(r"weight\.(.+)", key):
        return ("weight", match[1])
    if match := re.fullmatch(r"variant_names\.(.+)\.(zh|en)", key):
        return ("variant_names", match[1], match[2])
    if match := re.fullmatch(r"question\.level_descriptors\.([1-9][0-9]*)\.(zh|en)", key):
        return ("question", "level_descriptors", int(match[1]) - 1, match[2])
    return tuple(key.split("."))


@functools.cache
def column_kind(base: tuple[str | int, ...], path: tuple[str | int, ...]) -> str | None:
    """What a cell holds, from the schema: string, number, integer, boolean, string_list,
    number_list or string_map; None when the path is not a single-cell field."""
    schema = schema_at(base + path)
    if schema is None:
        return None
    types = schema_types(schema)
    if types[:1] == ["array"]:
        items = schema_at((*base, *path, 0)) or {}
        item_type = (schema_types(items) or [""])[0]
        return {"string": "string_list", "number": "number_list"}.get(item_type)
    if types[:1] == ["object"]:
        extra = schema.get("additionalProperties")
        is_map = isinstance(extra, Mapping) and extra.get("type") == "string"
        return "string_map" if is_map else None
    return next((t for t in types if t in ("string", "number", "integer", "boolean")), None)


def _leaf_keys(base: tuple[str | int, ...], prefix: tuple[str, ...] = ()) -> list[str]:
    """The single-cell fields of an object, depth-first in schema order: title.zh, title.en…"""
    keys: list[str] = []
    for name in property_order(schema_at(base + prefix) or {}):
        path = (*prefix, name)
        if column_kind(base, path) is not None:
            keys.append(".".join(path))
        elif "properties" in (schema_at(base + path) or {}):
            keys.extend(_leaf_keys(base, path))
    return keys


def _table_columns(spec: SheetSpec, definition: Mapping[str, Any]) -> list[str]:
    keys = _leaf_keys(spec.base)
    head = [key for key in keys if key.split(".")[0] not in TAIL_FIELDS]
    tail = sorted(
        (key for key in keys if key.split(".")[0] in TAIL_FIELDS),
        key=lambda key: TAIL_FIELDS.index(key.split(".")[0]),
    )
    columns = ([spec.link] if spec.link else []) + head + tail
    if spec is NODES:
        columns.remove("parent")
        columns.insert(1, "parent")
        at = columns.index("weight") + 1
        columns[at:at] = [f"weight.{name}" for name in _weight_variants(definition)]
        at = columns.index("question.level_scores") + 1
        columns[at:at] = _descriptor_columns(definition)
    return columns


def _weight_variants(definition: Mapping[str, Any]) -> list[str]:
    used = {
        name
        for node in _walk(_nodes(definition))
        if isinstance(node.get("weight"), dict)
        for name in node["weight"]
    }
    declared = list(definition.get("framework", {}).get("variants", []))
    return declared + sorted(used - set(declared))


def _descriptor_columns(definition: Mapping[str, Any]) -> list[str]:
    longest = max(
        (
            len(n.get("question", {}).get("level_descriptors", []))
            for n in _walk(_nodes(definition))
        ),
        default=0,
    )
    return [f"question.level_descriptors.{i}.{lang}" for i in range(1, longest + 1)
            for lang in ("zh", "en")]  # fmt: skip


def _framework_keys(definition: Mapping[str, Any]) -> list[str]:
    keys = ["format", *_leaf_keys(("framework",))]
    meta = definition.get("framework", {})
    names = list(dict.fromkeys([*meta.get("variants", []), *meta.get("variant_names", {})]))
    at = keys.index("variants") + 1
    keys[at:at] = [f"variant_names.{name}.{lang}" for name in names for lang in ("zh", "en")]
    return keys


def _framework_path(key: str) -> tuple[str | int, ...]:
    return ("format",) if key == "format" else ("framework", *column_path(key))


def caption(key: str) -> str:
    """The Chinese caption of a column key: `question.text.zh` → 题目·文字（中文）."""
    words = [_caption_word(part) for part in column_path(key)]
    text = "·".join(word for word in words if not word.startswith("（"))
    return text + "".join(word for word in words if word.startswith("（"))


def _caption_word(part: str | int) -> str:
    if isinstance(part, int):
        return str(part + 1)
    return CAPTION_EXTRA.get(part) or FIELD_NAMES_ZH.get(part, part)


def _nodes(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    nodes = definition.get("nodes")
    return nodes if isinstance(nodes, list) else []


def _walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Nodes depth-first, parents before children."""
    for node in nodes:
        yield node
        yield from _walk(node.get("children", []))


# --- Writing -----------------------------------------------------------------------------------


def definition_to_xlsx(definition: Mapping[str, Any]) -> bytes:
    """The workbook form of a definition (its canonical form), as the bytes of an XLSX file."""
    model = canonical(definition)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, XLSX_OPTIONS)
    styles = _styles(book)
    tables = [
        (spec, _table_columns(spec, model), list(_table_rows(spec, model))) for spec in TABLES
    ]
    _write_notes(book, styles, tables)
    _write_framework(book, styles, model)
    for spec, columns, rows in tables:
        _write_table(book, styles, spec, columns, rows)
    book.close()
    return buffer.getvalue()


def _styles(book: xlsxwriter.Workbook) -> dict[str, Any]:
    return {
        "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "caption": book.add_format(
            {"italic": True, "font_color": "#595959", "bg_color": "#F2F2F2"}
        ),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True}),
    }


def _table_rows(spec: SheetSpec, model: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    if spec is LEVELS:
        yield from model.get("levels", [])
    elif spec is RULES:
        for level in model.get("levels", []):
            yield from ({"level": level["code"], **rule} for rule in level.get("rules", []))
    elif spec is NODES:
        yield from _node_rows(_nodes(model), None)
    elif spec is OPTIONS:
        for name, options in model.get("option_sets", {}).items():
            yield from ({"question": f"@{name}", **option} for option in options)
        yield from _question_rows(model, "options")
    elif spec is BANDS:
        yield from _question_rows(model, "bands")
    else:
        yield from model.get("crosswalks", [])


def _node_rows(nodes: list[dict[str, Any]], parent: str | None) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield {"parent": parent, **node}
        yield from _node_rows(node.get("children", []), node["code"])


def _question_rows(model: Mapping[str, Any], key: str) -> Iterator[dict[str, Any]]:
    for node in _walk(_nodes(model)):
        for item in node.get("question", {}).get(key, []):
            yield {"question": node["code"], **item}


def _cell_of(row: Mapping[str, Any], key: str) -> Any:
    return _value_at(row, column_path(key))


def _value_at(item: Any, path: tuple[str | int, ...]) -> Any:
    """The value a cell shows; a mapping only for crosswalk `values` (a variant weight lives in
    the weight.<variant> columns, not in `weight`)."""
    for part in path:
        if isinstance(part, int):
            item = item[part] if isinstance(item, list) and part < len(item) else None
        else:
            item = item.get(part) if isinstance(item, dict) else None
    return None if isinstance(item, dict) and path[-1:] != ("values",) else item


def _write_notes(book: xlsxwriter.Workbook, styles: dict[str, Any], tables: list[Any]) -> None:
    sheet = book.add_worksheet(NOTES_SHEET)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 3, 44)
    sheet.write_string(0, 0, "成熟度模型工作簿 (maturity model workbook)", styles["title"])
    row = 2
    for note in GENERAL_NOTES:
        sheet.write_string(row, 0, note)
        row += 1
    row += 1
    for name, meaning in SHEET_NOTES.items():
        sheet.write_string(row, 0, name, styles["bold"])
        sheet.write_string(row, 1, meaning)
        row += 1
    row += 1
    for col, text in enumerate(
        ("工作表 (sheet)", "列 (column)", "中文说明 (caption)", "填写 (type)")
    ):
        sheet.write_string(row, col, text, styles["header"])
    for spec, columns, _rows in tables:
        for key in columns:
            row += 1
            kind = "link" if key == spec.link else column_kind(spec.base, column_path(key)) or ""
            for col, text in enumerate((spec.name, key, caption(key), KIND_NOTES.get(kind, ""))):
                sheet.write_string(row, col, text)
    sheet.activate()


def _write_framework(book: xlsxwriter.Workbook, styles: dict[str, Any], model: Any) -> None:
    sheet = book.add_worksheet(FRAMEWORK_SHEET)
    _write_header(sheet, styles, ["key", "value", "# 说明"], ["# 项目", "值", "说明"])
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 48)
    sheet.set_column(2, 2, 30)
    for row, key in enumerate(_framework_keys(model), start=2):
        _write_text(sheet, row, 0, key)
        _write_value(sheet, row, 1, _value_at(model, _framework_path(key)))
        _write_text(sheet, row, 2, caption(key))
    sheet.freeze_panes(2, 1)


def _write_table(
    book: xlsxwriter.Workbook,
    styles: dict[str, Any],
    spec: SheetSpec,
    columns: list[str],
    rows: list[dict[str, Any]],
) -> None:
    sheet = book.add_worksheet(spec.name)
    captions = [caption(key) for key in columns]
    captions[0] = f"{NOTE_MARK} {captions[0]}"
    _write_header(sheet, styles, columns, captions)
    for col, key in enumerate(columns):
        sheet.set_column(col, col, _width(key))
        _add_choices(sheet, spec, col, key, len(rows))
    for row, item in enumerate(rows, start=2):
        for col, key in enumerate(columns):
            _write_value(sheet, row, col, _cell_of(item, key))
    sheet.freeze_panes(2, 1)


def _write_header(
    sheet: Worksheet, styles: dict[str, Any], keys: list[str], captions: list[str]
) -> None:
    for col, (key, text) in enumerate(zip(keys, captions, strict=True)):
        sheet.write_string(0, col, key, styles["header"])
        sheet.write_string(1, col, text, styles["caption"])


def _width(key: str) -> int:
    if key.endswith((".zh", ".en")) or key in ("condition", "expr", "values", "source.url"):
        return 30
    return 18 if key in ("code", "parent", "question", "level", "id") else 12


def _add_choices(sheet: Worksheet, spec: SheetSpec, col: int, key: str, count: int) -> None:
    """A drop-down for enumerated fields (question.type, kind, na_policy) and yes/no fields; a
    warning, not a stop, so a value the schema does not know yet can still be typed."""
    schema = schema_at(spec.base + column_path(key)) if key != spec.link else None
    if schema is None:
        return
    choices = schema.get("enum") or (["TRUE", "FALSE"] if schema.get("type") == "boolean" else [])
    if choices:
        validation = {"validate": "list", "source": choices, "error_type": "warning"}
        sheet.data_validation(2, col, count + 500, col, validation)


def _write_value(sheet: Worksheet, row: int, col: int, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        _write_number(sheet, row, col, value)
    elif isinstance(value, dict):
        _write_text(sheet, row, col, map_text(value))
    elif isinstance(value, list):
        _write_text(sheet, row, col, ", ".join(_number_text(v) for v in value))
    else:
        _write_text(sheet, row, col, str(value))


def _write_number(sheet: Worksheet, row: int, col: int, value: float) -> None:
    """Excel keeps 16 significant digits and 2**53 as the largest exact integer; a number that
    would not come back identical is written as text, which the reader parses exactly."""
    if _exact_in_excel(value):
        sheet.write_number(row, col, value)
    else:
        _write_text(sheet, row, col, _number_text(value))


def _exact_in_excel(value: float) -> bool:
    if isinstance(value, int):
        return abs(value) <= EXACT_INT_LIMIT
    return math.isfinite(value) and float(f"{value:.16G}") == value


def _write_text(sheet: Worksheet, row: int, col: int, text: str) -> None:
    """Always a string cell: text starting with = + - @ is never turned into a formula."""
    if len(text) > EXCEL_CELL_LIMIT:
        where = f"{sheet.name}!{xl_col_to_name(col)}{row + 1}"
        raise ValueError(TEXT_TOO_LONG.format(where=where))
    sheet.write_string(row, col, text)


def _number_text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def map_text(values: Mapping[str, str]) -> str:
    """A crosswalk's value map as `from=to, from=to`, or as JSON when a code holds a comma, an
    equals sign, a brace, a quote or a space."""
    simple = all(SIMPLE_TOKEN.fullmatch(str(t)) for pair in values.items() for t in pair)
    if simple:
        return ", ".join(f"{key}={value}" for key, value in values.items())
    return json.dumps(values, ensure_ascii=False)


# --- Reading -----------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell whose content does not fit its column (the message is bilingual)."""


@dataclass(frozen=True)
class Column:
    index: int  # 0-based column position
    key: str


@dataclass
class Row:
    number: int  # spreadsheet row number (1-based)
    values: dict[str, Any]  # column key → typed value, only for non-empty cells
    cells: dict[str, str]  # column key → cell reference such as D7


@dataclass
class Reading:
    """Problems found so far, as full lines."""

    problems: list[str] = field(default_factory=list)

    def at_cell(self, sheet: str, cell: str, key: str, message: str) -> None:
        where = f"{sheet}!{cell} {key}".strip()
        self.problems.append(PROBLEM_AT_CELL.format(where=where, message=message))

    def at_sheet(self, sheet: str, message: str) -> None:
        self.problems.append(PROBLEM_AT_SHEET.format(sheet=sheet, message=message))


def xlsx_to_definition(data: bytes) -> dict[str, Any]:
    """The definition held by a workbook, in canonical form. Raises WorkbookError listing every
    problem (sheet, cell, column); never returns a partial result. The structure is not checked
    against the schema here (see frameworks.files.schema_problems)."""
    sheets = _open_sheets(data)
    reading = Reading()
    for name in sheets:
        if name not in SHEET_NAMES:
            reading.at_sheet(name, UNKNOWN_SHEET.format(known=", ".join(SHEET_NAMES)))
    meta = _read_framework(sheets.get(FRAMEWORK_SHEET), reading)
    tables = {spec.name: _read_table(spec, sheets.get(spec.name), reading) for spec in TABLES}
    levels = _assemble_levels(tables["levels"], tables["rules"], reading)
    nodes, by_code = _assemble_nodes(tables["nodes"], reading)
    option_sets = _attach_options(tables["options"], by_code, reading)
    _attach_bands(tables["bands"], by_code, reading)
    if reading.problems:
        raise WorkbookError(reading.problems)
    crosswalks = [_row_object(row, skip=None) for row in tables["crosswalks"]]
    definition = {
        "format": meta.pop("format", FORMAT),
        "framework": meta.get("framework", {}),
        "levels": levels,
        "option_sets": option_sets,
        "nodes": nodes,
        "crosswalks": crosswalks,
    }
    result: dict[str, Any] = canonical(definition)
    return result


def _open_sheets(data: bytes) -> dict[str, list[list[Any]]]:
    if not data.startswith(b"PK\x03\x04"):
        raise WorkbookError([NOT_XLSX])
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return {
            name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in book.sheet_names
        }
    except Exception as exc:  # calamine raises several unrelated types for a broken file
        raise WorkbookError([UNREADABLE.format(detail=type(exc).__name__)]) from exc


def _read_framework(rows: list[list[Any]] | None, reading: Reading) -> dict[str, Any]:
    """The key/value sheet as {"format": …, "framework": {…}}."""
    found: dict[str, Any] = {}
    if rows is None:
        reading.at_sheet(FRAMEWORK_SHEET, MISSING_SHEET)
        return found
    header = _header(FRAMEWORK_SHEET, rows, reading, lambda key: key in ("key", "value"))
    if {"key", "value"} - {column.key for column in header}:
        for key in sorted({"key", "value"} - {column.key for column in header}):
            reading.at_sheet(FRAMEWORK_SHEET, MISSING_COLUMN.format(key=key))
        return found
    columns = {column.key: column.index for column in header}
    seen: dict[str, int] = {}
    for number, raw in _data_rows(rows, header, FRAMEWORK_SHEET, reading):
        _read_framework_row(number, raw, columns, seen, found, reading)
    return found


def _read_framework_row(
    number: int,
    raw: list[Any],
    columns: dict[str, int],
    seen: dict[str, int],
    found: dict[str, Any],
    reading: Reading,
) -> None:
    key = cell_text(_at(raw, columns["key"]))
    key_cell = f"{xl_col_to_name(columns['key'])}{number}"
    value_cell = f"{xl_col_to_name(columns['value'])}{number}"
    path = _framework_path(key)
    kind = column_kind((), path) if key else None
    if kind is None:
        message = UNKNOWN_KEY.format(key=key) if key else EMPTY_REQUIRED
        reading.at_cell(FRAMEWORK_SHEET, key_cell, "key", message)
        return
    if key in seen:
        message = DUPLICATE_KEY.format(key=key, row=seen[key])
        reading.at_cell(FRAMEWORK_SHEET, key_cell, "key", message)
        return
    seen[key] = number
    try:
        value = typed_value(_at(raw, columns["value"]), kind)
    except CellError as exc:
        reading.at_cell(FRAMEWORK_SHEET, value_cell, key, str(exc))
        return
    if value is not None:
        _put(found, path, value)


def _read_table(spec: SheetSpec, rows: list[list[Any]] | None, reading: Reading) -> list[Row]:
    if rows is None:
        if spec in (LEVELS, NODES):
            reading.at_sheet(spec.name, MISSING_SHEET)
        return []
    header = _header(spec.name, rows, reading, lambda key: _kind_of(spec, key) is not None)
    keys = {column.key for column in header}
    missing = [key for key in spec.required if key not in keys]
    for key in missing:
        reading.at_sheet(spec.name, MISSING_COLUMN.format(key=key))
    if missing:
        return []
    return [_typed_row(spec, number, raw, header, reading)
            for number, raw in _data_rows(rows, header, spec.name, reading)]  # fmt: skip


def _kind_of(spec: SheetSpec, key: str) -> str | None:
    return "link" if key == spec.link else column_kind(spec.base, column_path(key))


def _header(sheet: str, rows: list[list[Any]], reading: Reading, known: Any) -> list[Column]:
    """The columns named in row 1; `#` columns are notes. Unknown and repeated keys are
    problems."""
    columns: list[Column] = []
    for index, cell in enumerate(rows[0] if rows else []):
        key = cell_text(cell)
        where = f"{xl_col_to_name(index)}1"
        if not key or key.startswith(NOTE_MARK):
            continue
        if not known(key):
            reading.at_cell(sheet, where, key, UNKNOWN_COLUMN.format(key=key))
        elif any(column.key == key for column in columns):
            reading.at_cell(sheet, where, key, DUPLICATE_COLUMN.format(key=key))
        else:
            columns.append(Column(index, key))
    return columns


def _data_rows(
    rows: list[list[Any]], header: list[Column], sheet: str, reading: Reading
) -> Iterator[tuple[int, list[Any]]]:
    """Rows after the header that hold data (1-based numbers): empty and `#` rows are skipped;
    a value under no header is a problem."""
    noted = {index for index, cell in enumerate(rows[0] if rows else []) if cell_text(cell)}
    for offset, raw in enumerate(rows[1:]):
        number = offset + 2
        filled = [index for index, cell in enumerate(raw) if cell_text(cell)]
        if not filled or cell_text(raw[0]).startswith(NOTE_MARK):
            continue
        for index in filled:
            if index not in noted:
                reading.at_cell(sheet, f"{xl_col_to_name(index)}{number}", "", HEADERLESS_VALUE)
        if any(column.index in filled for column in header):
            yield number, raw


def _typed_row(
    spec: SheetSpec, number: int, raw: list[Any], header: list[Column], reading: Reading
) -> Row:
    row = Row(number, {}, {})
    for column in header:
        cell = f"{xl_col_to_name(column.index)}{number}"
        row.cells[column.key] = cell
        kind = _kind_of(spec, column.key) or "string"
        try:
            value = typed_value(_at(raw, column.index), "string" if kind == "link" else kind)
        except CellError as exc:
            reading.at_cell(spec.name, cell, column.key, str(exc))
            continue
        if value is not None:
            row.values[column.key] = value
    return row


def _at(raw: list[Any], index: int) -> Any:
    return raw[index] if index < len(raw) else None


def cell_text(cell: Any) -> str:
    """A cell as text: whole numbers without '.0', TRUE/FALSE for booleans, ISO dates."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime.date | datetime.time):
        return cell.isoformat()
    return str(cell).strip()


def typed_value(cell: Any, kind: str) -> Any:
    """The value of a cell for a column of the given kind; None for an empty cell. Raises
    CellError (bilingual) when the content does not fit."""
    text = cell_text(cell)
    if not text:
        return None
    if kind in ("number", "integer"):
        return _number(cell, text)
    if kind == "boolean":
        return _boolean(cell, text)
    if kind == "string_list":
        return [part for part in LIST_SPLIT.split(text) if part]
    if kind == "number_list":
        return [_number(part, part) for part in LIST_SPLIT.split(text) if part]
    if kind == "string_map":
        return _mapping(text)
    return text


def _number(cell: Any, text: str) -> int | float:
    if isinstance(cell, bool) or not (isinstance(cell, int | float) or NUMBER_TEXT.fullmatch(text)):
        raise CellError(NOT_A_NUMBER.format(value=text))
    if isinstance(cell, int | float):
        number: int | float = cell
    else:
        number = int(text) if INTEGER_TEXT.fullmatch(text) else float(text)
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _boolean(cell: Any, text: str) -> bool:
    if isinstance(cell, bool):
        return cell
    lowered = text.lower()
    if lowered in TRUE_TEXTS or lowered in FALSE_TEXTS:
        return lowered in TRUE_TEXTS
    raise CellError(NOT_A_BOOLEAN.format(value=text))


def _mapping(text: str) -> dict[str, str]:
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:
            loaded = None
        if isinstance(loaded, dict) and all(isinstance(v, str) for v in loaded.values()):
            return loaded
        raise CellError(NOT_A_MAPPING.format(value=text))
    pairs = [part.strip() for part in MAP_PAIR_SPLIT.split(text) if part.strip()]
    if not all(re.fullmatch(r"[^=＝]+[=＝][^=＝]+", pair) for pair in pairs):
        raise CellError(NOT_A_MAPPING.format(value=text))
    split = (re.split(r"[=＝]", pair) for pair in pairs)
    return {key.strip(): value.strip() for key, value in split}


def _put(target: dict[Any, Any], path: tuple[str | int, ...], value: Any) -> None:
    """Set a nested value; list positions are collected as int keys (see _descriptors)."""
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _row_object(row: Row, skip: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in row.values.items():
        if key != skip:
            _put(found, column_path(key), value)
    return found


# --- Assembling the tree -------------------------------------------------------------------------


def _unique_codes(
    spec: SheetSpec, rows: list[Row], reading: Reading
) -> dict[str, tuple[Row, dict[str, Any]]]:
    """Rows by their code, each with its object (the link column left out); empty and repeated
    codes are problems."""
    found: dict[str, tuple[Row, dict[str, Any]]] = {}
    for row in rows:
        code = row.values.get("code")
        if code is None:
            reading.at_cell(spec.name, row.cells["code"], "code", EMPTY_REQUIRED)
        elif code in found:
            message = DUPLICATE_CODE.format(code=code, row=found[code][0].number)
            reading.at_cell(spec.name, row.cells["code"], "code", message)
        else:
            found[code] = (row, _row_object(row, skip=spec.link))
    return found


def _assemble_levels(levels: list[Row], rules: list[Row], reading: Reading) -> list[Any]:
    by_code = _unique_codes(LEVELS, levels, reading)
    for row in rules:
        code = row.values.get("level")
        if code is None:
            reading.at_cell(RULES.name, row.cells["level"], "level", EMPTY_REQUIRED)
        elif code not in by_code:
            message = UNKNOWN_LEVEL.format(code=code)
            reading.at_cell(RULES.name, row.cells["level"], "level", message)
        else:
            by_code[code][1].setdefault("rules", []).append(_row_object(row, skip="level"))
    return [level for _row, level in by_code.values()]


def _assemble_nodes(
    rows: list[Row], reading: Reading
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    by_code = _unique_codes(NODES, rows, reading)
    roots: list[dict[str, Any]] = []
    for code, (row, node) in by_code.items():
        _descriptors(node, row, reading)
        parent = row.values.get("parent")
        if parent is None:
            roots.append(node)
        elif parent not in by_code or parent == code:
            message = (
                PARENT_CYCLE.format(code=code)
                if parent == code
                else UNKNOWN_PARENT.format(code=parent)
            )
            reading.at_cell(NODES.name, row.cells["parent"], "parent", message)
        else:
            by_code[parent][1].setdefault("children", []).append(node)
    _report_cycles(roots, by_code, reading)
    return roots, {code: node for code, (_row, node) in by_code.items()}


def _report_cycles(
    roots: list[dict[str, Any]], by_code: dict[str, tuple[Row, dict[str, Any]]], reading: Reading
) -> None:
    """Nodes whose parent chain comes back to themselves (they cannot be reached from the top;
    nodes below an unknown parent are unreachable too, but that parent is already reported)."""
    reached = {node["code"] for node in _walk(roots)}
    parents = {code: row.values.get("parent") for code, (row, _node) in by_code.items()}
    for code, (row, _node) in by_code.items():
        if code not in reached and parents[code] != code and _loops(code, parents):
            message = PARENT_CYCLE.format(code=code)
            reading.at_cell(NODES.name, row.cells["parent"], "parent", message)


def _loops(code: str, parents: Mapping[str, str | None]) -> bool:
    step = parents.get(code)
    for _ in range(len(parents)):
        if step is None or step == code:
            return step == code
        step = parents.get(step)
    return False


def _descriptors(node: dict[str, Any], row: Row, reading: Reading) -> None:
    """`question.level_descriptors.N.*` columns (collected under int keys) → a list 1…N."""
    found = node.get("question", {}).get("level_descriptors")
    if not found:
        return
    count = max(found) + 1
    missing = [index for index in range(count) if index not in found]
    if missing:
        key = next(k for k in row.cells if column_path(k)[2:3] == (count - 1,))
        message = DESCRIPTOR_GAP.format(missing=missing[0] + 1)
        reading.at_cell(NODES.name, row.cells[key], key, message)
    node["question"]["level_descriptors"] = [found.get(index, {}) for index in range(count)]


def _attach_options(
    rows: list[Row], by_code: dict[str, dict[str, Any]], reading: Reading
) -> dict[str, list[Any]]:
    option_sets: dict[str, list[Any]] = {}
    for row in rows:
        owner = row.values.get("question", "")
        option = _row_object(row, skip="question")
        if owner.startswith("@"):
            name = owner[1:].strip()
            if not name:
                reading.at_cell(OPTIONS.name, row.cells["question"], "question", EMPTY_SET_NAME)
            option_sets.setdefault(name, []).append(option)
        elif (question := _question_of(OPTIONS, row, by_code, reading)) is not None:
            question.setdefault("options", []).append(option)
    return option_sets


def _attach_bands(rows: list[Row], by_code: dict[str, dict[str, Any]], reading: Reading) -> None:
    for row in rows:
        question = _question_of(BANDS, row, by_code, reading)
        if question is not None:
            question.setdefault("bands", []).append(_row_object(row, skip="question"))


def _question_of(
    spec: SheetSpec, row: Row, by_code: dict[str, dict[str, Any]], reading: Reading
) -> dict[str, Any] | None:
    code = row.values.get("question")
    question = by_code[code].get("question") if code in by_code else None
    if question is None:
        message = UNKNOWN_QUESTION.format(code=code) if code else EMPTY_REQUIRED
        reading.at_cell(spec.name, row.cells["question"], "question", message)
    return question
