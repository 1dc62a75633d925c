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
"""

from __future__ import annotations

import hashlib
from typing import Any

import polars as pl

from assessments.models import Assessment, SectionReview
from frameworks.models import FrameworkVersion
from monitoring.coverage import SCHEMAS, CoverageFacts, frame
from monitoring.definitions import CoverageDefinition
from recognition.models import Application
from registry.models import Chain, Cluster, Enterprise, EnterpriseCategory, EnterpriseChain, Region

DEFAULT_PROVINCE = "32"


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


def coverage_facts_export(*, definition: CoverageDefinition) -> CoverageFacts:
    """Every fact table the computation of `definition` reads (one query each)."""
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
