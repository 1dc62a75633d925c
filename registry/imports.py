"""Enterprise import: read an XLSX or CSV file, validate every row (collecting every problem of a
row), and upsert the accepted rows by USCC in one transaction.

Pipeline: `enterprise_file_read` → header mapping → validation column by column against lookups
preloaded into dicts → in-file duplicates → plan (a diff against the existing rows, read by
whole-table scans or by chunks of USCCs, with the jurisdiction check of existing enterprises) →
apply (plain INSERT/UPDATE statements through executemany). A re-import of the same file plans
nothing, so it writes nothing, not even an audit row.

Speed matters (100,000 rows is a province): see bench/import_enterprises.py for the figures.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import io
import itertools
import operator
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import python_calamine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Role
from accounts.scoping import Jurisdiction, jurisdiction_of
from audit.services import Change, audit_record_many
from registry.models import (
    Category,
    Enterprise,
    EnterpriseCategory,
    EnterpriseYear,
    ImportJob,
    Industry,
    Region,
)
from registry.uscc import UsccError, uscc_validate

T = TypeVar("T")
ProgressCallback = Callable[[int, int], None]

# --- Messages (bilingual: shown in the command output, the web page and the report) ------------
FILE_UNREADABLE = "无法读取文件：{detail} (The file cannot be read: {detail})"
FILE_UNKNOWN_FORMAT = (
    "文件格式无法识别，请使用 XLSX 或 CSV 文件 (Unknown file format: use an XLSX or CSV file)"
)
FILE_BAD_ENCODING = (
    "CSV 文件编码无法识别，请使用 UTF-8 或 GBK (The CSV file is neither UTF-8 nor GBK)"
)
FILE_NO_HEADER = "文件没有表头行 (The file has no header row)"
FILE_MISSING_COLUMNS = "缺少必填列：{columns} (Required columns missing: {keys})"
FILE_DUPLICATE_COLUMN = "列重复出现：{column} (Column appears twice: {column})"
IMPORT_CONFLICT = (
    "导入期间企业数据被他人修改，未导入任何数据，请重试 "
    "(Enterprises changed during the import; nothing was imported, please retry)"
)

REQUIRED_EMPTY = "必填项为空 (Required value is empty)"
LOOKS_LIKE_FORMULA = (
    "内容以 = + - @ 等字符开头，疑似电子表格公式 "
    "(Text starts with = + - @ or similar: looks like a spreadsheet formula)"
)
TOO_LONG = "内容过长，最多 {limit} 个字符 (Text too long: at most {limit} characters)"
UNKNOWN_COUNTY = (
    "区县代码不存在或不是区县级单位 (Unknown county code: not a GB/T 2260 county-level unit)"
)
UNKNOWN_INDUSTRY = (
    "行业代码不是制造业大类、中类或小类 "
    "(Unknown industry code: not a GB/T 4754 manufacturing division, group or class)"
)
USCC_REPEATED = (
    "统一社会信用代码在文件中重复，另见第 {rows} 行 (USCC repeated in the file, also in row {rows})"
)
NOT_A_NUMBER = "不是数字 (Not a number)"
NEGATIVE = "不能为负数 (Must not be negative)"
NOT_WHOLE = "应为整数 (Must be a whole number)"
TOO_LARGE = "数值过大 (Number too large)"
YEAR_OUT_OF_RANGE = "年份应为 2000–2100 的整数 (Year must be a whole number from 2000 to 2100)"
UNKNOWN_CATEGORY = (
    "未知的企业类别：{value}；自定义标签请写作“标签:名称” "
    "(Unknown category: {value}; write a free tag as 标签:name)"
)
COUNTY_OUTSIDE_JURISDICTION = "区县不在您的管辖范围内 (County outside your jurisdiction)"
ENTERPRISE_OUTSIDE_JURISDICTION = (
    "该企业已登记在您管辖范围以外 (Enterprise already registered outside your jurisdiction)"
)

UPLOAD_TOO_LARGE = "文件过大，最大 {limit} MB (File too large: at most {limit} MB)"
UPLOAD_BAD_TYPE = "请上传 .xlsx 或 .csv 文件 (Upload an .xlsx or .csv file)"
UPLOAD_NOT_XLSX = "文件不是有效的 XLSX 文件 (The file is not a valid XLSX file)"
UPLOAD_NOT_TEXT = "CSV 文件应为 UTF-8 或 GBK 编码 (The CSV file must be UTF-8 or GBK)"
IMPORT_FORBIDDEN = "只有省级和市级管理员可以导入企业 (Only province and city officials import)"

# Who may start an import from the web page (issue 2: province and city officials).
IMPORT_ROLES = (Role.PROVINCE, Role.CITY)
UPLOAD_EXTENSIONS = (".xlsx", ".csv")
# IN-lists stay under SQLite's historical 999-parameter limit, with room for a few more params.
CHUNK = 900
SCAN_SHARE = 4  # files with rows for ≥ 1/4 of the registry's enterprises read whole tables
YEAR_MIN, YEAR_MAX = 2000, 2100
REVENUE_LIMIT = Decimal("1e12")  # EnterpriseYear.revenue_10k_yuan: 14 digits, 2 decimal places
REVENUE_FLOAT_LIMIT = 999_999_999_999.99
EMPLOYEES_LIMIT = 2_147_483_647
TAG_PREFIXES = ("标签:", "标签：", "tag:")
CATEGORY_NAME_MAX = 60  # Category.name
CATEGORY_SEPARATORS = re.compile(r"[;；]")
FORMULA_START = frozenset("=+-@\t\r＝＋－＠")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    """A template column: `key` is the English alias, `header` the Chinese header."""

    key: str
    header: str
    required: bool = False
    max_length: int = 0

    @property
    def label(self) -> str:
        return f"{self.header} ({self.key})"


COLUMNS = (
    Column("uscc", "统一社会信用代码", required=True),
    Column("name", "企业名称", required=True, max_length=200),
    Column("county_code", "区县代码", required=True),
    Column("industry_code", "行业代码", required=True),
    Column("year", "年份", required=True),
    Column("revenue_10k_yuan", "营业收入（万元）"),
    Column("employees", "从业人员（人）"),
    Column("categories", "企业类别"),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
_BRACKETS = str.maketrans({"（": "(", "）": ")", "［": "(", "］": ")"})


def _header_normal(cell: object) -> str:
    """Headers compare without spaces, case or bracket width: 营业收入（万元） = 营业收入(万元)."""
    return re.sub(r"\s+", "", str(cell)).translate(_BRACKETS).lower()


_HEADER_KEYS = {
    variant: column.key
    for column in COLUMNS
    for variant in (
        _header_normal(column.header),
        column.key,
        _header_normal(column.header) + f"({column.key})",
    )
}


class ImportFileError(Exception):
    """The whole file is rejected (unreadable, unknown format, required column missing)."""


class ImportConflictError(Exception):
    """Rows changed under the import; the transaction is rolled back."""


@dataclass(frozen=True)
class Problem:
    """One problem of one row: `row` as numbered in the spreadsheet (header = 1)."""

    row: int
    column: str
    value: str
    reason: str

    @property
    def header(self) -> str:
        return COLUMN_BY_KEY[self.column].header if self.column in COLUMN_BY_KEY else ""


@dataclass
class Sheet:
    """The first sheet as read: data rows keep their spreadsheet row numbers."""

    header: list[Any]
    rows: list[list[Any]]
    first_row: int  # spreadsheet row number of rows[0]


@dataclass
class ImportResult:
    total: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0

    def counts(self) -> dict[str, int]:
        keys = ("total", "accepted", "rejected", "created", "updated", "unchanged")
        return {key: getattr(self, key) for key in keys}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a file's worth of rows is built: it would scan the
    growing heap again and again (a third of a 100,000-row import's time). Rows, cells and plans
    form no reference cycles, so there is nothing for it to collect meanwhile."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Reading ----------------------------------------------------------------------------------


def enterprise_file_read(path: Path) -> Sheet:
    """Read the first sheet of an XLSX file, or a CSV file; raise ImportFileError when neither.
    The format is decided by the content (an XLSX file is a zip), the name only picks CSV."""
    try:
        with path.open("rb") as stream:
            head = stream.read(4)
    except OSError as exc:
        raise ImportFileError(FILE_UNREADABLE.format(detail=exc.strerror)) from exc
    if head == b"PK\x03\x04":
        with gc_paused():
            return _xlsx_read(path)
    if path.suffix.lower() in (".csv", ".txt"):
        with gc_paused():
            return _csv_read(path)
    raise ImportFileError(FILE_UNKNOWN_FORMAT)


def _xlsx_read(path: Path) -> Sheet:
    try:
        sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.to_python()
    except Exception as exc:  # calamine raises several unrelated types for a broken file
        raise ImportFileError(FILE_UNREADABLE.format(detail=type(exc).__name__)) from exc
    # calamine skips leading empty rows; `start` says where the data begins.
    offset = sheet.start[0] if sheet.start else 0
    return _sheet_of(rows, offset)


def _csv_read(path: Path) -> Sheet:
    text = csv_decode(path.read_bytes())
    return _sheet_of(list(csv.reader(io.StringIO(text, newline=""))), 0)


def csv_decode(data: bytes) -> str:
    """CSV from Excel in China is GBK; elsewhere UTF-8, sometimes with a BOM. GB 18030 decodes
    every GBK file, and a GBK file of Chinese text is practically never valid UTF-8."""
    if b"\x00" in data[:4096]:
        raise ImportFileError(FILE_UNKNOWN_FORMAT)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(FILE_BAD_ENCODING)


def _sheet_of(rows: list[list[Any]], offset: int) -> Sheet:
    for index, row in enumerate(rows):
        if any(_text(cell) for cell in row):
            return Sheet(header=row, rows=rows[index + 1 :], first_row=offset + index + 2)
    raise ImportFileError(FILE_NO_HEADER)


def _columns_map(header: list[object]) -> tuple[dict[str, int], list[str]]:
    """Column key → index, and the header cells that name no template column."""
    found: dict[str, int] = {}
    ignored = []
    for index, cell in enumerate(header):
        key = _HEADER_KEYS.get(_header_normal(cell))
        if key is None:
            if _text(cell):
                ignored.append(_text(cell))
        elif key in found:
            raise ImportFileError(FILE_DUPLICATE_COLUMN.format(column=COLUMN_BY_KEY[key].label))
        else:
            found[key] = index
    missing = [column for column in COLUMNS if column.required and column.key not in found]
    if missing:
        raise ImportFileError(
            FILE_MISSING_COLUMNS.format(
                columns="、".join(c.header for c in missing), keys=", ".join(c.key for c in missing)
            )
        )
    return found, ignored


# --- Validation -------------------------------------------------------------------------------


class Row(NamedTuple):
    """An accepted row, normalised. `categories` are Category names (tags by their bare name).
    A tuple, because `Row._make` builds 100,000 of them at C speed."""

    number: int
    uscc: str
    name: str
    county_code: str
    industry_code: str
    year: int
    revenue_10k_yuan: Decimal | None = None
    employees: int | None = None
    categories: frozenset[str] = frozenset()


@dataclass
class Lookups:
    """Reference tables preloaded into dicts, so validating a row costs no query."""

    counties: dict[str, str]  # county code → city code
    industries: frozenset[str]
    category_names: dict[str, str]  # official name or alias → name
    category_codes: dict[str, str]  # name → code, every kind
    jurisdiction: Jurisdiction

    @classmethod
    def load(cls, jurisdiction: Jurisdiction) -> Lookups:
        counties = Region.objects.filter(level=Region.Level.COUNTY).values_list("code", "parent")
        industries = Industry.objects.exclude(level=Industry.Level.SECTION)
        names: dict[str, str] = {}
        codes: dict[str, str] = {}
        for code, name, kind, aliases in Category.objects.values_list(
            "code", "name", "kind", "aliases"
        ):
            codes[name] = code
            if kind == Category.Kind.OFFICIAL:
                names.update(dict.fromkeys(aliases or (), name) | {name: name})
        return cls(
            counties={code: city for code, city in counties if city},
            industries=frozenset(industries.values_list("code", flat=True)),
            category_names=names,
            category_codes=codes,
            jurisdiction=jurisdiction,
        )


class _Bad(Exception):
    """A cell is invalid; raised by the cell parsers, which are on the hot path only when valid."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _text(cell: object) -> str:
    """A cell as text. Excel numbers arrive as float (320583.0), so whole floats drop the '.0'."""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    return "" if cell is None else str(cell).strip()


def looks_like_formula(value: str) -> bool:
    """Text a spreadsheet may run as a formula (CSV injection): = + - @, tab or CR first, also
    after leading spaces, and their full-width forms, which some spreadsheets convert."""
    return value.lstrip(" \u3000")[:1] in FORMULA_START


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100's weights are 3^i mod 31, so the check sum is Σ value(cᵢ)·3^i mod 31. Spell the 17
# characters, reversed, as base-34 digits of the same values: int() computes that number in C,
# and it is congruent to the sum (34 ≡ 3 mod 31). Bytes outside the alphabet become "!", which
# int() refuses, so I, O, S, V, Z, signs, spaces and underscores never pass.
_BASE34 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWX"
_USCC_AS_BASE34 = bytes(
    ord(_BASE34[_USCC_ALPHABET.index(chr(byte))]) if chr(byte) in _USCC_ALPHABET else ord("!")
    for byte in range(256)
)


def uscc_check(value: str) -> str:
    """The same answer as `uscc_validate`, ten times faster for well-formed codes: python-stdnum
    cleans every character through a Unicode table (~25 µs a code, 2.5 s for 100,000 rows).
    A code of the plain shape with a right check digit is returned at once; anything else goes
    to `uscc_validate` for its verdict and reason."""
    code = value.strip().upper()
    return code if _uscc_quick(code) else uscc_validate(value)


def _uscc_quick(code: str) -> bool:
    """An upper-case code of 18 characters, 8 digits first, with the right check digit."""
    if len(code) != 18 or not code[:8].isdigit():
        return False
    try:
        total = int(code.encode()[16::-1].translate(_USCC_AS_BASE34), 34)
    except ValueError:
        return False
    return code[17] == _USCC_ALPHABET[-total % 31]


def _parse_uscc(cell: object, text: str, lookups: Lookups) -> str:
    try:
        return uscc_check(text)
    except UsccError as exc:
        raise _Bad(str(exc)) from None


def _parse_name(cell: object, text: str, lookups: Lookups) -> str:
    if len(text) > COLUMN_BY_KEY["name"].max_length:
        raise _Bad(TOO_LONG.format(limit=COLUMN_BY_KEY["name"].max_length))
    return text


def _parse_county(cell: object, text: str, lookups: Lookups) -> str:
    city = lookups.counties.get(text)
    if city is None:
        raise _Bad(UNKNOWN_COUNTY)
    if not _county_in(lookups.jurisdiction, text, city):
        raise _Bad(COUNTY_OUTSIDE_JURISDICTION)
    return text


def _county_in(jurisdiction: Jurisdiction, county: str, city: str) -> bool:
    """Imports are for officials: an enterprise user's jurisdiction covers no county."""
    if jurisdiction.everything:
        return True
    return city == jurisdiction.city_code or county == jurisdiction.county_code


def _parse_industry(cell: object, text: str, lookups: Lookups) -> str:
    code = text.upper()
    code = code[1:] if code[:1] == "C" and len(code) > 1 else code
    if code not in lookups.industries:
        raise _Bad(UNKNOWN_INDUSTRY)
    return code


def _decimal(cell: object, text: str) -> Decimal:
    """A finite number from a float cell or text (thousands separators allowed), or _Bad."""
    if isinstance(cell, bool):
        raise _Bad(NOT_A_NUMBER)
    try:
        number = Decimal(text.replace(",", ""))  # a float's text is its shortest repr
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise _Bad(LOOKS_LIKE_FORMULA if looks_like_formula(text) else NOT_A_NUMBER)
    if number < 0:
        raise _Bad(NEGATIVE)
    return number


def _whole(cell: object, text: str) -> int:
    number = _decimal(cell, text)
    if number != number.to_integral_value():
        raise _Bad(NOT_WHOLE)
    return int(number)


def _parse_year(cell: object, text: str, lookups: Lookups) -> int:
    try:
        year = _whole(cell, text)
    except _Bad as bad:
        raise _Bad(YEAR_OUT_OF_RANGE if bad.reason != LOOKS_LIKE_FORMULA else bad.reason) from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _Bad(YEAR_OUT_OF_RANGE)
    return year


def _parse_revenue(cell: object, text: str, lookups: Lookups) -> Decimal:
    # Excel floats carry binary noise (1234.5699999…); money is kept to the cent. A float's text
    # is its repr(), the shortest text that reads back as the float: the number as typed.
    number = _decimal(cell, text).quantize(_CENT, rounding=ROUND_HALF_UP)
    if number >= REVENUE_LIMIT:
        raise _Bad(TOO_LARGE)
    return number


def _parse_employees(cell: object, text: str, lookups: Lookups) -> int:
    number = _whole(cell, text)
    if number > EMPLOYEES_LIMIT:
        raise _Bad(TOO_LARGE)
    return number


def _parse_categories(cell: object, text: str, lookups: Lookups) -> frozenset[str]:
    names, unknown = set(), []
    for piece in CATEGORY_SEPARATORS.split(text):
        piece = piece.strip()
        tag = next(
            (piece[len(p) :].strip() for p in TAG_PREFIXES if piece.lower().startswith(p)), None
        )
        if tag is not None and looks_like_formula(tag):
            raise _Bad(LOOKS_LIKE_FORMULA)
        name = lookups.category_names.get(piece) if tag is None else tag
        if name and len(name) <= CATEGORY_NAME_MAX:
            names.add(name)
        elif piece:
            unknown.append(piece)
    if unknown:
        raise _Bad(UNKNOWN_CATEGORY.format(value="、".join(unknown)))
    return frozenset(names)


_PARSERS: dict[str, Callable[[object, str, Lookups], Any]] = {
    "uscc": _parse_uscc,
    "name": _parse_name,
    "county_code": _parse_county,
    "industry_code": _parse_industry,
    "year": _parse_year,
    "revenue_10k_yuan": _parse_revenue,
    "employees": _parse_employees,
    "categories": _parse_categories,
}
_NUMERIC = frozenset({"year", "revenue_10k_yuan", "employees"})


# Columns with few distinct values (codes, years, category lists) are parsed once per distinct
# cell. Unique columns (USCC, name, revenue) would only fill the cache.
_REPEATING = frozenset({"county_code", "industry_code", "year", "employees", "categories"})
_EMPTY: dict[str, Any] = {"categories": frozenset()}


def _cell_parser(key: str, lookups: Lookups) -> Callable[[object], tuple[Any, str | None]]:
    """A function from one cell of column `key` to (value, None) or (None, reason). Built per
    column so the per-cell work is one call: it runs for every cell of the file."""
    parse = _PARSERS[key]
    missing = (_EMPTY.get(key), REQUIRED_EMPTY if COLUMN_BY_KEY[key].required else None)
    formula_checked = key not in _NUMERIC  # a number column says NEGATIVE for -5, not formula
    fast = _FAST_PATHS.get(key, _no_fast_path)

    def cell_parse(cell: object) -> tuple[Any, str | None]:
        outcome = fast(cell)
        if outcome is not None:
            return outcome
        text = cell.strip() if isinstance(cell, str) else _text(cell)
        if not text:
            return missing
        if formula_checked and isinstance(cell, str) and looks_like_formula(cell):
            return None, LOOKS_LIKE_FORMULA
        try:
            return parse(cell, text, lookups), None
        except _Bad as bad:
            return None, bad.reason

    return cell_parse


def _no_fast_path(cell: object) -> None:
    return None


def _uscc_fast(cell: object) -> tuple[str, None] | None:
    """A clean, valid code: nearly every cell of the USCC column. A digit first means no
    formula and no padding to strip."""
    if isinstance(cell, str) and _uscc_quick(code := cell.upper()):
        return code, None
    return None


def _revenue_fast(cell: object) -> tuple[Decimal, None] | None:
    """An Excel number in range: nearly every cell of the revenue column."""
    if isinstance(cell, float) and 0 <= cell < REVENUE_FLOAT_LIMIT:  # False for NaN
        return Decimal(repr(cell)).quantize(_CENT, rounding=ROUND_HALF_UP), None
    return None


_FAST_PATHS: dict[str, Callable[[object], tuple[Any, None] | None]] = {
    "uscc": _uscc_fast,
    "revenue_10k_yuan": _revenue_fast,
}


def _column_parse(
    key: str, cells: Sequence[object], numbers: list[int], lookups: Lookups, problems: list[Problem]
) -> list[Any]:
    """One column, top to bottom. Columns with few distinct values (codes, years, category
    lists) parse each distinct cell once; the type is part of the key because 1.0 == True, and
    only one of them is a number of employees."""
    parse = _cell_parser(key, lookups)
    if key in _REPEATING:
        keys = list(zip(map(type, cells), cells, strict=True))
        table = {cell_key: parse(cell_key[1]) for cell_key in set(keys)}
        outcomes = list(map(table.__getitem__, keys))
    else:
        outcomes = list(map(parse, cells))
    reasons = list(map(operator.itemgetter(1), outcomes))
    problems.extend(
        Problem(numbers[index], key, _text(cells[index]), reason)
        for index, reason in enumerate(reasons)
        if reason is not None
    )
    return list(map(operator.itemgetter(0), outcomes))


@dataclass
class _Validated:
    rows: dict[int, Row]  # accepted rows by row number
    problems: list[Problem]
    total: int


def _is_blank(cells: list[object]) -> bool:
    for cell in cells:  # a loop, not all(): most rows end at their first cell
        if cell is None or cell == "":
            continue
        if isinstance(cell, str) and not cell.strip():
            continue
        return False
    return True


def _rows_validate(
    sheet: Sheet, columns: dict[str, int], lookups: Lookups, progress: _Progress
) -> _Validated:
    # Blank lines between data are common and harmless; they are not rows.
    numbered = [
        (sheet.first_row + offset, cells)
        for offset, cells in enumerate(sheet.rows)
        if not _is_blank(cells)
    ]
    numbers = [number for number, _ in numbered]
    by_column = _transpose([cells for _, cells in numbered], max(columns.values()) + 1)
    problems: list[Problem] = []
    parsed: dict[str, list[Any]] = {}
    for done, (key, index) in enumerate(columns.items(), start=1):
        parsed[key] = _column_parse(key, by_column[index], numbers, lookups, problems)
        progress.validated(len(numbers) * done // len(columns))
    rejected = {problem.row for problem in problems}
    fields = [
        parsed.get(column.key) or itertools.repeat(_EMPTY.get(column.key)) for column in COLUMNS
    ]
    rows = {
        values[0]: Row._make(values)
        for values in zip(numbers, *fields, strict=False)  # absent columns repeat
        if values[0] not in rejected
    }
    problems.extend(_duplicates_reject(numbers, parsed["uscc"], rows))
    return _Validated(rows=rows, problems=problems, total=len(numbers))


def _transpose(rows: list[list[object]], width: int) -> list[Sequence[object]]:
    """Rows to columns, at least `width` of them. CSV rows may be ragged: short ones are
    padded with empty cells first."""
    if any(len(row) != width for row in rows):
        rows = [[*row[:width], *[""] * (width - len(row))] for row in rows]
    return list(zip(*rows, strict=True)) if rows else [()] * width


def _duplicates_reject(
    numbers: list[int], usccs: list[str | None], rows: dict[int, Row]
) -> list[Problem]:
    """Every occurrence of a USCC repeated in the file is rejected, naming the other rows."""
    repeated = {uscc for uscc, count in Counter(usccs).items() if uscc and count > 1}
    seen: dict[str, list[int]] = {}
    for number, uscc in zip(numbers, usccs, strict=True):
        if uscc in repeated:
            seen.setdefault(uscc, []).append(number)
    problems = []
    for uscc, occurrences in seen.items():
        for number in occurrences:
            others = "、".join(str(n) for n in occurrences if n != number)
            problems.append(Problem(number, "uscc", uscc, USCC_REPEATED.format(rows=others)))
            rows.pop(number, None)
    return problems


# --- Progress ---------------------------------------------------------------------------------


class _Progress:
    """Reports (rows done, total rows) about 50 times, never backwards. Validation fills the first
    half of the bar and planning plus writing the second, so one bar covers the whole import; a
    dry run only validates and plans, which fill it all."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.every = max(1, total // 50)
        self.done = 0

    def validated(self, rows: int) -> None:
        self._report(rows // 2)

    def applied(self, fraction: float) -> None:
        self._report(self.total // 2 + int(fraction * (self.total - self.total // 2)))

    def _report(self, done: int) -> None:
        if self.callback is None or done <= self.done:
            return
        if done < self.total and done - self.done < self.every:
            return
        self.done = done
        self.callback(done, self.total)


# --- Planning: the diff against existing rows --------------------------------------------------


class _Current(NamedTuple):
    """An existing enterprise, as a tuple: `_Current._make` builds a province of them fast."""

    pk: int
    name: str
    county: str
    city: str
    industry: str
    version: int


@dataclass
class _Plan:
    creates: list[Row] = field(default_factory=list)
    updates: list[tuple[Row, _Current]] = field(default_factory=list)
    year_creates: list[tuple[int, Row]] = field(default_factory=list)
    year_updates: list[tuple[Decimal | None, int | None, int]] = field(default_factory=list)
    link_creates: list[tuple[int, str, int]] = field(default_factory=list)  # pk, name, year
    link_deletes: list[int] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class _Known:
    """Existing rows for one chunk of the file, keyed for the diff."""

    enterprises: dict[str, _Current]
    years: dict[tuple[int, int], tuple[int, Decimal | None, int | None]]
    links: dict[tuple[int, int], dict[str, int]]  # (enterprise, year) → category name → link pk


def _known_load(rows: Sequence[Row], lookups: Lookups, *, scan: bool) -> _Known:
    """Plain SELECTs: the ORM spends more time preparing 900 IN-list values than the database
    spends answering. With `scan`, whole tables (for the file's years) are read in one pass
    each and filtered here, which is three times faster than a hundred IN-lists."""
    usccs = [row.uscc for row in rows]
    wanted = set(usccs)
    fields = ("uscc", "id", "name", "county", "city", "industry", "version")
    found = _select_in(
        _sql_select(Enterprise, fields, where_in=() if scan else ("uscc",)),
        *(() if scan else (usccs,)),
    )
    # tuple.__new__ is NamedTuple._make without its Python-level call: 100,000 rows in 20 ms.
    new = tuple.__new__
    enterprises = {v[0]: new(_Current, v[1:]) for v in found if v[0] in wanted}
    known = _Known(enterprises=enterprises, years={}, links={})
    pks = {current.pk for current in enterprises.values()}
    if not pks:
        return known
    where, lists = (("year",), ()) if scan else (("year", "enterprise"), (list(pks),))
    years = sorted({row.year for row in rows})
    year_fields = ("id", "enterprise", "year", "revenue_10k_yuan", "employees")
    for pk, enterprise, year, revenue, employees in _select_in(
        _sql_select(EnterpriseYear, year_fields, where_in=where), years, *lists
    ):
        if enterprise in pks:
            known.years[enterprise, year] = (pk, _cents(revenue), employees)
    names = {code: name for name, code in lookups.category_codes.items()}
    link_fields = ("id", "enterprise", "year", "category")
    for pk, enterprise, year, category in _select_in(
        _sql_select(EnterpriseCategory, link_fields, where_in=where), years, *lists
    ):
        if enterprise in pks:
            known.links.setdefault((enterprise, year), {})[names[category]] = pk
    return known


def _sql_select(
    model: type[models.Model], fields: Sequence[str], *, where_in: Sequence[str]
) -> str:
    """SELECT … WHERE a IN ({}) AND b IN ({}): `_select_in` fills in the placeholders."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(_column(model, name)) for name in fields)
    conditions = " AND ".join(f"{qn(_column(model, name))} IN ({{}})" for name in where_in)
    where = f" WHERE {conditions}" if conditions else ""
    return f"SELECT {columns} FROM {qn(model._meta.db_table)}{where}"


def _select_in(sql: str, *lists: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.format(*(", ".join(["%s"] * len(values)) for values in lists)),
            [value for values in lists for value in values],
        )
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # a concrete column, not a reverse relation
    return str(field.column)


def _cents(value: Any) -> Decimal | None:
    """A stored amount as a Decimal: SQLite hands back a float or an int (its NUMERIC affinity),
    PostgreSQL a Decimal. Decimal equality ignores trailing zeros, so no quantize is needed."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(repr(value))


def _enterprise_in(jurisdiction: Jurisdiction, current: _Current) -> bool:
    if jurisdiction.everything:
        return True
    return current.city == jurisdiction.city_code or current.county == jurisdiction.county_code


def _plan_make(
    validated: _Validated, lookups: Lookups, present: set[str], progress: _Progress
) -> _Plan:
    plan = _Plan()
    ordered = list(validated.rows.values())
    # A file with rows for a good share of the registry reads whole tables (see _known_load).
    scan = len(ordered) * SCAN_SHARE >= Enterprise.objects.count()
    size = CHUNK - len({row.year for row in ordered})  # the years' IN-list shares the query
    chunks = [ordered] if scan else list(chunked(ordered, size))
    for done, chunk in enumerate(chunks, start=1):
        known = _known_load(chunk, lookups, scan=scan)
        for row in chunk:
            current = known.enterprises.get(row.uscc)
            if current is None:
                plan.creates.append(row)
            elif not _enterprise_in(lookups.jurisdiction, current):
                _reject(validated, row, ENTERPRISE_OUTSIDE_JURISDICTION)
            else:
                _plan_update(plan, row, current, known, present, lookups)
        progress.applied(0.5 * done / len(chunks))
    plan.creates.sort(key=operator.attrgetter("uscc"))  # inserts in index order: 20 % faster
    return plan


def _reject(validated: _Validated, row: Row, reason: str) -> None:
    validated.problems.append(Problem(row.number, "uscc", row.uscc, reason))
    del validated.rows[row.number]


def _plan_update(
    plan: _Plan, row: Row, current: _Current, known: _Known, present: set[str], lookups: Lookups
) -> None:
    city = lookups.counties[row.county_code]
    if _is_unchanged(row, current, city, known, present):
        plan.unchanged += 1
        return
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, old, new in (
        ("name", current.name, row.name),
        ("county", current.county, row.county_code),
        ("city", current.city, city),
        ("industry", current.industry, row.industry_code),
    ):
        if old != new:
            before[key], after[key] = old, new
    _plan_year(plan, row, current.pk, known, present, before, after)
    if "categories" in present:
        _plan_links(plan, row, current.pk, known, before, after)
    if not after:
        plan.unchanged += 1
        return
    plan.updates.append((row, current))
    plan.changes.append(
        _change("enterprise.update", current.pk, row.name, before=before, after=after)
    )


def _is_unchanged(row: Row, current: _Current, city: str, known: _Known, present: set[str]) -> bool:
    """The common case of a re-import, decided without building a diff."""
    if (current.name, current.county, current.city, current.industry) != (
        row.name,
        row.county_code,
        city,
        row.industry_code,
    ):
        return False
    year = known.years.get((current.pk, row.year))
    if year is None:
        return False
    if "revenue_10k_yuan" in present and year[1] != row.revenue_10k_yuan:
        return False
    if "employees" in present and year[2] != row.employees:
        return False
    links = known.links.get((current.pk, row.year), {})
    return "categories" not in present or links.keys() == row.categories


def _plan_year(
    plan: _Plan,
    row: Row,
    pk: int,
    known: _Known,
    present: set[str],
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """Columns absent from the file keep their stored values; a present but empty cell clears."""
    existing = known.years.get((pk, row.year))
    if existing is None:
        plan.year_creates.append((pk, row))
        before.update(_year_figures(row.year, None, None))
        after.update(_year_figures(row.year, row.revenue_10k_yuan, row.employees))
        return
    year_pk, revenue, employees = existing
    new_revenue = row.revenue_10k_yuan if "revenue_10k_yuan" in present else revenue
    new_employees = row.employees if "employees" in present else employees
    if (new_revenue, new_employees) == (revenue, employees):
        return
    plan.year_updates.append((new_revenue, new_employees, year_pk))
    old, new = (
        _year_figures(row.year, revenue, employees),
        _year_figures(row.year, new_revenue, new_employees),
    )
    before.update({k: v for k, v in old.items() if new[k] != v})
    after.update({k: v for k, v in new.items() if old[k] != v})


def _year_figures(year: int, revenue: Decimal | None, employees: int | None) -> dict[str, Any]:
    return {
        f"{year}.revenue_10k_yuan": None if revenue is None else f"{revenue:.2f}",
        f"{year}.employees": employees,
    }


def _plan_links(
    plan: _Plan, row: Row, pk: int, known: _Known, before: dict[str, Any], after: dict[str, Any]
) -> None:
    existing = known.links.get((pk, row.year), {})
    if existing.keys() == row.categories:
        return
    plan.link_deletes.extend(link for name, link in existing.items() if name not in row.categories)
    plan.link_creates.extend((pk, name, row.year) for name in row.categories - existing.keys())
    before[f"{row.year}.categories"] = sorted(existing)
    after[f"{row.year}.categories"] = sorted(row.categories)


def _change(
    action: str,
    pk: int,
    name: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> Change:
    return Change(
        action=action,
        object_type="registry.enterprise",
        object_id=str(pk),
        object_repr=name,
        before=before,
        after=after,
    )


# --- Applying: bulk writes in one transaction ---------------------------------------------------


def _plan_apply(plan: _Plan, lookups: Lookups, progress: _Progress, *, summary: Change) -> None:
    codes = _tags_create(plan, lookups)
    created = _enterprises_create(plan.creates, lookups)
    progress.applied(0.65)
    _enterprises_update(plan.updates, lookups)
    _years_write(plan, created)
    progress.applied(0.8)
    _links_write(plan, created, codes)
    plan.changes.extend(
        _change("enterprise.create", pk, row.name, after=_created_after(row))
        for row, pk in zip(plan.creates, created, strict=True)
    )
    audit_record_many([*plan.changes, summary])
    progress.applied(1.0)


def _tag_code(name: str) -> str:
    """Tags are named in Chinese, which slugify drops; a short digest keeps the code a slug."""
    return "tag-" + hashlib.blake2s(name.encode(), digest_size=8).hexdigest()


def _tags_create(plan: _Plan, lookups: Lookups) -> dict[str, str]:
    used = {name for row in plan.creates for name in row.categories}
    used.update(name for _, name, _ in plan.link_creates)
    new = sorted(used - lookups.category_codes.keys())
    Category.objects.bulk_create(
        [Category(code=_tag_code(name), name=name, kind=Category.Kind.TAG) for name in new]
    )
    return lookups.category_codes | {name: _tag_code(name) for name in new}


def _enterprises_create(rows: list[Row], lookups: Lookups) -> list[int]:
    """Plain INSERTs through executemany, then the new ids by USCC: bulk_create spends ~30 µs
    a row preparing values through the ORM, several seconds for a province-wide file."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    city = lookups.counties
    params = [
        (row.uscc, row.name, city[row.county_code], row.county_code, row.industry_code, now, now, 1)
        for row in rows
    ]
    fields = ("uscc", "name", "city", "county", "industry", "created_at", "updated_at", "version")
    _executemany(_sql_insert(Enterprise, fields), params)
    return _enterprise_pks([row.uscc for row in rows])


def _enterprise_pks(usccs: list[str]) -> list[int]:
    found: dict[str, int] = {}
    if len(usccs) * SCAN_SHARE >= Enterprise.objects.count():
        found.update(_select_in(_sql_select(Enterprise, ("uscc", "id"), where_in=())))
    else:
        sql = _sql_select(Enterprise, ("uscc", "id"), where_in=("uscc",))
        for chunk in chunked(usccs):
            found.update(_select_in(sql, chunk))
    return [found[uscc] for uscc in usccs]


def _sql_insert(model: type[models.Model], fields: Sequence[str]) -> str:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(_column(model, name)) for name in fields)
    values = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({values})"


def _sql_update(model: type[models.Model], sets: Sequence[str], where: Sequence[str]) -> str:
    """UPDATE with %s placeholders (Django's cursor turns them into SQLite's ?); quoted names
    keep it portable between SQLite and PostgreSQL. A set may be an expression: `version+1`."""
    qn = connection.ops.quote_name
    columns = [_column(model, name) for name in where]
    assignments = ", ".join(
        f"{qn(name)} = {qn(name)} + 1" if name == "version" else f"{qn(name)} = %s"
        for name in (_column(model, name) for name in sets)
    )
    conditions = " AND ".join(f"{qn(column)} = %s" for column in columns)
    return f"UPDATE {qn(model._meta.db_table)} SET {assignments} WHERE {conditions}"


def _executemany(sql: str, params: list[tuple[Any, ...]]) -> int:
    if not params:
        return 0
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        return int(cursor.rowcount)


def _enterprises_update(updates: list[tuple[Row, _Current]], lookups: Lookups) -> None:
    """One plain UPDATE per changed enterprise, sent with executemany. The version in the WHERE
    clause catches an edit made since the plan was read: then the import is rolled back."""
    now = Enterprise._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection)
    sets = ("name", "county", "city", "industry", "updated_at", "version")
    params = [
        (
            row.name,
            row.county_code,
            lookups.counties[row.county_code],
            row.industry_code,
            now,
            current.pk,
            current.version,
        )
        for row, current in updates
    ]
    done = _executemany(_sql_update(Enterprise, sets, ("id", "version")), params)
    if done != len(params):
        raise ImportConflictError(IMPORT_CONFLICT)


def _years_write(plan: _Plan, created: list[int]) -> None:
    pairs = plan.year_creates + list(zip(created, plan.creates, strict=True))
    fields = ("enterprise", "year", "revenue_10k_yuan", "employees")
    _executemany(
        _sql_insert(EnterpriseYear, fields),
        [(pk, row.year, row.revenue_10k_yuan, row.employees) for pk, row in pairs],
    )
    sets = ("revenue_10k_yuan", "employees")
    _executemany(_sql_update(EnterpriseYear, sets, ("id",)), plan.year_updates)


def _links_write(plan: _Plan, created: list[int], codes: dict[str, str]) -> None:
    qn = connection.ops.quote_name
    table = qn(EnterpriseCategory._meta.db_table)
    _executemany(f"DELETE FROM {table} WHERE {qn('id')} = %s", [(pk,) for pk in plan.link_deletes])
    triples = plan.link_creates + [
        (pk, name, row.year)
        for pk, row in zip(created, plan.creates, strict=True)
        for name in row.categories
    ]
    _executemany(
        _sql_insert(EnterpriseCategory, ("enterprise", "category", "year")),
        [(pk, codes[name], year) for pk, name, year in triples],
    )


def _created_after(row: Row) -> dict[str, Any]:
    return {
        "uscc": row.uscc,
        "name": row.name,
        "county": row.county_code,
        "industry": row.industry_code,
        **_year_figures(row.year, row.revenue_10k_yuan, row.employees),
        f"{row.year}.categories": sorted(row.categories),
    }


# --- The service --------------------------------------------------------------------------------


def enterprise_import(
    *,
    path: Path,
    user: Any | None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    source: str = "",
    job_id: int | None = None,
) -> ImportResult:
    """Import enterprises from `path` for `user` (None: the system, no jurisdiction limit).

    Raises ImportFileError when the file as a whole is rejected. Rows with problems are skipped
    and listed in the result; the others are applied in one transaction, or not at all.
    """
    with gc_paused():
        return _import_run(
            path=path, user=user, dry_run=dry_run, progress=progress, source=source, job_id=job_id
        )


def _import_run(
    *,
    path: Path,
    user: Any | None,
    dry_run: bool,
    progress: ProgressCallback | None,
    source: str,
    job_id: int | None,
) -> ImportResult:
    sheet = enterprise_file_read(path)
    columns, ignored = _columns_map(sheet.header)
    jurisdiction = Jurisdiction(everything=True) if user is None else jurisdiction_of(user)
    lookups = Lookups.load(jurisdiction)
    ticker = _Progress(progress, len(sheet.rows))
    validated = _rows_validate(sheet, columns, lookups, ticker)
    ticker.total = validated.total  # blank lines are not rows
    if dry_run:
        plan = _plan_make(validated, lookups, set(columns), ticker)
        result = _result_of(validated, plan, dry_run=True, ignored=ignored)
    else:
        with transaction.atomic():
            plan = _plan_make(validated, lookups, set(columns), ticker)
            result = _result_of(validated, plan, dry_run=False, ignored=ignored)
            if plan.creates or plan.updates:
                summary = _summary_change(result, source=source, job_id=job_id)
                _plan_apply(plan, lookups, ticker, summary=summary)
    ticker.applied(1.0)
    return result


def _result_of(
    validated: _Validated, plan: _Plan, *, dry_run: bool, ignored: list[str]
) -> ImportResult:
    order = {column.key: index for index, column in enumerate(COLUMNS)}
    problems = sorted(validated.problems, key=lambda p: (p.row, order.get(p.column, 99)))
    return ImportResult(
        total=validated.total,
        accepted=len(validated.rows),
        rejected=len({problem.row for problem in problems}),
        created=len(plan.creates),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        dry_run=dry_run,
        problems=problems,
        ignored_columns=ignored,
    )


def _summary_change(result: ImportResult, *, source: str, job_id: int | None) -> Change:
    return Change(
        action="enterprise.import",
        object_type="registry.importjob" if job_id else "",
        object_id=str(job_id or ""),
        object_repr=source[:200],
        after=result.counts(),
    )


# --- Starting a background import from the web page ---------------------------------------------


def imports_dir() -> Path:
    """Uploads and reports, under generated names: an uploaded file name is shown, never a path."""
    return Path(settings.MEDIA_ROOT) / "imports"


def import_job_start(*, user: Any, uploaded_file: UploadedFile, dry_run: bool) -> ImportJob:
    """Check the upload (size, extension, content), store it under a generated name, create the
    job and queue `registry.tasks.enterprise_import_run`. Raises ValidationError with a bilingual
    message for a bad upload, PermissionDenied for a user who may not import."""
    from registry.tasks import enterprise_import_run  # the task module imports this one

    if getattr(user, "role", None) not in IMPORT_ROLES:
        raise PermissionDenied(IMPORT_FORBIDDEN)
    extension = _upload_check(uploaded_file)
    stored_name = f"{uuid.uuid4().hex}{extension}"
    imports_dir().mkdir(parents=True, exist_ok=True)
    with (imports_dir() / stored_name).open("wb") as target:
        for piece in uploaded_file.chunks():
            target.write(piece)
    job = ImportJob.objects.create(
        created_by=user,
        original_name=(uploaded_file.name or stored_name)[:200],
        stored_name=stored_name,
        dry_run=dry_run,
    )
    # The database task backend stores the task in the caller's transaction, so a worker cannot
    # pick it up before the job row is committed.
    enterprise_import_run.enqueue(job.pk)
    return job


def _upload_check(uploaded_file: UploadedFile) -> str:
    limit = settings.IMPORT_MAX_BYTES
    if uploaded_file.size is None or uploaded_file.size > limit:
        raise ValidationError(UPLOAD_TOO_LARGE.format(limit=limit // (1024 * 1024) or 1))
    extension = Path(uploaded_file.name or "").suffix.lower()
    if extension not in UPLOAD_EXTENSIONS:
        raise ValidationError(UPLOAD_BAD_TYPE)
    uploaded_file.seek(0)
    content = uploaded_file.read(4) if extension == ".xlsx" else uploaded_file.read()
    uploaded_file.seek(0)
    if extension == ".xlsx" and content != b"PK\x03\x04":
        raise ValidationError(UPLOAD_NOT_XLSX)
    if extension == ".csv":
        try:
            csv_decode(content)
        except ImportFileError as exc:
            raise ValidationError(UPLOAD_NOT_TEXT) from exc
    return extension
