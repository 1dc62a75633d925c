"""The data files: their names and folder, the problems they can have (bilingual messages and
`ReferenceDataError`), a reader that collects every problem with file and line before failing, and
`ReferenceData`, the checked contents of the files."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

DIVISIONS_FILE = "jiangsu_divisions.csv"
ZONES_FILE = "zones.csv"
PROVINCE_ADMINISTERED_FILE = "province_administered.csv"
INDUSTRIES_FILE = "gbt4754_2017_manufacturing.csv"
CLUSTERS_FILE = "clusters.csv"
CHAINS_FILE = "chains.csv"
CATEGORIES_FILE = "categories.csv"
SOURCES_FILE = "sources.csv"

# Problems found in the files (bilingual; formatted with file, line and the offending value).
REF_FILE_MISSING = "缺少数据文件 (data file missing): {file}"
REF_COLUMNS_MISSING = "{file}: 缺少列 (missing columns): {columns}"
REF_EMPTY_VALUE = "{file} 第{line}行: {column} 不能为空 ({column} must not be empty)"
REF_DUPLICATE_CODE = "{file} 第{line}行: 代码重复 (duplicate code) {code}"
REF_BAD_LEVEL = "{file} 第{line}行: 未知层级 (unknown level) {value}"
REF_BAD_KIND = "{file} 第{line}行: 类型与层级不符 (kind does not fit the level) {value}"
REF_UNKNOWN_PARENT = "{file} 第{line}行: 上级代码不存在或层级不符 (unknown parent code) {code}"
REF_BAD_CODE = "{file} 第{line}行: 代码格式错误 (malformed code) {code}"
REF_NOT_A_COUNTY = "{file} 第{line}行: 不是区县代码 (not a county code) {code}"
REF_NAME_MISMATCH = (
    "{file} 第{line}行: 名称与区划表不符 (name differs from the divisions file) {name}"
)
REF_BAD_VERIFIED = "{file} 第{line}行: verified 只能是 yes 或 no (verified must be yes or no)"
REF_BAD_URL = "{file} 第{line}行: 网址无效 (invalid URL) {value}"
REF_UNKNOWN_INDUSTRY = "{file} 第{line}行: 未知行业代码 (unknown industry code) {code}"
REF_UNKNOWN_CLUSTER = "{file} 第{line}行: 未知集群编码 (unknown cluster code) {code}"
REF_BAD_RANK = "{file} 第{line}行: rank 必须是非负整数 (rank must be a whole number) {value}"
REF_DUPLICATE_NAME = "{file} 第{line}行: 名称重复 (duplicate name) {name}"
REF_NO_SOURCE = "{file}: 在 sources.csv 中没有来源 (no source listed in sources.csv)"

MAX_PROBLEMS_SHOWN = 30


class ReferenceDataError(Exception):
    """The data files are wrong; `problems` lists each one (file, line, reason)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        more = len(self.problems) - len(shown)
        lines = [*shown, f"… (+{more})"] if more else shown
        super().__init__("参考数据有误 (reference data is wrong):\n" + "\n".join(lines))


@dataclass
class Row:
    """One parsed CSV row with the line it came from (line 1 is the header)."""

    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values[column]


@dataclass
class ReferenceData:
    """The checked contents of the files: field dictionaries keyed by code, and the industry
    codes each cluster and chain lists (before expansion to descendants)."""

    regions: dict[str, dict[str, Any]] = field(default_factory=dict)
    industries: dict[str, dict[str, Any]] = field(default_factory=dict)
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    chains: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    cluster_codes: dict[str, list[str]] = field(default_factory=dict)
    chain_codes: dict[str, list[str]] = field(default_factory=dict)


class Reader:
    """Reads the files of one data directory and collects every problem before failing."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.problems: list[str] = []

    def problem(self, template: str, **values: Any) -> None:
        self.problems.append(template.format(**values))

    def rows(self, name: str, columns: Iterable[str]) -> list[Row]:
        path = self.data_dir / name
        if not path.is_file():
            self.problem(REF_FILE_MISSING, file=path)
            return []
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in columns if column not in (reader.fieldnames or [])]
            if missing:
                self.problem(REF_COLUMNS_MISSING, file=name, columns=", ".join(missing))
                return []
            return [
                Row(line, {key: (value or "").strip() for key, value in row.items() if key})
                for line, row in enumerate(reader, start=2)
            ]

    def required(self, name: str, row: Row, *columns: str) -> bool:
        ok = True
        for column in columns:
            if not row[column]:
                self.problem(REF_EMPTY_VALUE, file=name, line=row.line, column=column)
                ok = False
        return ok

    def unique(self, name: str, row: Row, code: str, seen: Iterable[str]) -> bool:
        if code in seen:
            self.problem(REF_DUPLICATE_CODE, file=name, line=row.line, code=code)
            return False
        return True


def split_codes(value: str) -> list[str]:
    return [code.strip() for code in value.replace("；", ";").split(";") if code.strip()]


def read_sources(reader: Reader) -> dict[str, str]:
    return {row["file"]: row["source"] for row in reader.rows(SOURCES_FILE, ("file", "source"))}
