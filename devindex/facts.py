"""The inputs of an index run exported from the operational database as columnar frames
(architecture invariant 6: `.values_list`, one query per table, never ORM rows one by one):

- the cells of the run's monitoring snapshot for the year (cities, counties, and the province's
  cells of each cluster and chain), in monitoring.coverage's wide form;
- the fact tables of monitoring.facts (enterprises, chains, clusters, results, diagnosis reviews);
- the result node fractions the definition's result-derived indicators read (points / maximum
  of one node of a result, from the result each assessment froze at submission).
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
from monitoring.definitions import coverage_definition
from monitoring.facts import coverage_facts_export, facts_digest
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


def result_nodes(*, content: Mapping[str, Any], year: int) -> pl.DataFrame:
    """assessment_id, node, fraction of every submitted result up to ``year`` of each (model,
    node) the definition reads (one query per pair)."""
    pairs = sorted(
        {
            (s.data.model, s.data.node)
            for s in indicator_specs(content)
            if s.data.kind == "result_mean"
        }
    )
    frames = []
    for model, node in pairs:
        rows = Assessment.objects.filter(
            status=Assessment.Status.SUBMITTED, framework__code=model, year__lte=year
        ).values_list("id", f"result__nodes__{node}__fraction")
        frame = pl.DataFrame(
            [(pk, node, _fraction(value)) for pk, value in rows],
            schema=RESULT_NODE_SCHEMA,
            orient="row",
        )
        frames.append(frame)
    return pl.concat(frames) if frames else pl.DataFrame(schema=RESULT_NODE_SCHEMA)


def _fraction(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def index_inputs_export(
    *, snapshot: CoverageSnapshot, year: int, content: Mapping[str, Any]
) -> tuple[IndexInputs, dict[str, Any]]:
    """The inputs of a run and what its method stamp records of them (hashes and counts)."""
    facts = coverage_facts_export(definition=coverage_definition())
    nodes = result_nodes(content=content, year=year)
    cells = snapshot_cells(snapshot=snapshot, year=year)
    stamp = {
        "facts_sha256": facts_digest(facts),
        "result_nodes_sha256": hashlib.sha256(
            nodes.sort("assessment_id", "node").write_csv().encode()
        ).hexdigest(),
        "enterprises": facts.enterprises.height,
        "results_submitted": facts.results.height,
        "result_node_values": nodes.height,
        "snapshot_cells": cells.height,
    }
    return IndexInputs(year=year, cells=cells, facts=facts, result_nodes=nodes), stamp
