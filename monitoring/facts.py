"""The fact tables of a coverage computation, exported from the operational database with
`.values_list` into Polars frames (architecture invariant 6: analytics reads columnar facts, never
ORM rows one by one). One query per table; nothing here counts or decides — monitoring/coverage.py
does, on these frames.

- enterprises: id, city, county, zone, industry;
- categories: the registry category rows of the categories the populations use (every year);
- chains (with their cluster), chain and cluster industries, explicit chain links;
- results: every submitted assessment (any model): id, enterprise, model code, pinned version,
  评估年度, level rank, submission time, kind (self / diagnosis);
- sections and reviews of submitted diagnoses (a diagnosis counts once every section is confirmed);
- level_ranks: level code → rank (1, 2, … in the order of `levels`) of every non-draft version of
  the models the metrics name, read from the versions' definitions (frameworks app);
- recognitions: recognised applications of the application types the metrics name, with their
  认定年度 (certificate year).

All tables are read in one transaction (`consistent_read`): on PostgreSQL REPEATABLE READ, READ
ONLY, so every table shows the same moment even while submissions commit. A computed snapshot
freezes the tables it used as Parquet files (`facts_freeze`, one file per table under
settings.COVERAGE_FACTS_DIR/<snapshot id>/, each with its sha256 in the snapshot's stamp);
index runs read them back (`snapshot_facts_read`), so a run sees exactly its snapshot's data.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from assessments.models import Assessment, SectionReview
from frameworks.models import FrameworkVersion
from monitoring.coverage import SCHEMAS, CoverageFacts, frame
from monitoring.definitions import CoverageDefinition
from monitoring.models import CoverageSnapshot
from recognition.models import Application
from registry.models import Chain, Cluster, Enterprise, EnterpriseCategory, EnterpriseChain, Region

DEFAULT_PROVINCE = "32"
FACTS_FORMAT = "parquet"
SNAPSHOT_FACTS_MISSING = (
    "覆盖率快照 #{pk} 没有保存计算所用的数据文件（较早的快照或文件已删除），"
    "请先重新计算覆盖率快照，再计算指数 "
    "(Coverage snapshot #{pk} has no stored fact files (an older snapshot, or the files were "
    "removed): compute a new coverage snapshot, then run the index again)"
)
SNAPSHOT_FACTS_CHANGED = (
    "覆盖率快照 #{pk} 的数据文件 {table} 与记录的校验值不符，请重新计算覆盖率快照 "
    "(The fact file {table} of coverage snapshot #{pk} does not match its recorded sha256: "
    "compute a new coverage snapshot)"
)


def _rows(queryset: Any) -> list[tuple[Any, ...]]:
    return list(queryset)


def _province_code() -> str:
    code = Region.objects.filter(level=Region.Level.PROVINCE).values_list("code", flat=True).first()
    return code or DEFAULT_PROVINCE


def _sections() -> list[tuple[int, str]]:
    """(diagnosis id, section) for every section of every submitted diagnosis: the sections are
    the keys of its dimension scores, as in assessments.selectors.diagnosis_is_confirmed."""
    diagnoses = Assessment.objects.filter(
        kind=Assessment.Kind.DIAGNOSIS, status=Assessment.Status.SUBMITTED
    ).values_list("id", "dimension_scores")
    return [(pk, str(code)) for pk, scores in diagnoses for code in (scores or {})]


def _level_ranks(frameworks: set[str]) -> list[tuple[int, str, int]]:
    versions = (
        FrameworkVersion.objects.filter(framework__code__in=sorted(frameworks))
        .exclude(status=FrameworkVersion.Status.DRAFT)
        .values_list("pk", "definition")
    )
    return [
        (pk, str(level["code"]), rank)
        for pk, definition in versions
        for rank, level in enumerate(definition.get("levels", []), start=1)
    ]


@contextmanager
def consistent_read() -> Iterator[None]:
    """One transaction for every read inside it. On PostgreSQL it is REPEATABLE READ, READ ONLY:
    every query sees the database as of the first one, whatever commits meanwhile. On SQLite the
    reads of one connection inside one transaction already see one state. Inside a transaction
    the caller opened, its isolation applies (it cannot be changed after its first query)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def coverage_facts_export(*, definition: CoverageDefinition) -> CoverageFacts:
    """Every fact table the computation of `definition` reads (one query each), all read in
    one consistent transaction (`consistent_read`)."""
    with consistent_read():
        return _export(definition)


def _export(definition: CoverageDefinition) -> CoverageFacts:
    categories = sorted({p.category for p in definition.populations if p.category})
    frameworks = {m.framework for m in definition.metrics if m.framework}
    types = sorted({m.application_type for m in definition.metrics if m.application_type})
    submitted = Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
    reviews = SectionReview.objects.filter(
        assessment__kind=Assessment.Kind.DIAGNOSIS, assessment__status=Assessment.Status.SUBMITTED
    )
    return CoverageFacts(
        province=_province_code(),
        enterprises=frame(
            "enterprises",
            _rows(
                Enterprise.objects.values_list(
                    "id", "city_id", "county_id", "zone_id", "industry_id"
                )
            ),
        ),
        categories=frame(
            "categories",
            _rows(
                EnterpriseCategory.objects.filter(category_id__in=categories).values_list(
                    "enterprise_id", "category_id", "year"
                )
            ),
        ),
        chains=frame("chains", _rows(Chain.objects.values_list("code", "cluster_id"))),
        chain_industries=frame(
            "chain_industries",
            _rows(Chain.industries.through.objects.values_list("chain_id", "industry_id")),
        ),
        chain_links=frame(
            "chain_links", _rows(EnterpriseChain.objects.values_list("enterprise_id", "chain_id"))
        ),
        cluster_industries=frame(
            "cluster_industries",
            _rows(Cluster.industries.through.objects.values_list("cluster_id", "industry_id")),
        ),
        results=frame(
            "results",
            _rows(
                submitted.values_list(
                    "id",
                    "enterprise_id",
                    "framework__code",
                    "framework_version_id",
                    "year",
                    "level_rank",
                    "submitted_at",
                    "kind",
                )
            ),
        ),
        sections=frame("sections", _sections()),  # type: ignore[arg-type]
        reviews=frame(
            "reviews", _rows(reviews.values_list("assessment_id", "section", "decision"))
        ),
        level_ranks=frame("level_ranks", _level_ranks(frameworks)),  # type: ignore[arg-type]
        recognitions=frame(
            "recognitions",
            _rows(
                Application.objects.filter(
                    status=Application.Status.RECOGNISED, type__in=types
                ).values_list("enterprise_id", "type", "certificate_year")
            ),
        ),
    )


def facts_digest(facts: CoverageFacts) -> str:
    """sha256 over every fact table, each sorted on all its columns and written as CSV: the same
    data gives the same digest whatever order the database returned it in."""
    digest = hashlib.sha256(facts.province.encode())
    for name, table in facts.frames().items():
        digest.update(name.encode())
        digest.update(table.sort(list(SCHEMAS[name])).write_csv().encode())
    return digest.hexdigest()


def facts_counts(facts: CoverageFacts, valid: pl.DataFrame) -> dict[str, Any]:
    """What the stamp records of the inputs."""
    latest = facts.results.get_column("submitted_at").max()
    return {
        "enterprises": facts.enterprises.height,
        "category_rows": facts.categories.height,
        "results_submitted": facts.results.height,
        "results_valid": valid.height,
        "diagnoses_not_confirmed": facts.results.filter(pl.col("kind") == "diagnosis").height
        - valid.filter(pl.col("kind") == "diagnosis").height,
        "recognitions": facts.recognitions.height,
        "latest_submission": latest.isoformat() if latest is not None else None,  # type: ignore[union-attr]
    }


# --- frozen facts of a snapshot -------------------------------------------------------------------


def facts_root() -> Path:
    return Path(settings.COVERAGE_FACTS_DIR)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tables_sha256(tables: Mapping[str, Mapping[str, Any]]) -> str:
    """One sha256 over the per-table file hashes (table name and hash, by name)."""
    text = "".join(f"{name}:{tables[name]['sha256']}\n" for name in sorted(tables))
    return hashlib.sha256(text.encode()).hexdigest()


def facts_freeze(facts: CoverageFacts, *, snapshot_id: int) -> dict[str, Any]:
    """Write every fact table as <COVERAGE_FACTS_DIR>/<snapshot_id>/<table>.parquet and return
    what the snapshot's stamp records of them: the directory (relative to COVERAGE_FACTS_DIR),
    the province, and per table its file, rows and sha256, and one sha256 over those. The files
    are written to a temporary directory first and then moved into place, so the directory is
    either complete or absent (an earlier directory of the same id is replaced)."""
    root = facts_root()
    root.mkdir(parents=True, exist_ok=True)
    final = root / str(snapshot_id)
    staging = Path(tempfile.mkdtemp(prefix=f".{snapshot_id}-", dir=root))
    try:
        tables: dict[str, dict[str, Any]] = {}
        for name, table in facts.frames().items():
            path = staging / f"{name}.{FACTS_FORMAT}"
            table.write_parquet(path, statistics=False)
            tables[name] = {
                "file": path.name,
                "rows": table.height,
                "sha256": _file_sha256(path),
            }
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {
        "format": FACTS_FORMAT,
        "dir": final.relative_to(root).as_posix(),
        "province": facts.province,
        "tables": tables,
        "sha256": _tables_sha256(tables),
    }


def facts_remove(*, snapshot_id: int) -> None:
    """Remove a snapshot's fact files (a failed or pruned snapshot); nothing when absent."""
    shutil.rmtree(facts_root() / str(snapshot_id), ignore_errors=True)


def snapshot_facts_read(*, snapshot: CoverageSnapshot) -> tuple[CoverageFacts, dict[str, Any]]:
    """The fact tables a computed snapshot froze, each file checked against the sha256 in its
    stamp, and that record. Raises ValidationError (bilingual) when the snapshot has no stored
    facts (an older snapshot, or its files were removed) or a file does not match."""
    record = (snapshot.stamp or {}).get("facts") or {}
    tables = record.get("tables") or {}
    root = facts_root().resolve()
    directory = (root / str(record.get("dir", ""))).resolve()
    inside = directory.parent == root  # never read outside COVERAGE_FACTS_DIR, whatever the stamp
    if not inside or set(tables) != set(SCHEMAS) or not directory.is_dir():
        raise ValidationError(SNAPSHOT_FACTS_MISSING.format(pk=snapshot.pk))
    frames: dict[str, pl.DataFrame] = {}
    for name, schema in SCHEMAS.items():
        path = (directory / str(tables[name]["file"])).resolve()
        if path.parent != directory or not path.is_file():
            raise ValidationError(SNAPSHOT_FACTS_MISSING.format(pk=snapshot.pk))
        if _file_sha256(path) != tables[name]["sha256"]:
            raise ValidationError(SNAPSHOT_FACTS_CHANGED.format(pk=snapshot.pk, table=name))
        frames[name] = pl.read_parquet(path).select(
            pl.col(column).cast(dtype) for column, dtype in schema.items()
        )
    facts = CoverageFacts(province=str(record["province"]), **frames)
    return facts, dict(record)
