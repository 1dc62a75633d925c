"""Open data of an index run: its values as CSV, XLSX (with a 说明 README sheet) and Parquet
(with key-value metadata), each carrying the definition, its version and hash, the snapshot
stamp, the method stamp and the values' sha256; and the canonical text that sha256 is taken of.

values_sha256 = sha256 of the UTF-8 text: the line `unit_level,unit_code,node,raw,score,rank,
rank_median,rank_p05,rank_p95,tier,imputed`, then one line per value sorted by unit_level,
unit_code and node, fields joined by commas, numbers in their shortest round-trip form (Python's
repr of the float; ranks and tiers as integers), missing values empty, imputed as true/false.
The CSV and Parquet files give back these values exactly, so anyone can check them against the
run; XLSX numbers carry 16 significant digits (the format as xlsxwriter writes it).

Text cells that a spreadsheet would run as a formula are escaped (registry.exports.cell_escape).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from typing import IO, Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from devindex.definition import definition_nodes
from devindex.models import IndexRun, IndexValue
from registry.exports import cell_escape
from registry.models import Chain, Cluster, Region

VALUE_COLUMNS = (
    "unit_level", "unit_code", "node", "raw", "score", "rank", "rank_median", "rank_p05",
    "rank_p95", "tier", "imputed",
)  # fmt: skip
FILE_COLUMNS = (
    "definition_code", "definition_version", "run_id", "year", "unit_level", "unit_code",
    "unit_name", "node", "node_name", "node_level", "raw", "score", "rank", "rank_median",
    "rank_p05", "rank_p95", "tier", "imputed",
)  # fmt: skip
FORMATS = ("csv", "xlsx", "parquet")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
XLSX_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}


def value_rows(run: IndexRun) -> list[tuple[Any, ...]]:
    """The run's values as VALUE_COLUMNS tuples, in canonical order."""
    return list(
        IndexValue.objects.filter(run=run)
        .order_by("unit_level", "unit_code", "node")
        .values_list(*VALUE_COLUMNS)
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def canonical_text(rows: Sequence[Sequence[Any]]) -> str:
    """The canonical CSV text of value rows (see the module docstring)."""
    lines = [",".join(VALUE_COLUMNS)]
    ordered = sorted(rows, key=lambda r: (str(r[0]), str(r[1]), str(r[2])))
    lines += [",".join(_text(v) for v in row) for row in ordered]
    return "\n".join(lines) + "\n"


def values_digest(run: IndexRun) -> str:
    """sha256 (hex) of the canonical text of the run's values."""
    return hashlib.sha256(canonical_text(value_rows(run)).encode("utf-8")).hexdigest()


# --- names ---------------------------------------------------------------------------------------


def unit_names(unit_level: str, codes: Sequence[str]) -> dict[str, str]:
    """Code → name of cities and counties (regions), clusters or chains."""
    model: Any = {"cluster": Cluster, "chain": Chain}.get(unit_level, Region)
    return dict(model.objects.filter(code__in=list(codes)).values_list("code", "name"))


def _file_frame(run: IndexRun) -> pl.DataFrame:
    rows = value_rows(run)
    nodes = {n["code"]: n for n in definition_nodes(run.definition.content)}
    names: dict[str, dict[str, str]] = {}
    for level in sorted({r[0] for r in rows}):
        names[level] = unit_names(level, [r[1] for r in rows if r[0] == level])
    records = []
    for row in rows:
        value = dict(zip(VALUE_COLUMNS, row, strict=True))
        node = nodes.get(value["node"], {})
        records.append(
            {
                "definition_code": run.definition.code,
                "definition_version": run.definition.version,
                "run_id": run.pk,
                "year": run.year,
                **value,
                "unit_name": names[value["unit_level"]].get(value["unit_code"], ""),
                "node_name": node.get("name", ""),
                "node_level": node.get("level"),
            }
        )
    schema: dict[str, Any] = {
        "definition_code": pl.String, "definition_version": pl.String, "run_id": pl.Int64,
        "year": pl.Int32, "unit_level": pl.String, "unit_code": pl.String,
        "unit_name": pl.String, "node": pl.String, "node_name": pl.String,
        "node_level": pl.Int32, "raw": pl.Float64, "score": pl.Float64, "rank": pl.Int64,
        "rank_median": pl.Float64, "rank_p05": pl.Float64, "rank_p95": pl.Float64,
        "tier": pl.Int32, "imputed": pl.Boolean,
    }  # fmt: skip
    return pl.DataFrame(records, schema=schema).select(FILE_COLUMNS)


def run_metadata(run: IndexRun) -> dict[str, str]:
    """What every file says about where its values come from (strings; JSON for nested data)."""
    definition = run.definition
    snapshot = run.snapshot
    return {
        "title": definition.title,
        "definition": f"{definition.code}@{definition.version}",
        "definition_sha256": definition.sha256,
        "provisional": "true" if definition.provisional else "false",
        "run_id": str(run.pk),
        "year": str(run.year),
        "published": "true" if run.published else "false",
        "published_at": run.published_at.isoformat() if run.published_at else "",
        "values_sha256": run.values_sha256 or values_digest(run),
        "snapshot_id": str(snapshot.pk),
        "snapshot_stamp": json.dumps(snapshot.stamp, ensure_ascii=False, sort_keys=True),
        "method_stamp": json.dumps(run.method_stamp, ensure_ascii=False, sort_keys=True),
        "methodology": f"/index/methodology/{definition.code}/{definition.version}/",
        "values_sha256_recipe": (
            "sha256 of the UTF-8 text: the header line "
            + ",".join(VALUE_COLUMNS)
            + " then one line per value sorted by unit_level, unit_code, node; numbers in "
            "shortest round-trip form (repr), missing values empty, imputed true/false"
        ),
    }


# --- files ---------------------------------------------------------------------------------------


def run_export(*, run: IndexRun, fmt: str, stream: IO[bytes]) -> int:
    """Write the run's values in ``fmt`` (csv, xlsx, parquet) to ``stream``; returns the rows."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    frame = _file_frame(run)
    meta = run_metadata(run)
    {"csv": _csv, "xlsx": _xlsx, "parquet": _parquet}[fmt](frame, meta, stream)
    return frame.height


def _csv(frame: pl.DataFrame, meta: Mapping[str, str], stream: IO[bytes]) -> None:
    """UTF-8 with a BOM (spreadsheets read the Chinese names); the metadata as constant columns
    (definition_sha256, snapshot_id, values_sha256) beside the value columns."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    extra = ("definition_sha256", "snapshot_id", "values_sha256")
    writer.writerow([*frame.columns, *extra])
    for row in frame.iter_rows():
        cells = [cell_escape(v) if isinstance(v, str) else _text(v) for v in row]
        writer.writerow([*cells, *(meta[k] for k in extra)])
    stream.write(text.getvalue().encode("utf-8-sig"))


def _xlsx(frame: pl.DataFrame, meta: Mapping[str, str], stream: IO[bytes]) -> None:
    workbook = xlsxwriter.Workbook(stream, XLSX_OPTIONS)
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet("指数值")
    sheet.write_row(0, 0, list(frame.columns), bold)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, cell_escape(value))
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            else:
                sheet.write_number(r, c, value)
    sheet.freeze_panes(1, 0)
    readme = workbook.add_worksheet("说明")
    readme.set_column(0, 0, 24)
    readme.set_column(1, 1, 120)
    readme.write_row(0, 0, ["key", "value"], bold)
    for r, (key, value) in enumerate(meta.items(), start=1):
        readme.write_string(r, 0, key)
        readme.write_string(r, 1, cell_escape(value))
    workbook.close()


def _parquet(frame: pl.DataFrame, meta: Mapping[str, str], stream: IO[bytes]) -> None:
    table = frame.to_arrow()
    schema_meta = dict(table.schema.metadata or {})
    schema_meta.update({f"zhigai.{k}".encode(): v.encode("utf-8") for k, v in meta.items()})
    table = table.replace_schema_metadata(schema_meta)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    stream.write(sink.getvalue().to_pybytes())
