"""Industries: the GB/T 4754-2017 manufacturing file (门类, 大类, 中类, 小类), with code lengths
and parents checked level by level."""

from __future__ import annotations

from registry.models import Industry
from registry.reference.files import (
    INDUSTRIES_FILE,
    REF_BAD_CODE,
    REF_BAD_LEVEL,
    REF_UNKNOWN_PARENT,
    Reader,
    ReferenceData,
)

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


def read_industries(reader: Reader, files: ReferenceData) -> None:
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
