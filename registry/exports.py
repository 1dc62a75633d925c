"""Enterprise files out of the registry: the export (one row per enterprise, re-importable with
zero changes), the import template, and the import report of rejected rows.

XLSX is written with xlsxwriter in constant-memory mode: rows go straight to disk, so a
province-wide export does not hold the workbook in memory.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TypeVar

import xlsxwriter
from django.db.models import QuerySet

from accounts.scoping import scope_to_enterprises
from audit.services import audit_record
from registry.imports import COLUMNS, ImportResult
from registry.models import Category, Enterprise, EnterpriseCategory, EnterpriseYear, Region
from registry.uscc import uscc_make

T = TypeVar("T")

EXPORT_UNKNOWN_FORMAT = "导出格式应为 xlsx 或 csv (Export format must be xlsx or csv)"
# Characters that make a spreadsheet run a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TAG_PREFIX = "标签:"
# Text stays text: no formulas, no hyperlinks made out of cell values; rows go straight to disk.
XLSX_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
HEADER = [column.label for column in COLUMNS]
EXAMPLE_ROW = [
    uscc_make(region_code="320583", org_body="MA1AB2C3"),
    "示例智能装备有限公司（示例行，导入前请删除）",
    "320583",
    "C3911",
    2024,
    12345.67,
    320,
    "规上工业企业;标签:示例标签",
]
NOTES = [
    (
        "统一社会信用代码 (uscc)",
        "必填 Required",
        "18 位，含 GB 32100 校验位 (18 characters)",
    ),
    ("企业名称 (name)", "必填 Required", "最多 200 字 (at most 200 characters)"),
    ("区县代码 (county_code)", "必填 Required", "GB/T 2260 六位区县代码，见“区县”页"),
    ("行业代码 (industry_code)", "必填 Required", "GB/T 4754-2017 制造业大类/中类/小类，可带 C"),
    ("年份 (year)", "必填 Required", "2000–2100 的整数 (whole number)"),
    ("营业收入（万元） (revenue_10k_yuan)", "选填 Optional", "非负数，单位万元，保留两位小数"),
    ("从业人员（人） (employees)", "选填 Optional", "非负整数 (whole number ≥ 0)"),
    ("企业类别 (categories)", "选填 Optional", "用 ; 或 ； 分隔；自定义标签写作 标签:名称"),
]
GENERAL_NOTES = [
    "表头可写中文、英文别名或“中文 (英文)”；全角、半角括号均可。",
    "Headers may be Chinese, the English alias, or both; half- and full-width brackets both work.",
    "同一文件中每个统一社会信用代码只能出现一次 (one row per USCC in a file).",
    "文字不得以 = + - @ 开头 (text must not start with = + - @: spreadsheet formulas).",
    "CSV 文件可用 UTF-8 或 GBK 编码 (CSV files: UTF-8 or GBK).",
    "所填列的空单元格会清空已有数据；不需要更新的列可删除整列。",
    "An empty cell in a column clears the stored value; delete a column to leave it untouched.",
]


def cell_escape(value: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe. Numbers are
    written as numbers and never escaped."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


# --- Export -----------------------------------------------------------------------------------


def enterprise_export(*, user: Any | None, path_or_stream: Path | str | IO[bytes], fmt: str) -> int:
    """Write the enterprises `user` may see (None: the system, all of them) as XLSX or CSV with
    the template's columns: the latest year's figures and that year's categories. Returns the
    number of enterprises and records it in the audit trail, since exports leave the platform."""
    if fmt not in ("xlsx", "csv"):
        raise ValueError(EXPORT_UNKNOWN_FORMAT)
    queryset: QuerySet[Enterprise] = Enterprise.objects.all()
    if user is not None:
        queryset = scope_to_enterprises(queryset, user)
    writer = _xlsx_write if fmt == "xlsx" else _csv_write
    count = _written(lambda path: writer(path, _export_rows(queryset)), path_or_stream, suffix=fmt)
    audit_record(
        action="enterprise.export",
        object_type="registry.enterprise",
        after={"count": count, "format": fmt},
        note=f"{count} enterprises as {fmt}",
    )
    return count


def _written(write: Callable[[Path], T], path_or_stream: Path | str | IO[bytes], suffix: str) -> T:
    """Call `write` with a file path. A stream (a download) gets a temporary file copied into
    it: xlsxwriter in constant-memory mode needs a real, seekable file."""
    if isinstance(path_or_stream, str | Path):
        return write(Path(path_or_stream))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"out.{suffix}"
        value = write(path)
        with path.open("rb") as source:
            shutil.copyfileobj(source, path_or_stream)
    return value


def _export_rows(queryset: QuerySet[Enterprise]) -> Iterator[list[Any]]:
    """One row per enterprise, in USCC order. Years and categories come from one query each,
    with the enterprises as a subquery: a hundred IN-lists of 900 ids cost the ORM seconds."""
    scope = queryset.values("pk")
    latest = _latest_years(scope)
    labels = _category_labels(scope, latest)
    enterprises = queryset.order_by("uscc").values_list(
        "pk", "uscc", "name", "county_id", "industry_id"
    )
    for pk, uscc, name, county, industry in enterprises.iterator(chunk_size=2000):
        year, revenue, employees = latest.get(pk, (None, None, None))
        yield [uscc, name, county, industry, year, revenue, employees, labels.get(pk, "")]


def _latest_years(scope: QuerySet[Any]) -> dict[int, tuple[int, Decimal | None, int | None]]:
    latest: dict[int, tuple[int, Decimal | None, int | None]] = {}
    rows = EnterpriseYear.objects.filter(enterprise__in=scope).order_by("enterprise", "year")
    for enterprise, year, revenue, employees in rows.values_list(
        "enterprise", "year", "revenue_10k_yuan", "employees"
    ).iterator(chunk_size=5000):
        latest[enterprise] = (year, revenue, employees)  # ordered by year: the last one wins
    return latest


def _category_labels(scope: QuerySet[Any], latest: dict[int, tuple[Any, ...]]) -> dict[int, str]:
    """The latest year's categories: official ones by name, tags as 标签:name, in display order."""
    names: dict[int, list[str]] = {}
    links = EnterpriseCategory.objects.filter(enterprise__in=scope).order_by(
        "category__rank", "category__code"
    )
    for enterprise, year, name, kind in links.values_list(
        "enterprise", "year", "category__name", "category__kind"
    ).iterator(chunk_size=5000):
        if enterprise in latest and latest[enterprise][0] == year:
            label = TAG_PREFIX + name if kind == Category.Kind.TAG else name
            names.setdefault(enterprise, []).append(label)
    return {pk: ";".join(labels) for pk, labels in names.items()}


def _typed(value: Any) -> Any:
    """Text escaped; Decimal as float for XLSX (its 14 digits survive a double exactly)."""
    if isinstance(value, str):
        return cell_escape(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _xlsx_write(path: Path, rows: Iterator[list[Any]]) -> int:
    workbook = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
    sheet = workbook.add_worksheet("企业 Enterprises")
    _header_write(workbook, sheet)
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.write_row(count, 0, [_typed(value) for value in row])
    workbook.close()
    return count


def _cell_write(sheet: Any, row: int, col: int, value: Any) -> None:
    """Text through write_string, so nothing is ever stored as a formula."""
    value = _typed(value)
    if value is None:
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value)
    else:
        sheet.write_number(row, col, value)


def _header_write(workbook: Any, sheet: Any) -> None:
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, len(HEADER) - 1, 16)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, HEADER, bold)


def _csv_write(path: Path, rows: Iterator[list[Any]]) -> int:
    """UTF-8 with a BOM, so Excel in China opens it as UTF-8 rather than GBK."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow([_csv_cell(value) for value in row])
            count += 1
    return count


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return cell_escape(value) if isinstance(value, str) else value


# --- The import template ------------------------------------------------------------------------


def enterprise_template_write(path_or_stream: Path | str | IO[bytes]) -> None:
    """The import template: header (Chinese with the English alias), one example row, data
    validation on the number columns, notes, and the county list for the county dropdown."""
    _written(_template_write, path_or_stream, suffix="xlsx")


def _template_write(path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("企业 Enterprises")
    _header_write(workbook, sheet)
    # Codes typed into text cells keep their form and match the county list's text.
    text = workbook.add_format({"num_format": "@"})
    for col, width in ((0, 22), (2, 16), (3, 16)):
        sheet.set_column(col, col, width, text)
    for col, value in enumerate(EXAMPLE_ROW):
        _cell_write(sheet, 1, col, value)
    _validations_add(sheet)
    _notes_write(workbook)
    counties = _counties_write(workbook)
    if counties:
        sheet.data_validation(
            1,
            2,
            100_000,
            2,
            {
                "validate": "list",
                "source": f"='区县 Counties'!$A$2:$A${counties + 1}",
                "error_type": "warning",
            },
        )
    workbook.close()


def _validations_add(sheet: Any) -> None:
    last = 100_000
    rules = {
        0: {"validate": "length", "criteria": "==", "value": 18},
        4: {"validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100},
        5: {"validate": "decimal", "criteria": ">=", "value": 0},
        6: {"validate": "integer", "criteria": ">=", "value": 0},
    }
    for col, rule in rules.items():
        sheet.data_validation(1, col, last, col, {**rule, "error_type": "warning"})


def _notes_write(workbook: Any) -> None:
    sheet = workbook.add_worksheet("说明 Notes")
    bold = workbook.add_format({"bold": True})
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, 2, 60)
    sheet.write_row(0, 0, ["列 Column", "是否必填 Required", "说明 Notes"], bold)
    for row, note in enumerate(NOTES, start=1):
        sheet.write_row(row, 0, note)
    for row, text in enumerate(GENERAL_NOTES, start=len(NOTES) + 2):
        sheet.write_string(row, 0, text)
    categories = Category.objects.filter(kind=Category.Kind.OFFICIAL).values_list("name", "aliases")
    first = len(NOTES) + len(GENERAL_NOTES) + 3
    sheet.write_string(first, 0, "企业类别 Categories", bold)
    for row, (name, aliases) in enumerate(categories, start=first + 1):
        sheet.write_row(row, 0, [name, "、".join(aliases or [])])


def _counties_write(workbook: Any) -> int:
    counties = Region.objects.filter(level=Region.Level.COUNTY).values_list(
        "code", "name", "parent__name"
    )
    sheet = workbook.add_worksheet("区县 Counties")
    sheet.write_row(0, 0, ["区县代码 (county_code)", "区县 County", "设区市 City"])
    count = 0
    for count, values in enumerate(counties, start=1):
        sheet.write_row(count, 0, values)
    return count


# --- The import report --------------------------------------------------------------------------


def import_report_write(*, result: ImportResult, path: Path, source: str = "") -> None:
    """The rejected rows, one line per problem, and a summary sheet. Values come from the
    uploaded file, so they are escaped like any exported text."""
    workbook = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
    bold = workbook.add_format({"bold": True, "bg_color": "#FCE4D6"})
    problems = workbook.add_worksheet("问题 Problems")
    problems.set_column(0, 0, 10)
    problems.set_column(1, 1, 20)
    problems.set_column(2, 2, 30)
    problems.set_column(3, 3, 80)
    problems.write_row(0, 0, ["行号 Row", "列 Column", "值 Value", "原因 Reason"], bold)
    for index, problem in enumerate(result.problems, start=1):
        problems.write_number(index, 0, problem.row)
        problems.write_string(index, 1, problem.header)
        problems.write_string(index, 2, cell_escape(problem.value))
        problems.write_string(index, 3, problem.reason)
    _summary_write(workbook, result, source, bold)
    workbook.close()


def _summary_write(workbook: Any, result: ImportResult, source: str, bold: Any) -> None:
    sheet = workbook.add_worksheet("汇总 Summary")
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 40)
    lines = [
        ("文件 File", cell_escape(source)),
        ("仅校验 Dry run", "是 yes" if result.dry_run else "否 no"),
        ("总行数 Rows", result.total),
        ("通过 Accepted", result.accepted),
        ("拒绝 Rejected", result.rejected),
        ("新增 Created", result.created),
        ("更新 Updated", result.updated),
        ("未变 Unchanged", result.unchanged),
    ]
    for row, (label, value) in enumerate(lines):
        sheet.write_string(row, 0, label, bold)
        if isinstance(value, str):
            sheet.write_string(row, 1, value)
        else:
            sheet.write_number(row, 1, value)
