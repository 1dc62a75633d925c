"""Row validation: the file parsed column by column (collecting every problem of a row) into
accepted rows, then every occurrence of a USCC repeated in the file rejected."""

from __future__ import annotations

import itertools
import operator
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from registry.imports.cells import EMPTY, Lookups, cell_parser
from registry.imports.messages import USCC_REPEATED
from registry.imports.progress import Progress
from registry.imports.reading import COLUMN_BY_KEY, COLUMNS, Sheet, cell_text

# Columns with few distinct values (codes, years, category lists) are parsed once per distinct
# cell. Unique columns (USCC, name, revenue) would only fill the cache.
_REPEATING = frozenset({"county_code", "industry_code", "year", "employees", "categories"})


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


def _column_parse(
    key: str, cells: Sequence[object], numbers: list[int], lookups: Lookups, problems: list[Problem]
) -> list[Any]:
    """One column, top to bottom. Columns with few distinct values (codes, years, category
    lists) parse each distinct cell once; the type is part of the key because 1.0 == True, and
    only one of them is a number of employees."""
    parse = cell_parser(key, lookups)
    if key in _REPEATING:
        keys = list(zip(map(type, cells), cells, strict=True))
        table = {cell_key: parse(cell_key[1]) for cell_key in set(keys)}
        outcomes = list(map(table.__getitem__, keys))
    else:
        outcomes = list(map(parse, cells))
    reasons = list(map(operator.itemgetter(1), outcomes))
    problems.extend(
        Problem(numbers[index], key, cell_text(cells[index]), reason)
        for index, reason in enumerate(reasons)
        if reason is not None
    )
    return list(map(operator.itemgetter(0), outcomes))


@dataclass
class Validated:
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


def rows_validate(
    sheet: Sheet, columns: dict[str, int], lookups: Lookups, progress: Progress
) -> Validated:
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
        parsed.get(column.key) or itertools.repeat(EMPTY.get(column.key)) for column in COLUMNS
    ]
    rows = {
        values[0]: Row._make(values)
        for values in zip(numbers, *fields, strict=False)  # absent columns repeat
        if values[0] not in rejected
    }
    problems.extend(_duplicates_reject(numbers, parsed["uscc"], rows))
    return Validated(rows=rows, problems=problems, total=len(numbers))


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
