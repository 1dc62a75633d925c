"""Regions: the divisions file (province, cities, counties), the zones file, the parent of every
region, and the counties the province administers directly."""

from __future__ import annotations

from registry.models import Region
from registry.reference.files import (
    DIVISIONS_FILE,
    PROVINCE_ADMINISTERED_FILE,
    REF_BAD_KIND,
    REF_BAD_LEVEL,
    REF_NAME_MISMATCH,
    REF_NO_SOURCE,
    REF_NOT_A_COUNTY,
    REF_UNKNOWN_PARENT,
    ZONES_FILE,
    Reader,
    ReferenceData,
)

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


def read_divisions(reader: Reader, files: ReferenceData, sources: dict[str, str]) -> None:
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


def read_zones(reader: Reader, files: ReferenceData, sources: dict[str, str]) -> None:
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


def check_region_parents(reader: Reader, files: ReferenceData) -> None:
    for region in files.regions.values():
        parent = files.regions.get(region["parent_id"] or "")
        allowed = _REGION_PARENT_LEVELS[region["level"]]
        ok = parent is None if not allowed else parent is not None and parent["level"] in allowed
        if not ok:
            file, line = region["_line"]
            reader.problem(REF_UNKNOWN_PARENT, file=file, line=line, code=region["parent_id"])


def read_province_administered(reader: Reader, files: ReferenceData) -> None:
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
