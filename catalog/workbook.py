"""The XLSX workbook of the resource pool: the same layout for the import template, the export and
an upload, so an export imports back unchanged.

Sheets
    资源条目   one row per catalogue entry of any kind, with a 类别 column (a province clerk keeps
              one list and filters it, rather than ten sheets);
    服务商     one row per service provider (the province's import only);
    说明       what each column means and the allowed values;
    代码表     the codes a clerk needs: scenarios, regions, clusters, chains, industries;
    选项       the lists behind the data-validation drop-downs (hidden).
Lists in a cell (industries, regions, scenarios …) are separated by "；" (also accepted: ";",
"，", ",", "、", new lines). Yes/no flags are 是/否. Kinds and software categories are their
Chinese names. Text that a spreadsheet would run as a formula is written with a leading
apostrophe and read back without it; formulas are refused on upload.

Reading never raises for a bad file: `sheets_read` returns the rows it could read and every
problem (the file, a header, too many rows, formulas) with its Excel row number.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from catalog.models import Entry
from registry.exports import FORMULA_TRIGGERS, cell_escape

ENTRY_SHEET = "资源条目"
PROVIDER_SHEET = "服务商"
NOTES_SHEET = "说明"
CODES_SHEET = "代码表"
LISTS_SHEET = "选项"

# Entry columns: header → Entry field ("" for columns only written by the export).
COL_KIND = "类别"
COL_TITLE = "名称"
COL_PROVIDER = "服务商"
COL_SUMMARY = "摘要"
COL_BODY = "详细介绍"
COL_SOFTWARE = "软件类别"
COL_FIRST_VERSION = "首版次"
COL_FIRST_SET = "首台套"
COL_YEAR = "认定年度"
COL_INDUSTRIES = "适用行业"
COL_REGIONS = "适用区域"
COL_CLUSTERS = "产业集群"
COL_CHAINS = "产业链"
COL_SCENARIOS = "场景"
COL_SOURCE = "来源"
COL_ATTRIBUTES = "其他信息"
COL_STATUS = "状态"
ENTRY_HEADER = (
    COL_KIND, COL_TITLE, COL_PROVIDER, COL_SUMMARY, COL_BODY, COL_SOFTWARE, COL_FIRST_VERSION,
    COL_FIRST_SET, COL_YEAR, COL_INDUSTRIES, COL_REGIONS, COL_CLUSTERS, COL_CHAINS, COL_SCENARIOS,
    COL_SOURCE, COL_ATTRIBUTES,
)  # fmt: skip
ENTRY_REQUIRED = (COL_KIND, COL_TITLE)

COL_NAME = "名称"
COL_USCC = "统一社会信用代码"
COL_REGION = "注册地"
COL_SERVED = "服务区域"
COL_PROVIDER_INDUSTRIES = "服务行业"
COL_QUALIFICATIONS = "资质"
COL_PROVIDER_SUMMARY = "简介"
COL_TRACK_RECORD = "服务业绩"
COL_CONTACT = "联系人"
COL_PHONE = "联系电话"
COL_WEBSITE = "网址"
PROVIDER_HEADER = (
    COL_NAME, COL_USCC, COL_REGION, COL_SERVED, COL_PROVIDER_INDUSTRIES, COL_QUALIFICATIONS,
    COL_PROVIDER_SUMMARY, COL_TRACK_RECORD, COL_CONTACT, COL_PHONE, COL_WEBSITE,
)  # fmt: skip
PROVIDER_REQUIRED = (COL_NAME,)

YES, NO = "是", "否"
LIST_SEPARATOR = "；"
ATTRIBUTE_SEPARATOR = "："

MAX_ROWS = 5000  # data rows per sheet
MAX_SHEET_ROWS = 20_000  # rows read at all, blank ones included (see targets/uploads.py)

MISSING_COLUMNS = (
    "工作表“{sheet}”的表头缺少列：{columns}，请勿修改模板表头 "
    "(Sheet “{sheet}” lacks the columns {columns}: keep the template's header)"
)
DUPLICATE_COLUMNS = (
    "工作表“{sheet}”的表头有重复的列：{columns} (Sheet “{sheet}” repeats the columns {columns})"
)
TOO_MANY_ROWS = (
    "工作表“{sheet}”数据超过 {limit} 行，请分成多个文件上传 "
    "(Sheet “{sheet}” has more than {limit} data rows: split the file)"
)
TOO_MANY_SHEET_ROWS = (
    "工作表“{sheet}”超过 {limit} 行（含空行），请删除多余的空行 "
    "(Sheet “{sheet}” has more than {limit} rows, blank ones included: delete the blank rows)"
)
NO_ENTRY_SHEET = (
    "文件中没有“资源条目”或“服务商”工作表，请使用下载的模板 "
    "(The file has no “资源条目” or “服务商” sheet: use the downloaded template)"
)
FORMULA = "不接受公式，请粘贴为数值 (Formulas are not accepted: paste the values)"

ENTRY_NOTES = (
    (COL_KIND, "必填。见下拉列表：解决方案、工业软件、智能装备、网络设备、知识模型与工业APP、"
     "人才培训、优秀案例（服务商和省级均可）；典型场景、短板技术和装备、重大装备项目储备（仅省级）。",
     "Required. One of the drop-down kinds; the last three are the province's own lists."),
    (COL_TITLE, "必填，不超过 120 字。同一服务商、同一类别下名称唯一：再次导入同名条目即更新。",
     "Required, at most 120 characters. Unique per provider and kind: re-importing updates."),
    (COL_PROVIDER, "服务商名称，须与“服务商”表或平台中已有的名称完全一致；省级自建清单留空。"
     "服务商账号导入时留空或填本服务商名称。",
     "The provider's exact name; empty for the province's own lists. A provider account leaves "
     "it empty or gives its own name."),
    (COL_SUMMARY, "选填，不超过 300 字。", "Optional, at most 300 characters."),
    (COL_BODY, "选填。详细介绍、技术特点、应用成效等。", "Optional. Full description."),
    (COL_SOFTWARE, "仅工业软件填写：研发设计、生产控制、经营管理、运维服务、嵌入式。",
     "Software only: one of the five software categories."),
    (COL_FIRST_VERSION, "是/否。仅工业软件、知识模型与工业APP可为“是”（首版次）。",
     "是 (yes) / 否 (no). Only software and models can be 首版次."),
    (COL_FIRST_SET, "是/否。仅智能装备、网络设备可为“是”（首台套）。",
     "是 / 否. Only equipment and network entries can be 首台套."),
    (COL_YEAR, "选填。首台套、首版次、优秀案例等的认定年度，如 2025。",
     "Optional. Year of recognition, e.g. 2025."),
    (COL_INDUSTRIES, "选填。GB/T 4754-2017 行业代码（大类 2 位、中类 3 位或小类 4 位），"
     "多个用“；”分隔，见“代码表”。",
     "Optional. GB/T 4754-2017 codes separated by “；” (see 代码表)."),
    (COL_REGIONS, "选填。地区代码（设区市 4 位、区县 6 位），多个用“；”分隔；留空表示全省。",
     "Optional. Region codes separated by “；”; empty means the whole province."),
    (COL_CLUSTERS, "选填。产业集群编码，多个用“；”分隔，见“代码表”。", "Optional. Cluster codes."),
    (COL_CHAINS, "选填。产业链编码，多个用“；”分隔，见“代码表”。", "Optional. Chain codes."),
    (COL_SCENARIOS, "选填。典型场景编码或名称，多个用“；”分隔，见“代码表”。",
     "Optional. Scenario codes or names separated by “；”."),
    (COL_SOURCE, "选填。信息来源，如认定文件名称、文号。", "Optional. Source of the facts."),
    (COL_ATTRIBUTES, "选填。其他信息，每行一项，写成“项目：内容”，如“价格区间：20–50 万元”。",
     "Optional. One “item：text” pair per line."),
    (COL_STATUS, "仅导出时出现（省级），导入时忽略。",
     "Export only (province); ignored on import."),
)  # fmt: skip
PROVIDER_NOTES = (
    (COL_NAME, "必填，服务商全称，平台内唯一：再次导入同名服务商即更新。",
     "Required, the full name; re-importing the same name updates it."),
    (COL_USCC, "选填。18 位统一社会信用代码。", "Optional. The 18-character USCC."),
    (COL_REGION, "选填。注册地地区代码（设区市 4 位或区县 6 位）。", "Optional. Region code."),
    (COL_SERVED, "选填。服务区域的地区代码，多个用“；”分隔。", "Optional. Region codes served."),
    (COL_PROVIDER_INDUSTRIES, "选填。服务行业的 GB/T 4754-2017 代码，多个用“；”分隔。",
     "Optional. Industry codes served."),
    (COL_QUALIFICATIONS, "选填。资质名称，多个用“；”分隔。", "Optional. Qualifications."),
    (COL_PROVIDER_SUMMARY, "选填。服务商简介。", "Optional. Summary."),
    (COL_TRACK_RECORD, "选填。服务业绩。", "Optional. Track record."),
    (COL_CONTACT, "选填。联系人姓名。", "Optional. Contact name."),
    (COL_PHONE, "选填。联系电话。", "Optional. Contact phone."),
    (COL_WEBSITE, "选填。以 http:// 或 https:// 开头的网址。", "Optional. Website URL."),
)  # fmt: skip


@dataclass(frozen=True)
class SheetRow:
    """A data row of a sheet by column header; `formulas` names columns holding a formula."""

    sheet: str
    number: int
    cells: Mapping[str, Any]
    formulas: tuple[str, ...] = ()

    def text(self, column: str) -> str:
        return cell_text(self.cells.get(column))


@dataclass(frozen=True)
class SheetProblem:
    sheet: str
    row: int  # Excel row number, 0 for the file
    column: str
    message: str


@dataclass
class Sheets:
    entries: list[SheetRow] = field(default_factory=list)
    providers: list[SheetRow] = field(default_factory=list)
    problems: list[SheetProblem] = field(default_factory=list)
    has_providers_sheet: bool = False


# --- values ----------------------------------------------------------------------------------


_EXCEL_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def _unescaped(text: str) -> str:
    """Excel's "_xHHHH_" escapes decoded (openpyxl leaves them), Windows line breaks as "\n",
    and no control character but tab and new line (PostgreSQL refuses NUL)."""
    if "_x" in text:
        text = _EXCEL_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return ILLEGAL_CHARACTERS_RE.sub("", text.replace("\x0b", "\n"))


def cell_text(value: Any) -> str:
    """A cell as text: whole floats without ".0", Excel's escapes decoded, control characters
    dropped, the export's formula escape removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _unescaped(str(value)).strip()
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def cell_value(value: Any) -> Any:
    """A value as the export writes it: text without the control characters a worksheet cannot
    hold (Word's manual line break, a vertical tab, becomes a new line), escaped so that a
    spreadsheet never runs it as a formula."""
    if not isinstance(value, str):
        return value
    return cell_escape(ILLEGAL_CHARACTERS_RE.sub("", value.replace("\x0b", "\n")))


def split_list(text: str) -> list[str]:
    for separator in (";", "，", ",", "、", "\n"):
        text = text.replace(separator, LIST_SEPARATOR)
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def join_list(values: Iterable[Any]) -> str:
    return LIST_SEPARATOR.join(str(value) for value in values)


def attributes_text(attributes: Mapping[str, Any]) -> str:
    return "\n".join(f"{key}{ATTRIBUTE_SEPARATOR}{value}" for key, value in attributes.items())


# --- writing ---------------------------------------------------------------------------------


def workbook_write(
    *,
    entries: Iterable[Sequence[Any]],
    providers: Iterable[Sequence[Any]] | None,
    with_status: bool,
    codes: Mapping[str, Sequence[tuple[str, str]]],
) -> bytes:
    """The workbook: `entries` / `providers` are rows in ENTRY_HEADER / PROVIDER_HEADER order
    (plus the status when `with_status`); `providers` None leaves that sheet out. `codes` maps a
    code list's title to its (code, name) pairs for the 代码表 sheet. Written in openpyxl's
    write-only mode (rows streamed: about twice as fast for thousands of entries)."""
    book = openpyxl.Workbook(write_only=True)
    status = (COL_STATUS,) if with_status else ()
    sheet = book.create_sheet(ENTRY_SHEET)
    _validations(sheet)
    _fill(sheet, (*ENTRY_HEADER, *status), entries)
    if providers is not None:
        _fill(book.create_sheet(PROVIDER_SHEET), (*PROVIDER_HEADER, *status), providers)
    _notes(book.create_sheet(NOTES_SHEET), with_providers=providers is not None)
    _codes(book.create_sheet(CODES_SHEET), codes)
    _lists(book.create_sheet(LISTS_SHEET))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _write_header(sheet: Any, header: Sequence[str], widths: Sequence[int]) -> None:
    """Widths and frozen header first (a write-only sheet takes them before any row)."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        cells.append(cell)
    sheet.append(cells)


def _fill(sheet: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    widths = [24 if h in (COL_TITLE, COL_SUMMARY, COL_BODY) else 14 for h in header]
    _write_header(sheet, header, widths)
    for row in rows:
        sheet.append([cell_value(v) for v in row])


def _wrapped(sheet: Any, values: Sequence[Any]) -> list[Any]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.alignment = _WRAP
        cells.append(cell)
    return cells


def _notes(sheet: Any, *, with_providers: bool) -> None:
    _write_header(sheet, ["工作表 (Sheet)", "列 (Column)", "说明", "Description"], (10, 14, 70, 60))
    notes = [(ENTRY_SHEET, *note) for note in ENTRY_NOTES]
    if with_providers:
        notes += [(PROVIDER_SHEET, *note) for note in PROVIDER_NOTES]
    for note in notes:
        sheet.append(_wrapped(sheet, note))
    sheet.append([])
    for line in GENERAL_NOTES:
        sheet.append(_wrapped(sheet, ["", "", line]))


GENERAL_NOTES = (
    "文件中任何一行有问题，整个文件都不导入；请按提示修改后重新上传。"
    "(If any row has a problem, nothing is imported.)",
    "再次导入同一文件不会重复：同一服务商、类别和名称的条目、同名的服务商会被更新。"
    "(Re-importing updates rather than duplicates.)",
    "服务商账号导入的条目均为草稿，提交审核、经省级审核后才公开。"
    "(A provider's imported entries are drafts until reviewed.)",
    "不得使用公式。(No formulas.) "
    f"每个工作表最多 {MAX_ROWS} 行数据 (at most {MAX_ROWS} data rows per sheet).",
)


def _codes(sheet: Any, codes: Mapping[str, Sequence[tuple[str, str]]]) -> None:
    _write_header(sheet, ["代码类别 (List)", "代码 (Code)", "名称 (Name)"], (18, 28, 40))
    for title, pairs in codes.items():
        for code, name in pairs:
            sheet.append([title, cell_value(code), cell_value(name)])


# Drop-down lists: (the entry column(s) they serve, the values), one column each on 选项.
def _list_columns() -> tuple[tuple[tuple[str, ...], list[str]], ...]:
    return (
        ((COL_KIND,), [str(label) for _, label in Entry.Kind.choices]),
        ((COL_SOFTWARE,), [str(label) for _, label in Entry.SoftwareCategory.choices]),
        ((COL_FIRST_VERSION, COL_FIRST_SET), [YES, NO]),
    )


def _validations(entries: Any) -> None:
    """Drop-downs for the kind, the software category and the two flags, pointing at the
    hidden sheet 选项 (so the lists are not limited to 255 characters)."""
    for index, (targets, values) in enumerate(_list_columns(), start=1):
        letter = get_column_letter(index)
        source = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
        for target in targets:
            column = get_column_letter(ENTRY_HEADER.index(target) + 1)
            validation = DataValidation(type="list", formula1=source, allow_blank=True)
            validation.error = "请从下拉列表中选择 (Choose from the list)"
            validation.add(f"{column}2:{column}{MAX_ROWS + 1}")
            entries.data_validations.append(validation)


def _lists(sheet: Any) -> None:
    columns = _list_columns()
    sheet.append([targets[0] for targets, _ in columns])
    for row in range(max(len(values) for _, values in columns)):
        sheet.append([values[row] if row < len(values) else None for _, values in columns])
    sheet.sheet_state = "hidden"


# --- reading ---------------------------------------------------------------------------------


def sheets_read(file: IO[bytes]) -> Sheets:
    """The data rows of the 资源条目 and 服务商 sheets (any other sheet is ignored). openpyxl errors
    propagate: the caller reports an unreadable file."""
    found = Sheets()
    book = openpyxl.load_workbook(file, read_only=True, data_only=False)
    try:
        names = book.sheetnames
        if ENTRY_SHEET not in names and PROVIDER_SHEET not in names:
            found.problems.append(SheetProblem("", 0, "", NO_ENTRY_SHEET))
            return found
        for name, header, required, rows in (
            (ENTRY_SHEET, ENTRY_HEADER, ENTRY_REQUIRED, found.entries),
            (PROVIDER_SHEET, PROVIDER_HEADER, PROVIDER_REQUIRED, found.providers),
        ):
            if name not in names:
                continue
            found.has_providers_sheet |= name == PROVIDER_SHEET
            sheet = book[name]
            sheet.reset_dimensions()  # read every row, whatever the file claims its size is
            read, problem = _rows_of(name, header, required, enumerate(sheet.iter_rows(), 1))
            rows.extend(read)
            if problem is not None:
                found.problems.append(problem)
    finally:
        book.close()
    return found


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows_of(
    sheet: str,
    header: Sequence[str],
    required: Sequence[str],
    lines: Iterator[tuple[int, tuple[Any, ...]]],
) -> tuple[list[SheetRow], SheetProblem | None]:
    columns: dict[int, str] | None = None
    rows: list[SheetRow] = []
    for number, cells in lines:
        if number > MAX_SHEET_ROWS:
            return [], SheetProblem(
                sheet, 0, "", TOO_MANY_SHEET_ROWS.format(sheet=sheet, limit=MAX_SHEET_ROWS)
            )
        if all(_blank(cell.value) for cell in cells):
            continue
        if columns is None:
            columns, problem = _header(sheet, number, cells, header, required)
            if problem is not None:
                return [], problem
            continue
        if len(rows) == MAX_ROWS:
            return [], SheetProblem(sheet, 0, "", TOO_MANY_ROWS.format(sheet=sheet, limit=MAX_ROWS))
        rows.append(_row_of(sheet, number, cells, columns))
    return rows, None


def _header(
    sheet: str, number: int, cells: tuple[Any, ...], header: Sequence[str], required: Sequence[str]
) -> tuple[dict[int, str], SheetProblem | None]:
    """Column index → header name. Columns may be in any order; unknown ones are ignored."""
    columns: dict[int, str] = {}
    repeated: list[str] = []
    for index, cell in enumerate(cells):
        name = "".join(str(cell.value or "").split())
        if name in header:
            if name in columns.values():
                repeated.append(name)
            else:
                columns[index] = name
    missing = [name for name in required if name not in columns.values()]
    if missing:
        message = MISSING_COLUMNS.format(sheet=sheet, columns="、".join(missing))
        return columns, SheetProblem(sheet, number, "", message)
    if repeated:
        message = DUPLICATE_COLUMNS.format(sheet=sheet, columns="、".join(dict.fromkeys(repeated)))
        return columns, SheetProblem(sheet, number, "", message)
    return columns, None


def _row_of(
    sheet: str, number: int, cells: tuple[Any, ...], columns: Mapping[int, str]
) -> SheetRow:
    found: dict[str, Any] = {}
    formulas: list[str] = []
    for index, cell in enumerate(cells):
        name = columns.get(index)
        if getattr(cell, "data_type", "") == "f":
            formulas.append(name or get_column_letter(index + 1))
        elif name is not None:
            found[name] = cell.value
    return SheetRow(sheet, number, found, tuple(formulas))
