"""Reading an import file: the first sheet of an XLSX or CSV file (the format decided by the
content), the template columns, and the mapping of the header row onto them."""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine

from registry.imports.messages import (
    FILE_BAD_ENCODING,
    FILE_DUPLICATE_COLUMN,
    FILE_MISSING_COLUMNS,
    FILE_NO_HEADER,
    FILE_UNKNOWN_FORMAT,
    FILE_UNREADABLE,
)


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


@dataclass
class Sheet:
    """The first sheet as read: data rows keep their spreadsheet row numbers."""

    header: list[Any]
    rows: list[list[Any]]
    first_row: int  # spreadsheet row number of rows[0]


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
        if any(cell_text(cell) for cell in row):
            return Sheet(header=row, rows=rows[index + 1 :], first_row=offset + index + 2)
    raise ImportFileError(FILE_NO_HEADER)


def columns_map(header: list[object]) -> tuple[dict[str, int], list[str]]:
    """Column key → index, and the header cells that name no template column."""
    found: dict[str, int] = {}
    ignored = []
    for index, cell in enumerate(header):
        key = _HEADER_KEYS.get(_header_normal(cell))
        if key is None:
            if cell_text(cell):
                ignored.append(cell_text(cell))
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


def cell_text(cell: object) -> str:
    """A cell as text. Excel numbers arrive as float (320583.0), so whole floats drop the '.0'."""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    return "" if cell is None else str(cell).strip()
