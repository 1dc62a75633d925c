"""Categories: the official enterprise categories file (kind, aliases, rank), names unique."""

from __future__ import annotations

from registry.models import Category
from registry.reference.files import (
    CATEGORIES_FILE,
    REF_BAD_KIND,
    REF_BAD_RANK,
    REF_DUPLICATE_NAME,
    Reader,
    ReferenceData,
    split_codes,
)


def read_categories(reader: Reader, files: ReferenceData) -> None:
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
            "aliases": split_codes(row["aliases"]),
            "rank": int(row["rank"]),
            "source": row["source"],
        }
