"""XLSX upload of reported actuals (上报实绩批量导入): the template a reporter downloads, reading a
filled-in file into checked rows, and applying a file all or nothing.

The sheet 实绩上报 has one row per (target, region, year, quarter): 目标编码 | 目标名称 |
单位 | 地区代码 | 地区名称 | 年度 | 季度 | 实绩值 | 说明 | 佐证说明. 目标名称, 单位 and 地区名称
are there for reading and ignored. The template is pre-filled with every (reported target,
region) the user may report; a pre-filled row left unfilled (no 实绩值, 说明 or 佐证说明) is
skipped, so a reporter fills in only what they report this time.

A file is checked as evidence uploads are (assessments.uploads.validate_upload) and must be XLSX.
Every row is checked (codes, numbers, evidence description, who may report, duplicates in the
file, a report of the same period already waiting for review) and every bad row is listed with
its Excel row number; a file with any problem applies nothing. Formulas are refused (the value a
spreadsheet cached for a formula is not trusted).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl.styles import Alignment, Font, PatternFill

from accounts.models import Role, User
from assessments.uploads import CheckedFile, UploadRejected, validate_upload
from audit.services import audit_record
from registry.exports import cell_escape
from registry.models import Region
from targets import access
from targets.models import Report, Target
from targets.services import (
    BAD_QUARTER,
    BAD_VALUE,
    BAD_YEAR,
    PENDING_EXISTS,
    PERIOD_NOT_ENDED,
    PLAN_YEARS,
    SHARE_OVER_100,
    TOO_LARGE,
    ReportInput,
    last_ended_quarter,
    report_problems,
    reports_import,
)

T = TypeVar("T")

SHEET = "实绩上报"
NOTES_SHEET = "填报说明"
COL_TARGET = "目标编码"
COL_TARGET_NAME = "目标名称"
COL_UNIT = "单位"
COL_REGION = "地区代码"
COL_REGION_NAME = "地区名称"
COL_YEAR = "年度"
COL_QUARTER = "季度"
COL_VALUE = "实绩值"
COL_NOTE = "说明"
COL_EVIDENCE = "佐证说明"
HEADER = (
    COL_TARGET,
    COL_TARGET_NAME,
    COL_UNIT,
    COL_REGION,
    COL_REGION_NAME,
    COL_YEAR,
    COL_QUARTER,
    COL_VALUE,
    COL_NOTE,
    COL_EVIDENCE,
)
# Columns an upload must have (the others are for reading, or optional: 说明).
REQUIRED_COLUMNS = (COL_TARGET, COL_REGION, COL_YEAR, COL_QUARTER, COL_VALUE, COL_EVIDENCE)
# A row with none of these filled in is a template row the reporter did not use.
FILLED_COLUMNS = (COL_VALUE, COL_NOTE, COL_EVIDENCE)
# Columns read from an upload (the others are ignored, except that they may hold no formula).
READ_COLUMNS = (COL_TARGET, COL_REGION, COL_YEAR, COL_QUARTER, COL_VALUE, COL_NOTE, COL_EVIDENCE)

MAX_ROWS = 5000  # data rows per file
# Rows read at all, blank ones included (a sheet formatted down to row 1,048,576 would otherwise
# cost seconds of CPU per upload); a file beyond it is refused, never read in part.
MAX_SHEET_ROWS = 20_000
MAX_PROBLEMS = 200  # problems listed; the rest are counted
TEXT_MAX = 2000  # characters of 说明 / 佐证说明
SHOWN_MAX = 30  # characters of a cell quoted in a message

NOT_XLSX = "请上传 XLSX 格式的实绩上报表 (Upload the report sheet as an XLSX file)"
UNREADABLE = "文件无法读取，请使用下载的模板 (The file cannot be read: use the downloaded template)"
MISSING_COLUMNS = (
    "表头缺少列：{columns}，请勿修改模板表头 "
    "(The header lacks the columns {columns}: keep the template's header)"
)
DUPLICATE_COLUMNS = "表头有重复的列：{columns} (The header repeats the columns {columns})"
TOO_MANY_ROWS = (
    "数据超过 {limit} 行，请分成多个文件上传 (More than {limit} data rows: split the file)"
)
NO_ROWS = "文件中没有填报的数据 (The file has no filled-in rows)"
FORMULA = "不接受公式，请粘贴为数值 (Formulas are not accepted: paste the values)"
REQUIRED = "必填 (Required)"
UNKNOWN_TARGET = "未知的目标编码“{value}” (Unknown target code “{value}”)"
UNKNOWN_REGION = "未知的地区代码“{value}” (Unknown region code “{value}”)"
NOT_WHOLE = "须为整数 (Must be a whole number)"
NOT_A_VALUE = "实绩值须为非负数 (The actual must be a number, zero or more)"
PERCENT_FORMAT = (
    "请直接填写百分数的数值（如 35.5），不要使用百分比格式 "
    "(Enter a share as a plain number such as 35.5, not as a percentage-formatted cell)"
)
TEXT_TOO_LONG = "不能超过 {limit} 个字 (At most {limit} characters)"
EVIDENCE_MISSING = (
    "请填写佐证说明（文件名称、文号或链接） "
    "(Describe the evidence: document names, numbers or links)"
)
DUPLICATE_ROW = "与第 {row} 行的目标、地区和期间相同 (Same target, region and period as row {row})"
MORE_PROBLEMS = "另有 {count} 个问题未列出 ({count} more problems not listed)"
IMPORT_CONFLICT = (
    "导入时发生冲突，未导入任何数据 (A conflict arose while importing: nothing was imported)"
)
TOO_MANY_SHEET_ROWS = (
    "工作表超过 {limit} 行（含空行），请删除多余的空行后重新上传 "
    "(The sheet has more than {limit} rows, blank ones included; "
    "delete the blank rows and upload again)"
)

# Which column a problem found by services.report_problems belongs to ("" the row as a whole).
_PROBLEM_COLUMNS = {
    BAD_YEAR: COL_YEAR,
    BAD_QUARTER: COL_QUARTER,
    PERIOD_NOT_ENDED: COL_QUARTER,
    BAD_VALUE: COL_VALUE,
    SHARE_OVER_100: COL_VALUE,
    TOO_LARGE: COL_VALUE,
}

NOTES = (
    (
        COL_TARGET,
        "必填。规划目标的编码，见模板预填行；请勿修改。",
        "Required. The target's code, as pre-filled; do not change it.",
    ),
    (COL_TARGET_NAME, "仅供阅读，导入时忽略。", "For reading only; ignored on upload."),
    (COL_UNIT, "仅供阅读，导入时忽略。实绩值按此单位填写。", "For reading only; the value's unit."),
    (
        COL_REGION,
        "必填。32 为全省（由牵头或配合部门填报），设区市为 4 位代码（由本市填报）。",
        "Required. 32 is the province (reported by the task's departments); a city's 4-digit "
        "code (reported by the city).",
    ),
    (COL_REGION_NAME, "仅供阅读，导入时忽略。", "For reading only; ignored on upload."),
    (
        COL_YEAR,
        "必填。2025–2027 的整数。",
        "Required. A whole number, 2025 to 2027.",
    ),
    (
        COL_QUARTER,
        "必填。1–4 的整数，实绩为该季度末的情况。",
        "Required. A whole number, 1 to 4: the actual as at the end of that quarter.",
    ),
    (
        COL_VALUE,
        "必填，非负数。累计、规模、占比、全覆盖类目标填季度末的水平值；每年类目标填当年年初至季度末"
        "的累计值。占比填百分数的数值 0–100（35.5 表示 35.5%），不带 % 号，不用百分比格式。",
        "Required, zero or more. Cumulative, count, share and full-coverage targets: the level at "
        "the end of the quarter; per-year targets: the year to date. Shares in percent, 0 to 100 "
        "(35.5 means 35.5 %), without a % sign or percentage format.",
    ),
    (COL_NOTE, "选填。口径、数据来源等说明。", "Optional. Notes on the figure and its source."),
    (
        COL_EVIDENCE,
        "每行必填。佐证材料的名称、文号或链接；材料文件可在网页上逐条上报时上传。",
        "Required on every row. Names, numbers or links of the supporting documents; files can "
        "be attached when reporting one value on the web page.",
    ),
)
GENERAL_NOTES = (
    "只填写本次上报的行；实绩值、说明、佐证说明均为空的行不导入。",
    "Fill in only the rows you report now; rows with no value, note or evidence are skipped.",
    "不得使用公式；同一目标、地区、年度、季度在一个文件中只能出现一次。",
    "No formulas; each target, region, year and quarter may appear once in a file.",
    "文件中任何一行有问题，整个文件都不导入；请按提示修改后重新上传。",
    "If any row has a problem, nothing is imported: correct the rows listed and upload again.",
    "上报后须经牵头部门或统筹部门审核；该期已有待审核的上报时，不能再次上报。",
    "Reports are reviewed by the lead or coordinating department; a period with a report "
    "waiting for review cannot be reported again until it is reviewed.",
    f"每个文件最多 {MAX_ROWS} 行数据 (at most {MAX_ROWS} data rows per file).",
)


@dataclass(frozen=True)
class RowProblem:
    """A problem with an upload: `row` is the Excel row number (0: the file as a whole),
    `column` the column's header ("" the whole row), `message` bilingual."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行 (row {self.row})" if self.row else "文件 (file)"
        return (
            f"{where} {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


@dataclass(frozen=True)
class ReportSheet:
    """A read upload: the rows as reports (only meaningful without problems), every problem
    found, and the number of filled-in rows read."""

    items: list[ReportInput] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0


@dataclass(frozen=True)
class UploadOutcome:
    created: list[Report]
    problems: list[RowProblem]
    rows: int


# --- the template ----------------------------------------------------------------------------


def report_template(*, user: User) -> bytes:
    """The XLSX a reporter fills in: the sheet 实绩上报 pre-filled with one row per (reported
    target, region) `user` may report (the province, the user's city) for the last quarter that
    has ended (services.last_ended_quarter),
    and the sheet 填报说明 explaining the columns."""
    year, quarter = last_ended_quarter()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(list(HEADER))
    for target, region in _reportable(user):
        sheet.append(
            [
                cell_escape(target.code),
                cell_escape(target.name_zh),
                cell_escape(target.unit),
                cell_escape(region.code),
                cell_escape(region.name),
                year,
                quarter,
                None,
                None,
                None,
            ]
        )
    _style_header(sheet, widths=(34, 40, 10, 10, 12, 8, 8, 12, 30, 40))
    for cell in sheet["D"][1:]:
        cell.number_format = "@"
    notes = workbook.create_sheet(NOTES_SHEET)
    notes.append(["列 (Column)", "说明", "Description"])
    for row in NOTES:
        notes.append([cell_escape(text) for text in row])
    notes.append([])
    for line in GENERAL_NOTES:
        notes.append([cell_escape(line)])
    _style_header(notes, widths=(14, 60, 70))
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _reportable(user: User) -> list[tuple[Target, Region]]:
    regions = list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"))
    if getattr(user, "role", "") == Role.CITY and user.region_id:
        regions += Region.objects.filter(code=user.region_id, level=Region.Level.CITY)
    targets = Target.objects.filter(actual=Target.Actual.REPORTED).select_related("task")
    return [
        (target, region)
        for target in targets
        for region in regions
        if access.may_report(user, target, region)
    ]


def _style_header(sheet: Any, *, widths: Iterable[int]) -> None:
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = fill
    for index, width in enumerate(widths):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"


# --- reading ---------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _Cell:
    value: Any
    formula: bool = False
    percent: bool = False  # formatted as a percentage in the spreadsheet


@dataclass(frozen=True)
class _Row:
    number: int
    cells: Mapping[str, _Cell]
    # Columns outside READ_COLUMNS that hold a formula (header, or the letter when unnamed).
    formulas: tuple[str, ...] = ()

    def value(self, column: str) -> Any:
        cell = self.cells.get(column)
        return None if cell is None else cell.value


@dataclass(frozen=True)
class _Parsed:
    number: int
    item: ReportInput | None
    key: tuple[str, str, int, int] | None
    problems: list[RowProblem]


@dataclass
class _Lookups:
    targets: dict[str, Target]
    regions: dict[str, Region]

    @classmethod
    def load(cls, rows: list[_Row]) -> _Lookups:
        codes = {_code(row.value(COL_TARGET)).lower() for row in rows}
        regions = {_code(row.value(COL_REGION)) for row in rows}
        return cls(
            targets=Target.objects.select_related("task").in_bulk(sorted(codes - {""})),
            regions=Region.objects.in_bulk(sorted(regions - {""})),
        )

    def target(self, cell: Any) -> Target:
        code = _code(cell)
        if not code:
            raise _Bad(REQUIRED)
        target = self.targets.get(code.lower())
        if target is None:
            raise _Bad(UNKNOWN_TARGET.format(value=_shown(code)))
        return target

    def region(self, cell: Any) -> Region:
        code = _code(cell)
        if not code:
            raise _Bad(REQUIRED)
        region = self.regions.get(code)
        if region is None:
            raise _Bad(UNKNOWN_REGION.format(value=_shown(code)))
        return region


def read_reports(*, file: IO[bytes], original_name: str, by: User) -> ReportSheet:
    """Read and check an uploaded report sheet. Never raises for a bad file: every problem (the
    file, the header, each bad row) is in the result, and `items` are the rows as reports."""
    return _read(file, original_name=original_name, by=by)[0]


def _read(
    file: IO[bytes], *, original_name: str, by: User
) -> tuple[ReportSheet, CheckedFile | None]:
    try:
        checked = validate_upload(file, original_name=original_name)
    except UploadRejected as exc:
        return _refused(exc.message), None
    if checked.kind != "xlsx":
        return _refused(NOT_XLSX), checked
    try:
        rows, problem = _sheet_rows(file)
    except Exception:  # openpyxl raises many unrelated types for a malformed workbook
        return _refused(UNREADABLE), checked
    finally:
        file.seek(0)
    if problem is not None:
        return ReportSheet(problems=[problem]), checked
    filled = [row for row in rows if _is_filled(row)]
    if not filled:
        return _refused(NO_ROWS), checked
    return _checked(filled, by=by), checked


def _refused(message: str) -> ReportSheet:
    return ReportSheet(problems=[RowProblem(0, "", message)])


def _sheet_rows(file: IO[bytes]) -> tuple[list[_Row], RowProblem | None]:
    """The non-blank data rows of the report sheet (its first non-blank row is the header), or
    the problem that stops reading the file (the header, too many rows)."""
    workbook = openpyxl.load_workbook(file, read_only=True, data_only=False)
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        sheet.reset_dimensions()  # read every row, whatever the file claims its size is
        return _rows_of(enumerate(sheet.iter_rows(), start=1))
    finally:
        workbook.close()


def _rows_of(lines: Iterator[tuple[int, tuple[Any, ...]]]) -> tuple[list[_Row], RowProblem | None]:
    columns: dict[str, int] | None = None
    rows: list[_Row] = []
    for number, cells in lines:
        if number > MAX_SHEET_ROWS:
            return [], RowProblem(0, "", TOO_MANY_SHEET_ROWS.format(limit=MAX_SHEET_ROWS))
        if all(_blank(cell.value) for cell in cells):
            continue
        if columns is None:
            columns, problem = _header(number, cells)
            if problem is not None:
                return [], problem
            continue
        if len(rows) == MAX_ROWS:
            return [], RowProblem(0, "", TOO_MANY_ROWS.format(limit=MAX_ROWS))
        rows.append(_row_of(number, cells, columns))
    if columns is None:
        return [], RowProblem(1, "", MISSING_COLUMNS.format(columns="、".join(REQUIRED_COLUMNS)))
    return rows, None


def _header(number: int, cells: tuple[Any, ...]) -> tuple[dict[str, int], RowProblem | None]:
    """Header → column index. Columns may be in any order; unknown columns are ignored."""
    columns: dict[str, int] = {}
    repeated: list[str] = []
    for index, cell in enumerate(cells):
        name = "".join(str(cell.value or "").split())
        if name in HEADER:
            if name in columns:
                repeated.append(name)
            columns.setdefault(name, index)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        message = MISSING_COLUMNS.format(columns="、".join(missing))
        return columns, RowProblem(number, "", message)
    if repeated:
        message = DUPLICATE_COLUMNS.format(columns="、".join(dict.fromkeys(repeated)))
        return columns, RowProblem(number, "", message)
    return columns, None


def _row_of(number: int, cells: tuple[Any, ...], columns: Mapping[str, int]) -> _Row:
    """A data row by column name; formula cells are marked (a formula's cached value is not
    trusted), and so are percentage-formatted ones."""
    names = {index: name for name, index in columns.items()}
    found: dict[str, _Cell] = {}
    formulas: list[str] = []
    for index, cell in enumerate(cells):
        formula = getattr(cell, "data_type", "") == "f"
        name = names.get(index)
        if name in READ_COLUMNS:
            percent = "%" in str(getattr(cell, "number_format", "") or "")
            found[name] = _Cell(cell.value, formula, percent)
        elif formula:
            formulas.append(name or str(openpyxl.utils.get_column_letter(index + 1)))
    return _Row(number, found, tuple(formulas))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_filled(row: _Row) -> bool:
    return not all(_blank(row.value(column)) for column in FILLED_COLUMNS)


# --- checking rows ---------------------------------------------------------------------------


def _checked(rows: list[_Row], *, by: User) -> ReportSheet:
    lookups = _Lookups.load(rows)
    parsed = [_parse(row, lookups, by=by) for row in rows]
    problems = [problem for one in parsed for problem in one.problems]
    problems += _duplicates(parsed) + _pending(parsed)
    problems.sort(key=lambda p: (p.row, HEADER.index(p.column) if p.column in HEADER else -1))
    if len(problems) > MAX_PROBLEMS:
        rest = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], RowProblem(0, "", MORE_PROBLEMS.format(count=rest))]
    items = [one.item for one in parsed if one.item is not None]
    return ReportSheet(items=[] if problems else items, problems=problems, rows=len(rows))


def _parse(row: _Row, lookups: _Lookups, *, by: User) -> _Parsed:
    """One row as a report, with every problem it has. Cells are parsed one by one; then the
    rules of services.report_problems (who may report, year, quarter, share) are applied with
    valid stand-ins for cells that failed, so each problem is reported once."""
    problems = [RowProblem(row.number, column, FORMULA) for column in row.formulas]

    def take(column: str, parse: Callable[[_Cell], T]) -> T | None:
        cell = row.cells.get(column, _Cell(None))
        try:
            if cell.formula:
                raise _Bad(FORMULA)
            return parse(cell)
        except _Bad as bad:
            problems.append(RowProblem(row.number, column, bad.message))
            return None

    target = take(COL_TARGET, lambda cell: lookups.target(cell.value))
    region = take(COL_REGION, lambda cell: lookups.region(cell.value))
    year = take(COL_YEAR, lambda cell: _whole(cell.value))
    quarter = take(COL_QUARTER, lambda cell: _whole(cell.value))
    value = take(COL_VALUE, _actual)
    note = take(COL_NOTE, lambda cell: _text(cell.value, required=False))
    evidence = take(COL_EVIDENCE, lambda cell: _text(cell.value, required=True))
    if target is None or region is None:
        return _Parsed(row.number, None, None, problems)
    item = ReportInput(
        target=target,
        region=region,
        year=PLAN_YEARS[0] if year is None else year,
        quarter=1 if quarter is None else quarter,
        value=0.0 if value is None else value,
        note=note or "",
        evidence_text=evidence or "",
    )
    for message in report_problems(item, by=by):
        problems.append(RowProblem(row.number, _PROBLEM_COLUMNS.get(message, ""), message))
    key = None if year is None or quarter is None else (target.code, region.code, year, quarter)
    return _Parsed(row.number, None if problems else item, key, problems)


def _duplicates(parsed: list[_Parsed]) -> list[RowProblem]:
    first: dict[tuple[str, str, int, int], int] = {}
    problems = []
    for one in parsed:
        if one.key is None:
            continue
        if one.key in first:
            message = DUPLICATE_ROW.format(row=first[one.key])
            problems.append(RowProblem(one.number, "", message))
        else:
            first[one.key] = one.number
    return problems


def _pending(parsed: list[_Parsed]) -> list[RowProblem]:
    """Rows for a period that already has a report waiting for review."""
    keys = {one.key for one in parsed if one.key is not None}
    if not keys:
        return []
    waiting = set(
        Report.objects.filter(
            status=Report.Status.SUBMITTED,
            target_id__in={key[0] for key in keys},
            region_id__in={key[1] for key in keys},
            year__in={key[2] for key in keys},
        ).values_list("target_id", "region_id", "year", "quarter")
    )
    return [
        RowProblem(one.number, "", PENDING_EXISTS)
        for one in parsed
        if one.key is not None and one.key in waiting
    ]


def _code(value: Any) -> str:
    """A code cell as text: Excel keeps 3201 as a number (3201.0 once it went through a float)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


def _whole(value: Any) -> int:
    if _blank(value):
        raise _Bad(REQUIRED)
    if isinstance(value, bool):
        raise _Bad(NOT_WHOLE)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise _Bad(NOT_WHOLE)


def _actual(cell: _Cell) -> float:
    value = cell.value
    if _blank(value):
        raise _Bad(REQUIRED)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad(NOT_A_VALUE)
    try:
        number = float(value)
    except ValueError:
        raise _Bad(NOT_A_VALUE) from None
    if not math.isfinite(number) or number < 0:
        raise _Bad(NOT_A_VALUE)
    if cell.percent and not isinstance(value, str):
        raise _Bad(PERCENT_FORMAT)
    return number


def _text(value: Any, *, required: bool) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise _Bad(EVIDENCE_MISSING)
    if len(text) > TEXT_MAX:
        raise _Bad(TEXT_TOO_LONG.format(limit=TEXT_MAX))
    return text


# --- applying --------------------------------------------------------------------------------


def reports_upload(*, file: IO[bytes], original_name: str, by: User) -> UploadOutcome:
    """Read an uploaded report sheet and, when it has no problem at all, submit every row (each
    waits for review like a form report); otherwise apply nothing and return the problems. A
    conflict that arises between reading and writing (another report of a period submitted
    meanwhile) rolls the whole file back and is returned as a problem."""
    sheet, checked = _read(file, original_name=original_name, by=by)
    if sheet.problems or checked is None:
        return UploadOutcome(created=[], problems=sheet.problems, rows=sheet.rows)
    name = checked.safe_display_name
    source = f"xlsx:{checked.sha256[:12]} {name}"[:40]
    try:
        with transaction.atomic():
            created = reports_import(items=sheet.items, by=by, source=source)
            audit_record(
                action="report.upload",
                object_type="targets.report",
                object_id=checked.sha256[:12],
                after={
                    "file": name,
                    "sha256": checked.sha256,
                    "rows": sheet.rows,
                    "created": len(created),
                },
                note=f"{len(created)} reports from {name}",
            )
    except ValidationError as exc:
        problems = [RowProblem(0, "", IMPORT_CONFLICT)]
        problems += [RowProblem(0, "", message) for message in exc.messages]
        return UploadOutcome(created=[], problems=problems, rows=sheet.rows)
    return UploadOutcome(created=created, problems=[], rows=sheet.rows)
