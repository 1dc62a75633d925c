"""Index metadata: read a COINr-style iMeta table into a frozen indicator tree.

One iMeta row describes one element. Columns: Level, iCode, iName, Direction, Weight, Unit,
Target, Denominator, Parent, Type. Type is one of ``Indicator`` (level 1, a leaf),
``Aggregate`` (level >= 2, a node whose score is the weighted mean of its children),
``Group`` (a grouping column of the data, e.g. a region) or ``Denominator`` (a column that
indicators may be divided by). ``read_meta`` validates the whole table and raises
``IndexMetaError`` listing every problem at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

REQUIRED_COLUMNS = ("Level", "iCode", "Direction", "Weight", "Parent", "Type")
TYPES = ("Indicator", "Aggregate", "Group", "Denominator")


class IndexMetaError(ValueError):
    """The metadata table is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Indicator:
    """A leaf of the tree (level 1)."""

    code: str
    name: str
    direction: int
    weight: float
    parent: str | None
    unit: str | None = None
    target: float | None = None
    denominator: str | None = None


@dataclass(frozen=True)
class Aggregate:
    """A node of the tree at ``level`` >= 2; its score aggregates its children."""

    code: str
    name: str
    level: int
    weight: float
    parent: str | None


@dataclass(frozen=True)
class IndexTree:
    """The validated indicator tree.

    ``aggregates`` are ordered by level then by table order, so aggregating them in order
    always finds the children already computed.
    """

    indicators: tuple[Indicator, ...]
    aggregates: tuple[Aggregate, ...]
    groups: tuple[str, ...]
    denominators: tuple[str, ...]

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        """Codes of the indicators, in table order."""
        return tuple(i.code for i in self.indicators)

    @property
    def aggregate_codes(self) -> tuple[str, ...]:
        """Codes of the aggregates, lowest level first."""
        return tuple(a.code for a in self.aggregates)

    @property
    def max_level(self) -> int:
        """The level of the top aggregate (1 when there are no aggregates)."""
        return max((a.level for a in self.aggregates), default=1)

    def aggregates_at(self, level: int) -> tuple[Aggregate, ...]:
        """The aggregates at one level."""
        return tuple(a for a in self.aggregates if a.level == level)

    def children(self, code: str) -> tuple[str, ...]:
        """Codes of the direct children of ``code``, in table order."""
        kids = [i.code for i in self.indicators if i.parent == code]
        return (*kids, *(a.code for a in self.aggregates if a.parent == code))

    def weights(self) -> dict[str, float]:
        """Nominal weight of every indicator and aggregate by code."""
        out = {i.code: i.weight for i in self.indicators}
        out.update({a.code: a.weight for a in self.aggregates})
        return out

    def directions(self) -> dict[str, int]:
        """Direction (+1 higher is better, -1 lower is better) of every indicator."""
        return {i.code: i.direction for i in self.indicators}

    def targets(self) -> dict[str, float]:
        """Targets of the indicators that have one."""
        return {i.code: i.target for i in self.indicators if i.target is not None}


def read_meta_csv(path: str) -> IndexTree:
    """Read and validate an iMeta CSV file (see ``read_meta``)."""
    return read_meta(pl.read_csv(path, infer_schema_length=None))


def read_meta(table: pl.DataFrame) -> IndexTree:
    """Validate an iMeta table and build the indicator tree.

    Parameters
    ----------
    table : pl.DataFrame
        One row per element with at least the columns Level, iCode, Direction, Weight,
        Parent and Type (iName, Unit, Target, Denominator are optional).

    Returns
    -------
    IndexTree

    Raises
    ------
    IndexMetaError
        Listing every problem: missing columns, unknown types, duplicate codes, levels,
        missing or negative weights, directions other than +1/-1, unknown parents or
        denominators, parents at a level not above the child, cycles, empty aggregates, no
        indicator at all.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise IndexMetaError([f"missing column {c}" for c in missing])
    rows = table.to_dicts()
    problems = _row_problems(rows) + _tree_problems(rows)
    if problems:
        raise IndexMetaError(problems)
    return _build(rows)


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _row_problems(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        code, kind = _text(row["iCode"]), _text(row["Type"])
        where = f"row {n} ({code})"
        if code is None:
            problems.append(f"row {n}: missing iCode")
        elif code in seen:
            problems.append(f"{where}: duplicate iCode")
        seen.add(code or "")
        if kind not in TYPES:
            problems.append(f"{where}: unknown Type {kind!r}")
        elif kind in ("Indicator", "Aggregate"):
            problems += _node_problems(row, kind, where)
    return problems


def _node_problems(row: Mapping[str, Any], kind: str, where: str) -> list[str]:
    problems: list[str] = []
    level, weight = _number(row["Level"]), _number(row["Weight"])
    if level is None or level != int(level) or level < 1:
        problems.append(f"{where}: Level must be a whole number >= 1")
    elif (kind == "Indicator") != (level == 1):
        problems.append(f"{where}: indicators are level 1 and aggregates level >= 2")
    if weight is None and _text(row["Weight"]) is not None:
        problems.append(f"{where}: Weight {_text(row['Weight'])!r} is not a number")
    elif weight is None:
        problems.append(f"{where}: missing Weight")
    elif weight < 0:
        problems.append(f"{where}: negative Weight")
    if kind == "Indicator" and _number(row["Direction"]) not in (1.0, -1.0):
        problems.append(f"{where}: Direction must be 1 or -1")
    return problems


def _tree_problems(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    nodes = {_text(r["iCode"]): r for r in rows if _text(r["Type"]) in ("Indicator", "Aggregate")}
    denominators = {_text(r["iCode"]) for r in rows if _text(r["Type"]) == "Denominator"}
    problems: list[str] = []
    if not any(_text(r["Type"]) == "Indicator" for r in rows):
        problems.append("no indicators: the table needs rows of Type Indicator")
    for code, row in nodes.items():
        parent = _text(row["Parent"])
        denominator = _text(row.get("Denominator"))
        if denominator is not None and denominator not in denominators:
            problems.append(f"{code}: unknown Denominator {denominator}")
        if parent is None:
            if _text(row["Type"]) == "Indicator":
                problems.append(f"{code}: an indicator needs a Parent")
            continue
        if parent not in nodes or _text(nodes[parent]["Type"]) != "Aggregate":
            problems.append(f"{code}: unknown Parent {parent}")
        elif (_number(nodes[parent]["Level"]) or 0) <= (_number(row["Level"]) or 0):
            problems.append(f"{code}: Parent {parent} is not at a higher level")
    problems += _cycle_problems({c: _text(r["Parent"]) for c, r in nodes.items() if c})
    parents = {_text(r["Parent"]) for r in nodes.values()}
    for code, row in nodes.items():
        if _text(row["Type"]) == "Aggregate" and code not in parents:
            problems.append(f"{code}: aggregate without children")
    return problems


def _cycle_problems(parent_of: Mapping[str, str | None]) -> list[str]:
    problems: list[str] = []
    for start in parent_of:
        seen, code = {start}, parent_of.get(start)
        while code is not None and code in parent_of:
            if code in seen:
                problems.append(f"{start}: cycle in the Parent chain")
                break
            seen.add(code)
            code = parent_of[code]
    return problems


def _build(rows: Sequence[Mapping[str, Any]]) -> IndexTree:
    def of(kind: str) -> list[Mapping[str, Any]]:
        return [r for r in rows if _text(r["Type"]) == kind]

    indicators = tuple(
        Indicator(
            code=str(_text(r["iCode"])),
            name=_text(r.get("iName")) or str(_text(r["iCode"])),
            direction=int(_number(r["Direction"]) or 1),
            weight=float(_number(r["Weight"]) or 0.0),
            parent=_text(r["Parent"]),
            unit=_text(r.get("Unit")),
            target=_number(r.get("Target")),
            denominator=_text(r.get("Denominator")),
        )
        for r in of("Indicator")
    )
    aggregates = tuple(
        Aggregate(
            code=str(_text(r["iCode"])),
            name=_text(r.get("iName")) or str(_text(r["iCode"])),
            level=int(_number(r["Level"]) or 2),
            weight=float(_number(r["Weight"]) or 0.0),
            parent=_text(r["Parent"]),
        )
        for r in of("Aggregate")
    )
    return IndexTree(
        indicators=indicators,
        aggregates=tuple(sorted(aggregates, key=lambda a: a.level)),
        groups=tuple(str(_text(r["iCode"])) for r in of("Group")),
        denominators=tuple(str(_text(r["iCode"])) for r in of("Denominator")),
    )
