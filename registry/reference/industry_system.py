"""The industry system: clusters and chains (the same file format; a chain may name its cluster),
the industry codes each one lists, and the expansion of a code to itself and its descendants."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug

from registry.reference.files import (
    CHAINS_FILE,
    CLUSTERS_FILE,
    REF_BAD_CODE,
    REF_BAD_URL,
    REF_BAD_VERIFIED,
    REF_UNKNOWN_CLUSTER,
    REF_UNKNOWN_INDUSTRY,
    Reader,
    ReferenceData,
    split_codes,
)

_VERIFIED = {"yes": True, "no": False}


def read_groupings(reader: Reader, files: ReferenceData, *, chains: bool) -> None:
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
        codes = split_codes(row["industry_codes"])
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


def descendants(industries: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
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
