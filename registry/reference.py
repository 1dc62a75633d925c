"""Load the reference tables (regions, industries, clusters, chains, categories) from the data files
in `registry/data/` (see its README for the source and date of each file).

`reference_data_load` reads and checks every file first and writes nothing when a file is wrong
(`ReferenceDataError` lists every problem with file and line). It then upserts in one transaction:
rows are matched by code, created when new, updated when a field differs and left alone otherwise,
so a second run changes nothing. Rows in the database that the files no longer list are counted as
"stale"; `prune=True` deletes stale clusters and chains (regions, industries and categories are
never deleted: enterprises and users point at them).

Coverage: a cluster or chain lists GB/T 4754 codes of any level; loading expands each code to the
code and all its descendants, so `Enterprise.objects.in_chain(chain)` matches an enterprise's 小类
exactly.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import models, transaction

from registry.models import Category, Chain, Cluster, Industry, Region

DATA_DIR = Path(__file__).resolve().parent / "data"

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

INDUSTRY_LEVELS = {
    "门类": Industry.Level.SECTION,
    "大类": Industry.Level.DIVISION,
    "中类": Industry.Level.GROUP,
    "小类": Industry.Level.CLASS,
}
_INDUSTRY_PARENT_LEVEL = {
    Industry.Level.DIVISION: Industry.Level.SECTION,
    Industry.Level.GROUP: Industry.Level.DIVISION,
    Industry.Level.CLASS: Industry.Level.GROUP,
}
_INDUSTRY_CODE_LENGTH = {
    Industry.Level.SECTION: 1,
    Industry.Level.DIVISION: 2,
    Industry.Level.GROUP: 3,
    Industry.Level.CLASS: 4,
}
_REGION_KINDS: dict[str, set[str]] = {
    Region.Level.PROVINCE: {Region.Kind.PROVINCE},
    Region.Level.CITY: {Region.Kind.PREFECTURE_CITY},
    Region.Level.COUNTY: {Region.Kind.DISTRICT, Region.Kind.COUNTY, Region.Kind.COUNTY_CITY},
    Region.Level.ZONE: {
        Region.Kind.FUNCTIONAL_ZONE,
        Region.Kind.DEVELOPMENT_ZONE,
        Region.Kind.PARK,
    },
}
_REGION_PARENT_LEVELS: dict[str, set[str]] = {
    Region.Level.PROVINCE: set(),
    Region.Level.CITY: {Region.Level.PROVINCE},
    Region.Level.COUNTY: {Region.Level.CITY},
    Region.Level.ZONE: {Region.Level.CITY, Region.Level.COUNTY},
}
_LEVEL_ORDER = {level: i for i, level in enumerate(Region.Level.values + Industry.Level.values)}
_VERIFIED = {"yes": True, "no": False}
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
class TableResult:
    """What loading did to one table (or link table)."""

    name: str
    in_files: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    stale: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.removed


@dataclass
class LoadReport:
    tables: list[TableResult]

    def __getitem__(self, name: str) -> TableResult:
        return next(table for table in self.tables if table.name == name)

    @property
    def changed(self) -> int:
        return sum(table.changed for table in self.tables)


@dataclass
class _Row:
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


class _Reader:
    """Reads the files of one data directory and collects every problem before failing."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.problems: list[str] = []

    def problem(self, template: str, **values: Any) -> None:
        self.problems.append(template.format(**values))

    def rows(self, name: str, columns: Iterable[str]) -> list[_Row]:
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
                _Row(line, {key: (value or "").strip() for key, value in row.items() if key})
                for line, row in enumerate(reader, start=2)
            ]

    def required(self, name: str, row: _Row, *columns: str) -> bool:
        ok = True
        for column in columns:
            if not row[column]:
                self.problem(REF_EMPTY_VALUE, file=name, line=row.line, column=column)
                ok = False
        return ok

    def unique(self, name: str, row: _Row, code: str, seen: Iterable[str]) -> bool:
        if code in seen:
            self.problem(REF_DUPLICATE_CODE, file=name, line=row.line, code=code)
            return False
        return True


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.replace("；", ";").split(";") if code.strip()]


def _read_sources(reader: _Reader) -> dict[str, str]:
    return {row["file"]: row["source"] for row in reader.rows(SOURCES_FILE, ("file", "source"))}


def _read_divisions(reader: _Reader, files: ReferenceData, sources: dict[str, str]) -> None:
    name = DIVISIONS_FILE
    source = sources.get(name, "")
    if not source:
        reader.problem(REF_NO_SOURCE, file=name)
    rows = reader.rows(name, ("code", "name", "level", "kind", "parent_code"))
    for row in rows:
        if not reader.required(name, row, "code", "name", "level", "kind"):
            continue
        code, level, kind = row["code"], row["level"], row["kind"]
        if not reader.unique(name, row, code, files.regions):
            continue
        if level not in _REGION_KINDS or level == Region.Level.ZONE:
            reader.problem(REF_BAD_LEVEL, file=name, line=row.line, value=level)
            continue
        if kind not in _REGION_KINDS[level]:
            reader.problem(REF_BAD_KIND, file=name, line=row.line, value=kind)
            continue
        files.regions[code] = {
            "code": code,
            "name": row["name"],
            "level": level,
            "kind": kind,
            "parent_id": row["parent_code"] or None,
            "province_administered": False,
            "source": source,
            "_line": (name, row.line),
        }


def _read_zones(reader: _Reader, files: ReferenceData, sources: dict[str, str]) -> None:
    name = ZONES_FILE
    for row in reader.rows(name, ("code", "name", "kind", "parent_code", "source")):
        if not reader.required(name, row, "code", "name", "kind", "parent_code"):
            continue
        code = row["code"]
        if not reader.unique(name, row, code, files.regions):
            continue
        if row["kind"] not in _REGION_KINDS[Region.Level.ZONE]:
            reader.problem(REF_BAD_KIND, file=name, line=row.line, value=row["kind"])
            continue
        files.regions[code] = {
            "code": code,
            "name": row["name"],
            "level": Region.Level.ZONE,
            "kind": row["kind"],
            "parent_id": row["parent_code"],
            "province_administered": False,
            "source": row["source"] or sources.get(name, ""),
            "_line": (name, row.line),
        }


def _check_region_parents(reader: _Reader, files: ReferenceData) -> None:
    for region in files.regions.values():
        parent = files.regions.get(region["parent_id"] or "")
        allowed = _REGION_PARENT_LEVELS[region["level"]]
        ok = parent is None if not allowed else parent is not None and parent["level"] in allowed
        if not ok:
            file, line = region["_line"]
            reader.problem(REF_UNKNOWN_PARENT, file=file, line=line, code=region["parent_id"])


def _read_province_administered(reader: _Reader, files: ReferenceData) -> None:
    name = PROVINCE_ADMINISTERED_FILE
    for row in reader.rows(name, ("code", "name", "source")):
        if not reader.required(name, row, "code", "source"):
            continue
        region = files.regions.get(row["code"])
        if region is None or region["level"] != Region.Level.COUNTY:
            reader.problem(REF_NOT_A_COUNTY, file=name, line=row.line, code=row["code"])
        elif row["name"] and row["name"] != region["name"]:
            reader.problem(REF_NAME_MISMATCH, file=name, line=row.line, name=row["name"])
        else:
            region["province_administered"] = True


def _read_industries(reader: _Reader, files: ReferenceData) -> None:
    name = INDUSTRIES_FILE
    for row in reader.rows(name, ("code", "name", "level", "parent_code")):
        if not reader.required(name, row, "code", "name", "level"):
            continue
        code, level = row["code"], INDUSTRY_LEVELS.get(row["level"])
        if not reader.unique(name, row, code, files.industries):
            continue
        if level is None:
            reader.problem(REF_BAD_LEVEL, file=name, line=row.line, value=row["level"])
            continue
        if len(code) != _INDUSTRY_CODE_LENGTH[level] or (
            level != Industry.Level.SECTION and not code.isdigit()
        ):
            reader.problem(REF_BAD_CODE, file=name, line=row.line, code=code)
            continue
        files.industries[code] = {
            "code": code,
            "name": row["name"],
            "level": level,
            "parent_id": row["parent_code"] or None,
            "_line": (name, row.line),
        }
    for industry in files.industries.values():
        parent = files.industries.get(industry["parent_id"] or "")
        expected = _INDUSTRY_PARENT_LEVEL.get(industry["level"])
        ok = parent is None if expected is None else parent is not None
        if ok and parent is not None:
            ok = parent["level"] == expected and (
                expected == Industry.Level.SECTION or industry["code"].startswith(parent["code"])
            )
        if not ok:
            file, line = industry["_line"]
            reader.problem(REF_UNKNOWN_PARENT, file=file, line=line, code=industry["parent_id"])


def _read_groupings(reader: _Reader, files: ReferenceData, *, chains: bool) -> None:
    """clusters.csv and chains.csv share a format; chains have a cluster_code column."""
    name = CHAINS_FILE if chains else CLUSTERS_FILE
    first = ("code", "name", "cluster_code") if chains else ("code", "name", "list")
    columns = (*first, "verified", "source_url", "source_date", "note", "industry_codes")
    target = files.chains if chains else files.clusters
    coverage = files.chain_codes if chains else files.cluster_codes
    url = URLValidator()
    for row in reader.rows(name, (*columns, "coverage_source")):
        if not reader.required(name, row, *columns[:2]) or not reader.unique(
            name, row, row["code"], target
        ):
            continue
        problems = len(reader.problems)
        try:
            validate_slug(row["code"])
        except ValidationError:
            reader.problem(REF_BAD_CODE, file=name, line=row.line, code=row["code"])
        if row["verified"] not in _VERIFIED:
            reader.problem(REF_BAD_VERIFIED, file=name, line=row.line)
        if row["source_url"]:
            try:
                url(row["source_url"])
            except ValidationError:
                reader.problem(REF_BAD_URL, file=name, line=row.line, value=row["source_url"])
        codes = _codes(row["industry_codes"])
        for code in codes:
            if code not in files.industries:
                reader.problem(REF_UNKNOWN_INDUSTRY, file=name, line=row.line, code=code)
        if chains and row["cluster_code"] and row["cluster_code"] not in files.clusters:
            reader.problem(REF_UNKNOWN_CLUSTER, file=name, line=row.line, code=row["cluster_code"])
        if len(reader.problems) > problems:
            continue
        note = row["note"]
        if row["coverage_source"]:
            note = f"{note}\n行业覆盖 (coverage): {row['coverage_source']}".strip()
        values = {
            "code": row["code"],
            "name": row["name"],
            "verified": _VERIFIED[row["verified"]],
            "source_url": row["source_url"],
            "source_date": row["source_date"],
            "note": note,
        }
        if chains:
            values["cluster_id"] = row["cluster_code"] or None
        else:
            values["source_list"] = row["list"]
        target[row["code"]] = values
        coverage[row["code"]] = codes


def _read_categories(reader: _Reader, files: ReferenceData) -> None:
    name = CATEGORIES_FILE
    names: set[str] = set()
    for row in reader.rows(name, ("code", "name", "kind", "aliases", "rank", "source")):
        if not reader.required(name, row, "code", "name", "kind") or not reader.unique(
            name, row, row["code"], files.categories
        ):
            continue
        if row["kind"] not in Category.Kind.values:
            reader.problem(REF_BAD_KIND, file=name, line=row.line, value=row["kind"])
            continue
        if not row["rank"].isdigit():
            reader.problem(REF_BAD_RANK, file=name, line=row.line, value=row["rank"])
            continue
        if row["name"] in names:
            reader.problem(REF_DUPLICATE_NAME, file=name, line=row.line, name=row["name"])
            continue
        names.add(row["name"])
        files.categories[row["code"]] = {
            "code": row["code"],
            "name": row["name"],
            "kind": row["kind"],
            "aliases": _codes(row["aliases"]),
            "rank": int(row["rank"]),
            "source": row["source"],
        }


def reference_data_read(*, data_dir: Path = DATA_DIR) -> ReferenceData:
    """Parse and check every file; raise ReferenceDataError listing all problems."""
    reader = _Reader(data_dir)
    files = ReferenceData()
    sources = _read_sources(reader)
    _read_divisions(reader, files, sources)
    _read_zones(reader, files, sources)
    _check_region_parents(reader, files)
    _read_province_administered(reader, files)
    _read_industries(reader, files)
    _read_groupings(reader, files, chains=False)
    _read_groupings(reader, files, chains=True)
    _read_categories(reader, files)
    if reader.problems:
        raise ReferenceDataError(reader.problems)
    return files


def _upsert(
    model: type[models.Model], name: str, rows: dict[str, dict[str, Any]], order: Any = None
) -> TableResult:
    """Create new rows, update rows whose fields differ, count rows the files no longer list."""
    result = TableResult(name=name, in_files=len(rows))
    existing = {obj.pk: obj for obj in model._default_manager.all()}
    new: list[models.Model] = []
    changed: list[models.Model] = []
    fields: set[str] = set()
    for code in sorted(rows, key=order) if order else rows:
        values = {key: value for key, value in rows[code].items() if not key.startswith("_")}
        obj = existing.get(code)
        if obj is None:
            new.append(model(**values))
            continue
        diff = [key for key, value in values.items() if getattr(obj, key) != value]
        if not diff:
            result.unchanged += 1
            continue
        for key in diff:
            setattr(obj, key, values[key])
        fields.update(diff)
        changed.append(obj)
    model._default_manager.bulk_create(new, batch_size=500)
    if changed:
        update_fields = [model._meta.get_field(key).name for key in sorted(fields)]
        model._default_manager.bulk_update(changed, update_fields, batch_size=500)
    result.created, result.updated = len(new), len(changed)
    result.stale = len(set(existing) - set(rows))
    return result


def _descendants(industries: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Each industry code with itself and every code below it."""
    children: dict[str, list[str]] = defaultdict(list)
    for code, industry in industries.items():
        if industry["parent_id"]:
            children[industry["parent_id"]].append(code)
    expanded: dict[str, list[str]] = {}

    def walk(code: str) -> list[str]:
        if code not in expanded:
            expanded[code] = [code] + [c for child in children[code] for c in walk(child)]
        return expanded[code]

    for code in industries:
        walk(code)
    return expanded


def _sync_links(
    through: type[models.Model],
    owner: str,
    name: str,
    owners: Iterable[str],
    wanted: set[tuple[str, str]],
) -> TableResult:
    """Make the links of `owners` (the codes in the files) equal `wanted` (pairs of owner code,
    industry code). Links of owners the files do not list (stale rows) are left alone."""
    owner_field = f"{owner}_id"
    rows = through._default_manager.filter(**{f"{owner_field}__in": list(owners)})
    existing = set(rows.values_list(owner_field, "industry_id"))
    add = sorted(wanted - existing)
    remove = existing - wanted
    through._default_manager.bulk_create(
        [through(**{owner_field: o, "industry_id": i}) for o, i in add], batch_size=1000
    )
    by_owner: dict[str, list[str]] = defaultdict(list)
    for o, i in remove:
        by_owner[o].append(i)
    for o, codes in sorted(by_owner.items()):
        through._default_manager.filter(**{owner_field: o, "industry_id__in": codes}).delete()
    return TableResult(
        name=name,
        in_files=len(wanted),
        created=len(add),
        removed=len(remove),
        unchanged=len(wanted & existing),
    )


def _prune(model: type[models.Model], result: TableResult, codes: Iterable[str]) -> None:
    stale = model._default_manager.exclude(pk__in=list(codes))
    result.removed = stale.count()
    stale.delete()
    result.stale = 0


@transaction.atomic
def reference_data_load(*, data_dir: Path = DATA_DIR, prune: bool = False) -> LoadReport:
    """Check the files in `data_dir`, then upsert every reference table in one transaction."""
    files = reference_data_read(data_dir=data_dir)
    regions = _upsert(
        Region,
        "regions",
        files.regions,
        order=lambda code: (_LEVEL_ORDER[files.regions[code]["level"]], code),
    )
    regions.extra = {
        level: sum(r["level"] == level for r in files.regions.values())
        for level in Region.Level.values
    }
    regions.extra["province_administered"] = sum(
        r["province_administered"] for r in files.regions.values()
    )
    industries = _upsert(
        Industry,
        "industries",
        files.industries,
        order=lambda code: (_LEVEL_ORDER[files.industries[code]["level"]], code),
    )
    clusters = _upsert(Cluster, "clusters", files.clusters)
    chains = _upsert(Chain, "chains", files.chains)
    if prune:
        _prune(Chain, chains, files.chains)
        _prune(Cluster, clusters, files.clusters)
    for table, rows in ((clusters, files.clusters), (chains, files.chains)):
        table.extra = {"verified": sum(r["verified"] for r in rows.values())}
    categories = _upsert(Category, "categories", files.categories)
    # Free tags are made by users and programs, not by the files: only official ones can be stale.
    official = Category.objects.filter(kind=Category.Kind.OFFICIAL)
    categories.stale = official.exclude(code__in=list(files.categories)).count()
    expanded = _descendants(files.industries)
    cluster_links = _sync_links(
        Cluster.industries.through,
        "cluster",
        "cluster industries",
        files.clusters,
        {(o, c) for o, codes in files.cluster_codes.items() for x in codes for c in expanded[x]},
    )
    chain_links = _sync_links(
        Chain.industries.through,
        "chain",
        "chain industries",
        files.chains,
        {(o, c) for o, codes in files.chain_codes.items() for x in codes for c in expanded[x]},
    )
    return LoadReport(
        [regions, industries, clusters, chains, categories, cluster_links, chain_links]
    )
