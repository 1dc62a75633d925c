"""Plain factories for monitoring tests: small model versions with the level codes the coverage
metrics read, results written as submitted rows with a chosen level, diagnoses with their section
reviews, recognised applications, and snapshots with cells."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from accounts.models import User
from assessments.models import Assessment, ProviderAssignment, SectionReview
from frameworks.models import Framework, FrameworkVersion
from monitoring.definitions import coverage_definition
from monitoring.facts import coverage_facts_export, facts_digest, facts_freeze
from monitoring.models import CoverageCell, CoverageSnapshot
from recognition.models import Application
from registry.models import Enterprise

SF_LEVELS = ["WORKSHOP", "BASIC", "ADVANCED", "EXCELLENT", "LEADING"]
SME_LEVELS = ["L1", "L2", "L3", "L4"]


def make_version(
    code: str, levels: list[str], *, version: str = "1", status: str = "published"
) -> FrameworkVersion:
    """A model version whose definition lists `levels` (lowest first), written directly."""
    framework, _ = Framework.objects.get_or_create(code=code)
    definition = {
        "format": "zhigai-framework/1",
        "framework": {"code": code, "version": version, "title": {"zh": code}},
        "levels": [{"code": level, "name": {"zh": level}} for level in levels],
        "nodes": [{"code": "q", "title": {"zh": "题"}, "question": {"type": "yes_no"}}],
    }
    return FrameworkVersion.objects.create(
        framework=framework,
        version=version,
        status=status,
        title_zh=code,
        definition=definition,
        digest=f"{code}{version}".ljust(64, "0"),
        imported_at=timezone.now(),
    )


def make_result(
    *,
    enterprise: Enterprise,
    version: FrameworkVersion,
    year: int,
    level: str | None,
    by: User,
    at: datetime | None = None,
    kind: str = "self",
    provider: User | None = None,
    sections: dict[str, str] | None = None,
) -> Assessment:
    """A submitted result at `level` (a code of `version`, None: no level). A diagnosis gets an
    assignment of `provider` and, per section, the enterprise's decision (confirmed/disputed;
    an empty decision leaves the section unanswered)."""
    levels = [str(item["code"]) for item in version.definition["levels"]]
    rank = levels.index(level) + 1 if level else 0
    assignment = None
    if kind == "diagnosis":
        assignment = ProviderAssignment.objects.create(
            enterprise=enterprise,
            provider=provider or by,
            framework_version=version,
            assigned_by=by,
            status="done",
        )
    assessment = Assessment.objects.create(
        enterprise=enterprise,
        framework=version.framework,
        framework_version=version,
        kind=kind,
        status="submitted",
        year=year,
        assignment=assignment,
        created_by=provider or by,
        submitted_by=provider or by,
        submitted_at=at or datetime(year, 6, 1, tzinfo=UTC),
        result={},
        total=50.0,
        max_total=100.0,
        level=level or "",
        level_rank=rank,
        dimension_scores=dict.fromkeys(sections or {}, 1.0),
    )
    for section, decision in (sections or {}).items():
        if decision:
            SectionReview.objects.create(
                assessment=assessment,
                section=section,
                decision=decision,
                comment="" if decision == "confirmed" else "不同意",
                decided_by=by,
            )
    return assessment


def make_recognition(
    *, enterprise: Enterprise, by: User, year: int, type: str = "advanced_factory"
) -> Application:
    return Application.objects.create(
        enterprise=enterprise,
        type=type,
        year=year,
        status=Application.Status.RECOGNISED,
        certificate_no=f"JS-{type}-{year}-{enterprise.pk}",
        certificate_year=year,
        created_by=by,
    )


def make_snapshot(
    *, cells: list[dict[str, Any]] | None = None, status: str = "done", **fields: Any
) -> CoverageSnapshot:
    """A snapshot with the given cells (year, region_level, region_code, figures; group_kind
    and group_code optional). A done snapshot also freezes the database's fact tables as they
    are now, as a computed snapshot does (its stamp's `facts`), unless a `stamp` is given; its
    stamp says `constructed` (see devindex.tests.factories.make_run)."""
    fields.setdefault("years", sorted({c["year"] for c in cells or []}) or [2025])
    snapshot = CoverageSnapshot.objects.create(status=status, **fields)
    for cell in cells or []:
        CoverageCell.objects.create(snapshot=snapshot, **cell)
    if status == CoverageSnapshot.Status.DONE and "stamp" not in fields:
        snapshot.stamp = {"constructed": True}
        freeze_facts(snapshot)
    return snapshot


def freeze_facts(snapshot: CoverageSnapshot) -> CoverageSnapshot:
    """Freeze the database's fact tables as they are now as `snapshot`'s facts (replacing any
    it had): what coverage_snapshot_compute does, for snapshots whose cells are written by hand."""
    facts = coverage_facts_export(definition=coverage_definition())
    stamp = {**snapshot.stamp, "facts_sha256": facts_digest(facts)}
    stamp["facts"] = facts_freeze(facts, snapshot_id=snapshot.pk)
    CoverageSnapshot.objects.filter(pk=snapshot.pk).update(stamp=stamp)
    snapshot.stamp = stamp
    return snapshot
