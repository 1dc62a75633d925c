"""The inputs of an index run as columnar frames (architecture invariant 6), all of one point in
time — the moment the run's coverage snapshot read the operational database:

- the cells of the run's monitoring snapshot for the year (cities, counties, and the province's
  cells of each cluster and chain), in monitoring.coverage's wide form;
- the fact tables the snapshot froze as Parquet files (monitoring.facts.snapshot_facts_read:
  enterprises, chains, clusters, results, diagnosis reviews), not the live database, so which
  enterprises belong to a unit and which results count are those of the snapshot;
- the result node fractions the definition's result-derived indicators read (points / maximum
  of one node of a result), read live with `.values_list` but kept only for the results in the
  snapshot's facts: a submitted result never changes (a database trigger refuses it), so these
  are the values the snapshot saw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import polars as pl
from django.db.models import Q

from assessments.models import Assessment
from devindex.compute import RESULT_NODE_SCHEMA, IndexInputs
from devindex.definition import indicator_specs
from monitoring.coverage import CELL_KEYS, numerator_column
from monitoring.facts import snapshot_facts_read
from monitoring.models import CoverageCell, CoverageSnapshot


def snapshot_cells(*, snapshot: CoverageSnapshot, year: int) -> pl.DataFrame:
    """The snapshot's cells of the unit levels for ``year``: CELL_KEYS plus one
    ``n:<population>:<metric>`` count per population and metric."""
    Level, Kind = CoverageCell.RegionLevel, CoverageCell.GroupKind
    rows = CoverageCell.objects.filter(snapshot=snapshot, year=year).filter(
        Q(region_level__in=[Level.CITY, Level.COUNTY], group_kind=Kind.ALL)
        | Q(region_level=Level.PROVINCE, group_kind__in=[Kind.CLUSTER, Kind.CHAIN])
    )
    records = [
        dict(zip(CELL_KEYS, key, strict=True)) | _counts(figures)
        for *key, figures in rows.values_list(*CELL_KEYS, "figures")
    ]
    schema: dict[str, Any] = {
        "year": pl.Int32,
        "region_level": pl.String,
        "region_code": pl.String,
        "group_kind": pl.String,
        "group_code": pl.String,
    }
    counts = sorted({k for record in records for k in record} - set(schema))
    schema |= dict.fromkeys(counts, pl.Int64)
    return pl.DataFrame(records, schema=schema)


def _counts(figures: Mapping[str, Mapping[str, list[int]]]) -> dict[str, int]:
    return {
        numerator_column(population, metric): int(pair[0])
        for population, metrics in (figures or {}).items()
        for metric, pair in metrics.items()
    }


def result_nodes(
    *, content: Mapping[str, Any], year: int, results: pl.DataFrame
) -> tuple[pl.DataFrame, int]:
    """assessment_id, node, fraction of the results in ``results`` (the snapshot's results fact
    table) up to ``year`` of each (model, node) the definition reads, and how many of those
    results the database no longer holds. One query per pair, narrowed by model and year; rows
    of results that are not in ``results`` (submitted after the snapshot) are dropped."""
    pairs = sorted(
        {
            (s.data.model, s.data.node)
            for s in indicator_specs(content)
            if s.data.kind == "result_mean"
        }
    )
    frames, missing = [], 0
    for model, node in pairs:
        wanted = results.filter(
            (pl.col("framework") == model) & (pl.col("year") <= year)
        ).get_column("id")
        rows = Assessment.objects.filter(
            status=Assessment.Status.SUBMITTED, framework__code=model, year__lte=year
        ).values_list("id", f"result__nodes__{node}__fraction")
        frame = pl.DataFrame(
            [(pk, node, _fraction(value)) for pk, value in rows],
            schema=RESULT_NODE_SCHEMA,
            orient="row",
        ).filter(pl.col("assessment_id").is_in(wanted.implode()))
        missing += wanted.n_unique() - frame.height
        frames.append(frame)
    nodes = pl.concat(frames) if frames else pl.DataFrame(schema=RESULT_NODE_SCHEMA)
    return nodes, missing


def _fraction(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def index_inputs_export(
    *, snapshot: CoverageSnapshot, year: int, content: Mapping[str, Any]
) -> tuple[IndexInputs, dict[str, Any]]:
    """The inputs of a run and what its method stamp records of them (hashes and counts).
    Raises ValidationError when the snapshot has no stored facts (an older snapshot) or a fact
    file does not match its recorded sha256."""
    facts, record = snapshot_facts_read(snapshot=snapshot)
    nodes, missing = result_nodes(content=content, year=year, results=facts.results)
    cells = snapshot_cells(snapshot=snapshot, year=year)
    stamp = {
        "facts_source": "snapshot",
        "snapshot_facts_sha256": record["sha256"],
        "facts_sha256": (snapshot.stamp or {}).get("facts_sha256"),
        "result_nodes_sha256": hashlib.sha256(
            nodes.sort("assessment_id", "node").write_csv().encode()
        ).hexdigest(),
        "enterprises": facts.enterprises.height,
        "results_submitted": facts.results.height,
        "result_node_values": nodes.height,
        "result_nodes_missing": missing,
        "snapshot_cells": cells.height,
    }
    return IndexInputs(year=year, cells=cells, facts=facts, result_nodes=nodes), stamp
