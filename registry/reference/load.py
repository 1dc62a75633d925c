"""`reference_data_read` (every file checked, all problems at once) and `reference_data_load`
(upsert every table and link table in one transaction), with what loading did to each table
(`TableResult`, `LoadReport`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction

from registry.models import Category, Chain, Cluster, Industry, Region
from registry.reference.categories import read_categories
from registry.reference.files import (
    DATA_DIR,
    Reader,
    ReferenceData,
    ReferenceDataError,
    read_sources,
)
from registry.reference.industries import read_industries
from registry.reference.industry_system import descendants, read_groupings
from registry.reference.regions import (
    check_region_parents,
    read_divisions,
    read_province_administered,
    read_zones,
)

_LEVEL_ORDER = {level: i for i, level in enumerate(Region.Level.values + Industry.Level.values)}


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


def reference_data_read(*, data_dir: Path = DATA_DIR) -> ReferenceData:
    """Parse and check every file; raise ReferenceDataError listing all problems."""
    reader = Reader(data_dir)
    files = ReferenceData()
    sources = read_sources(reader)
    read_divisions(reader, files, sources)
    read_zones(reader, files, sources)
    check_region_parents(reader, files)
    read_province_administered(reader, files)
    read_industries(reader, files)
    read_groupings(reader, files, chains=False)
    read_groupings(reader, files, chains=True)
    read_categories(reader, files)
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
    expanded = descendants(files.industries)
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
